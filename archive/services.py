"""Every write of the file plan, dossiers, transfers and archive records: ``<entity>_<verb>(*, actor, …)``,
one transaction, the audit event in it. Refusals (role 403, state 409, input 400) change nothing.

Closing (NĐ 30 §29): the counts of documents and pages are computed, the end date defaults to the
latest document's date, and the transfer deadline is set (1 year after the work ends, §30.1.b) for
dossiers kept 5 years or more; a closed dossier takes no more changes until the office leader reopens it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from archive import permissions
from archive.entries import entries
from archive.models import (
    ArchiveRecord,
    Dossier,
    DossierItem,
    FilePlan,
    PlanHeading,
    PlanItem,
    Rights,
    Transfer,
    retention_label,
)
from archive.selectors import ITEM_RELATED
from archive.states import DOSSIER_TRANSITIONS, DossierStatus
from core import audit, files
from core.errors import Conflict, InvalidInput, NotAllowed, WrongState
from core.states import check
from documents.models import Attachment, DocType
from documents.selectors import document_get_for_user
from orgs.models import SECRECY_RANK, Organization, Secrecy, Unit, User
from orgs.selectors import lineage_ids, today
from search import indexing as search_index

KINDS = ("incoming", "outgoing", "archive")
TRANSFER_MIN_YEARS = 5  # NĐ 30 §30.3: files kept 5 years or more are handed over to the archive


def _require_manager(actor: User, organization_id: int) -> None:
    if not permissions.may_manage(actor, organization_id):
        raise NotAllowed("Chỉ văn thư của cơ quan được lập và quản lý hồ sơ.")


def _retention(value: Any) -> int | None:
    if value in (None, "", "vv", "vĩnh viễn", "Vĩnh viễn"):
        return None
    try:
        years = int(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            "Thời hạn bảo quản là số năm hoặc để trống (vĩnh viễn).", details={"retention_years": value}
        ) from exc
    if not 1 <= years <= 100:
        raise InvalidInput("Thời hạn bảo quản từ 1 đến 100 năm.", details={"retention_years": value})
    return years


# --- the file plan ---------------------------------------------------------------------------------------


def plan_create(*, actor: User, organization: Organization, year: int, title: str = "") -> FilePlan:
    _require_manager(actor, organization.pk)
    if not 1900 <= year <= 2200:
        raise InvalidInput("Năm không hợp lệ.", details={"year": year})
    try:
        with transaction.atomic():
            plan = FilePlan.objects.create(
                organization=organization, year=year, title=title.strip(), created_by=actor
            )
            audit.record(
                actor=actor,
                action="archive.plan_create",
                target=plan,
                organization_id=organization.pk,
                data={"year": year},
            )
    except IntegrityError as exc:
        raise Conflict(f"Cơ quan đã có danh mục hồ sơ năm {year}.", code="plan_exists") from exc
    return plan


def plan_heading_add(
    *,
    actor: User,
    plan: FilePlan,
    number: str,
    title: str,
    abbreviation: str = "",
    parent: PlanHeading | None = None,
) -> PlanHeading:
    _require_manager(actor, plan.organization_id)
    if not number.strip() or not title.strip():
        raise InvalidInput("Vui lòng nhập số và tên đề mục.")
    if parent is not None and parent.plan_id != plan.pk:
        raise InvalidInput("Đề mục cấp trên không thuộc danh mục này.")
    with transaction.atomic():
        heading = PlanHeading.objects.create(
            plan=plan,
            parent=parent,
            number=number.strip(),
            title=title.strip(),
            abbreviation=abbreviation.strip(),
            position=plan.headings.count() + 1,
        )
        audit.record(
            actor=actor,
            action="archive.plan_heading_add",
            target=heading,
            organization_id=plan.organization_id,
            data={"plan": plan.pk, "number": heading.number},
        )
    return heading


@dataclass
class PlanItemInput:
    code: str
    title: str
    retention_years: Any = None
    heading_id: int | None = None
    responsible_unit_id: int | None = None
    responsible_person_id: int | None = None
    note: str = ""


def plan_item_add(*, actor: User, plan: FilePlan, data: PlanItemInput) -> PlanItem:
    _require_manager(actor, plan.organization_id)
    values = _plan_item_values(plan, data)
    code = values["code"]
    try:
        with transaction.atomic():
            item = PlanItem.objects.create(plan=plan, position=plan.items.count() + 1, **values)
            audit.record(
                actor=actor,
                action="archive.plan_item_add",
                target=item,
                organization_id=plan.organization_id,
                data={"plan": plan.pk, "code": code, "retention": item.retention},
            )
    except IntegrityError as exc:
        raise Conflict(f"Danh mục đã có hồ sơ số {code}.", code="plan_item_exists") from exc
    return item


def plan_heading_update(
    *, actor: User, heading: PlanHeading, number: str, title: str, abbreviation: str = ""
) -> PlanHeading:
    """Edit a heading's number, title and abbreviation (audited with the old values)."""
    _require_manager(actor, heading.plan.organization_id)
    if not number.strip() or not title.strip():
        raise InvalidInput("Vui lòng nhập số và tên đề mục.")
    if len(number.strip()) > 10 or len(abbreviation.strip()) > 20:
        raise InvalidInput("Số đề mục tối đa 10 ký tự, ký hiệu tối đa 20 ký tự.")
    new = {"number": number.strip(), "title": title.strip()[:500], "abbreviation": abbreviation.strip()}
    old = {k: getattr(heading, k) for k in new if getattr(heading, k) != new[k]}
    if not old:
        return heading
    with transaction.atomic():
        for name, value in new.items():
            setattr(heading, name, value)
        heading.save(update_fields=list(new))
        audit.record(
            actor=actor,
            action="archive.plan_heading_update",
            target=heading,
            organization_id=heading.plan.organization_id,
            data={"old": old, "new": {k: new[k] for k in old}},
        )
    return heading


def _plan_item_values(plan: FilePlan, data: PlanItemInput) -> dict[str, Any]:
    code, title = data.code.strip(), data.title.strip()
    if not code or not title:
        raise InvalidInput("Vui lòng nhập số, ký hiệu và tiêu đề hồ sơ.")
    if len(code) > 20:
        raise InvalidInput("Số và ký hiệu hồ sơ tối đa 20 ký tự (PL-VI).", details={"code": code})
    heading = None
    if data.heading_id:
        heading = plan.headings.filter(pk=data.heading_id).first()
        if heading is None:
            raise InvalidInput("Đề mục không thuộc danh mục này.")
    orgs = lineage_ids(plan.organization_id)
    unit = None
    if data.responsible_unit_id:
        unit = Unit.objects.filter(pk=data.responsible_unit_id, organization_id__in=orgs).first()
        if unit is None:
            raise InvalidInput(
                "Đơn vị lập hồ sơ không thuộc cơ quan.", details={"unit": data.responsible_unit_id}
            )
    person = None
    if data.responsible_person_id:
        person = User.objects.filter(pk=data.responsible_person_id, organization_id__in=orgs).first()
        if person is None:
            raise InvalidInput("Người lập hồ sơ không thuộc cơ quan.")
    return {
        "heading": heading,
        "code": code,
        "title": title[:500],
        "retention_years": _retention(data.retention_years),
        "responsible_unit": unit,
        "responsible_person": person,
        "note": data.note.strip()[:500],
    }


def plan_item_update(*, actor: User, item: PlanItem, data: PlanItemInput) -> PlanItem:
    """Edit a planned dossier (code, title, retention, heading, who makes it); dossiers already opened
    from it keep their own metadata. Audited with the old values."""
    plan = item.plan
    _require_manager(actor, plan.organization_id)
    values = _plan_item_values(plan, data)
    old = {k: str(getattr(item, k) or "") for k, v in values.items() if getattr(item, k) != v}
    if not old:
        return item
    try:
        with transaction.atomic():
            for name, value in values.items():
                setattr(item, name, value)
            item.save()
            audit.record(
                actor=actor,
                action="archive.plan_item_update",
                target=item,
                organization_id=plan.organization_id,
                data={"old": old, "new": {k: str(getattr(item, k) or "") for k in old}},
            )
    except IntegrityError as exc:
        raise Conflict(f"Danh mục đã có hồ sơ số {values['code']}.", code="plan_item_exists") from exc
    return item


def plan_copy(*, actor: User, plan: FilePlan, year: int) -> FilePlan:
    """A new year's plan with the headings and dossiers of ``plan`` (codes, titles, retention, who)."""
    _require_manager(actor, plan.organization_id)
    with transaction.atomic():
        new = plan_create(actor=actor, organization=plan.organization, year=year, title=plan.title)
        mapping: dict[int, PlanHeading] = {}
        pending = list(plan.headings.all())
        while pending:
            rest = []
            for heading in pending:
                if heading.parent_id and heading.parent_id not in mapping:
                    rest.append(heading)
                    continue
                mapping[heading.pk] = PlanHeading.objects.create(
                    plan=new,
                    parent=mapping.get(heading.parent_id or 0),
                    number=heading.number,
                    title=heading.title,
                    abbreviation=heading.abbreviation,
                    position=heading.position,
                )
            if len(rest) == len(pending):  # a cycle cannot happen, but never loop for ever
                break
            pending = rest
        items = [
            PlanItem(
                plan=new,
                heading=mapping.get(i.heading_id or 0),
                code=i.code,
                title=i.title,
                retention_years=i.retention_years,
                responsible_unit_id=i.responsible_unit_id,
                responsible_person_id=i.responsible_person_id,
                note=i.note,
                position=i.position,
            )
            for i in plan.items.all()
        ]
        PlanItem.objects.bulk_create(items)
        audit.record(
            actor=actor,
            action="archive.plan_copy",
            target=new,
            organization_id=plan.organization_id,
            data={"from": plan.pk, "from_year": plan.year, "year": year, "items": len(items)},
        )
    return new


# --- dossiers -------------------------------------------------------------------------------------------


@dataclass
class DossierInput:
    title: str = ""
    code: str = ""
    year: int | None = None
    plan_item_id: int | None = None
    retention_years: Any = None
    rights: str = Rights.LIMITED
    creator_id: int | None = None
    start_date: date | None = None
    description: str = ""
    language: str = "Tiếng Việt"


def dossier_open(*, actor: User, organization: Organization, data: DossierInput) -> Dossier:
    """Open a dossier from the plan (code, title, retention, creator taken from it) or outside it."""
    _require_manager(actor, organization.pk)
    item = None
    if data.plan_item_id:
        item = (
            PlanItem.objects.select_related("plan")
            .filter(pk=data.plan_item_id, plan__organization_id=organization.pk)
            .first()
        )
        if item is None:
            raise InvalidInput(
                "Hồ sơ trong danh mục không tồn tại.", details={"plan_item": data.plan_item_id}
            )
    code = (data.code or (item.code if item else "")).strip()
    title = (data.title or (item.title if item else "")).strip()
    if not code or not title:
        raise InvalidInput("Vui lòng nhập số, ký hiệu và tiêu đề hồ sơ.")
    if len(code) > 20:
        raise InvalidInput("Số và ký hiệu hồ sơ tối đa 20 ký tự (PL-VI).", details={"code": code})
    if data.rights not in Rights.values:
        raise InvalidInput("Chế độ sử dụng không hợp lệ.", details={"rights": data.rights})
    retention = (
        _retention(data.retention_years)
        if data.retention_years not in (None, "") or item is None
        else item.retention_years
    )
    start = data.start_date or today()
    year = data.year or (item.plan.year if item else start.year)
    creator = User.objects.filter(pk=data.creator_id).first() if data.creator_id else None
    creator = creator or (item.responsible_person if item and item.responsible_person_id else None) or actor
    try:
        with transaction.atomic():
            dossier = Dossier.objects.create(
                organization=organization,
                plan_item=item,
                year=year,
                code=code,
                title=title,
                retention_years=retention,
                rights=data.rights,
                creator=creator,
                start_date=start,
                description=data.description.strip(),
                language=data.language.strip() or "Tiếng Việt",
            )
            audit.record(
                actor=actor,
                action="archive.dossier_open",
                target=dossier,
                organization_id=organization.pk,
                data={"code": code, "year": year, "plan_item": item.pk if item else None},
            )
    except IntegrityError as exc:
        raise Conflict(f"Đã có hồ sơ số {code} năm {year}.", code="dossier_exists") from exc
    return dossier


def _locked(dossier: Dossier) -> Dossier:
    return Dossier.objects.select_for_update().get(pk=dossier.pk)


EDITABLE = (
    "title",
    "code",
    "description",
    "retention_years",
    "rights",
    "start_date",
    "end_date",
    "language",
    "creator_id",
)
CLOSED_EDIT = "Hồ sơ đã kết thúc: lãnh đạo Văn phòng mở lại hồ sơ thì mới sửa được."


def _clean_dossier_value(dossier: Dossier, name: str, value: Any) -> Any:
    """One field of the dossier edit form, checked; a Vietnamese InvalidInput otherwise."""
    if name not in EDITABLE:
        raise InvalidInput(f"Không sửa được trường {name}.", details={name: "không sửa được"})
    if name == "retention_years":
        return _retention(value)
    if name == "rights" and value not in Rights.values:
        raise InvalidInput("Chế độ sử dụng không hợp lệ.", details={"rights": value})
    if name in ("title", "code"):
        value = str(value or "").strip()
        if not value:
            label = "Tiêu đề" if name == "title" else "Số và ký hiệu"
            raise InvalidInput(f"{label} hồ sơ không được để trống.", details={name: "bắt buộc"})
        if name == "code" and len(value) > 20:
            raise InvalidInput("Số và ký hiệu hồ sơ tối đa 20 ký tự (PL-VI).", details={"code": value})
    if name == "start_date" and not isinstance(value, date):
        raise InvalidInput("Vui lòng nhập ngày bắt đầu (dd/mm/yyyy).", details={"start_date": "bắt buộc"})
    if name == "end_date" and value is not None and not isinstance(value, date):
        raise InvalidInput("Ngày kết thúc không hợp lệ.", details={"end_date": str(value)})
    if name == "creator_id":
        keeper = User.objects.filter(
            pk=value, is_active=True, organization_id__in=lineage_ids(dossier.organization_id)
        ).first()
        if keeper is None:
            raise InvalidInput("Người lập hồ sơ phải là người của cơ quan.", details={"creator_id": value})
        return keeper.pk
    if name in ("description", "language"):
        value = str(value or "").strip()[: 500 if name == "description" else 50]
        if name == "language" and not value:
            value = "Tiếng Việt"
    return value


def dossier_update(*, actor: User, dossier: Dossier, changes: dict[str, Any]) -> Dossier:
    """Edit a dossier's metadata (audited with the old and new values). Only an open dossier: a closed
    one is reopened first (by the office leader)."""
    _require_manager(actor, dossier.organization_id)
    try:
        with transaction.atomic():
            locked = _locked(dossier)
            if locked.status != DossierStatus.OPEN:
                raise WrongState(CLOSED_EDIT, code="dossier_closed", details={"status": locked.status})
            check(DOSSIER_TRANSITIONS, DossierStatus, "edit", locked.status)
            old: dict[str, Any] = {}
            for name, value in changes.items():
                value = _clean_dossier_value(locked, name, value)
                if getattr(locked, name) != value:
                    old[name] = getattr(locked, name)
                    setattr(locked, name, value)
            if locked.end_date and locked.end_date < locked.start_date:
                raise InvalidInput(
                    "Ngày kết thúc trước ngày bắt đầu của hồ sơ.", details={"end_date": str(locked.end_date)}
                )
            if not old:
                return locked
            locked.save()
            audit.record(
                actor=actor,
                action="archive.dossier_update",
                target=locked,
                organization_id=locked.organization_id,
                data={"old": old, "new": {k: getattr(locked, k) for k in old}},
            )
    except IntegrityError as exc:
        raise Conflict(
            f"Đã có hồ sơ số {changes.get('code')} năm {dossier.year}.", code="dossier_exists"
        ) from exc
    return locked


def _document_for(actor: User, dossier: Dossier, kind: str, document_id: int) -> Any:
    if kind not in KINDS:
        raise InvalidInput("Loại văn bản không hợp lệ.", details={"kind": kind})
    document = document_get_for_user(actor, kind, document_id, need="view")
    if document.organization_id not in lineage_ids(dossier.organization_id):
        raise InvalidInput(
            "Chỉ đưa vào hồ sơ văn bản của chính cơ quan lập hồ sơ.", code="other_organization"
        )
    return document


def _field(kind: str) -> str:
    return {"incoming": "incoming", "outgoing": "outgoing", "archive": "record"}[kind]


def max_secrecy(levels: list[str]) -> str:
    return max(levels, key=lambda s: SECRECY_RANK[Secrecy(s)], default=Secrecy.NONE)


def dossier_add_document(*, actor: User, dossier: Dossier, kind: str, document_id: int) -> DossierItem:
    """Link a document (no copy): the same document may sit in any number of dossiers."""
    _require_manager(actor, dossier.organization_id)
    document = _document_for(actor, dossier, kind, document_id)
    with transaction.atomic():
        locked = _locked(dossier)
        check(DOSSIER_TRANSITIONS, DossierStatus, "add_document", locked.status)
        if DossierItem.objects.filter(dossier=locked, **{_field(kind): document}).exists():
            raise Conflict("Văn bản đã có trong hồ sơ này.", code="already_in_dossier")
        return link_document(actor=actor, locked=locked, kind=kind, document=document)


def link_document(
    *, actor: User, locked: Dossier, kind: str, document: Any, data: dict[str, Any] | None = None
) -> DossierItem:
    """The link itself, on a dossier the caller locked and checked (open, visible): the item, the dossier
    raised to its most secret document, the audit event. Used by the screens and by the archive import."""
    item = DossierItem.objects.create(dossier=locked, added_by=actor, **{_field(kind): document})
    before = locked.secrecy
    secrecy = max_secrecy([locked.secrecy, document.secrecy])
    if secrecy != locked.secrecy:
        locked.secrecy = secrecy
        locked.save(update_fields=["secrecy"])
    audit.record(
        actor=actor,
        action="archive.dossier_add_document",
        target=locked,
        organization_id=locked.organization_id,
        data={"kind": kind, "document": document.pk, "secrecy": [before, secrecy], **(data or {})},
    )
    return item


def dossier_remove_document(*, actor: User, dossier: Dossier, kind: str, document_id: int) -> None:
    _require_manager(actor, dossier.organization_id)
    if kind not in KINDS:
        raise InvalidInput("Loại văn bản không hợp lệ.", details={"kind": kind})
    with transaction.atomic():
        locked = _locked(dossier)
        check(DOSSIER_TRANSITIONS, DossierStatus, "remove_document", locked.status)
        deleted, _ = DossierItem.objects.filter(
            dossier=locked, **{f"{_field(kind)}_id": document_id}
        ).delete()
        if not deleted:
            raise InvalidInput("Văn bản không có trong hồ sơ.", code="not_in_dossier")
        remaining = dossier_secrecies(locked)
        locked.secrecy = max_secrecy(remaining)
        locked.save(update_fields=["secrecy"])
        audit.record(
            actor=actor,
            action="archive.dossier_remove_document",
            target=locked,
            organization_id=locked.organization_id,
            data={"kind": kind, "document": document_id},
        )


def dossier_secrecies(dossier: Dossier) -> list[str]:
    items = DossierItem.objects.filter(dossier=dossier).select_related("incoming", "outgoing", "record")
    return [(i.incoming or i.outgoing or i.record).secrecy for i in items]  # type: ignore[union-attr]


def transfer_due_for(dossier: Dossier, end: date) -> date | None:
    """NĐ 30 §30.1.b: within one year after the work ends, for files kept 5 years or more."""
    if dossier.retention_years is not None and dossier.retention_years < TRANSFER_MIN_YEARS:
        return None
    try:
        return end.replace(year=end.year + 1)
    except ValueError:  # 29 February
        return end.replace(year=end.year + 1, day=28)


def dossier_close(*, actor: User, dossier: Dossier, end_date: date | None = None) -> Dossier:
    _require_manager(actor, dossier.organization_id)
    with transaction.atomic():
        locked = _locked(dossier)
        status = check(DOSSIER_TRANSITIONS, DossierStatus, "close", locked.status)
        items = list(DossierItem.objects.filter(dossier=locked).select_related(*ITEM_RELATED))
        found = entries(items)
        if not found:
            raise InvalidInput("Hồ sơ chưa có văn bản nào: không kết thúc được.", code="empty_dossier")
        dates = [e.date for e in found if e.date]
        end = end_date or max([*dates, locked.start_date])
        if end < locked.start_date:
            raise InvalidInput("Ngày kết thúc trước ngày bắt đầu của hồ sơ.", details={"end_date": str(end)})
        locked.status = status
        locked.doc_total = len(found)
        locked.page_total = sum(e.pages for e in found)
        locked.end_date = end
        locked.transfer_due = transfer_due_for(locked, end)
        locked.closed_at = timezone.now()
        locked.closed_by = actor
        locked.save()
        audit.record(
            actor=actor,
            action="archive.dossier_close",
            target=locked,
            organization_id=locked.organization_id,
            data={
                "doc_total": locked.doc_total,
                "page_total": locked.page_total,
                "end_date": str(end),
                "transfer_due": str(locked.transfer_due) if locked.transfer_due else None,
            },
        )
    return locked


def dossier_reopen(*, actor: User, dossier: Dossier, reason: str) -> Dossier:
    if not permissions.may_reopen(actor, dossier.organization_id):
        raise NotAllowed("Chỉ lãnh đạo Văn phòng được mở lại hồ sơ đã kết thúc.")
    if not reason.strip():
        raise InvalidInput("Vui lòng nêu lý do mở lại hồ sơ.", code="reason_required")
    with transaction.atomic():
        locked = _locked(dossier)
        locked.status = check(DOSSIER_TRANSITIONS, DossierStatus, "reopen", locked.status)
        locked.closed_at = None
        locked.closed_by = None
        locked.save()
        audit.record(
            actor=actor,
            action="archive.dossier_reopen",
            target=locked,
            organization_id=locked.organization_id,
            data={"reason": reason.strip()[:500]},
        )
    return locked


# --- transfer to the archive (nộp lưu) ----------------------------------------------------------------


def transfer_create(
    *,
    actor: User,
    organization: Organization,
    dossier_ids: list[int],
    receiver_name: str,
    giver_unit: str = "",
    note: str = "",
) -> Transfer:
    """Hand closed dossiers over to the agency archive; they take no more changes afterwards."""
    _require_manager(actor, organization.pk)
    if not receiver_name.strip():
        raise InvalidInput("Vui lòng nhập người nhận của Lưu trữ cơ quan.", code="receiver_required")
    ids = sorted(set(dossier_ids))
    if not ids:
        raise InvalidInput("Vui lòng chọn hồ sơ nộp lưu.", code="no_dossiers")
    with transaction.atomic():
        dossiers = list(
            Dossier.objects.select_for_update().filter(
                pk__in=ids, organization_id__in=lineage_ids(organization.pk)
            )
        )
        if len(dossiers) != len(ids):
            raise InvalidInput("Có hồ sơ không thuộc cơ quan.", code="unknown_dossier")
        for d in dossiers:
            if not permissions.may_see(actor, d.organization_id, d.secrecy):
                raise InvalidInput("Có hồ sơ không thuộc cơ quan.", code="unknown_dossier")
        transfer = Transfer.objects.create(
            organization=organization,
            handed_over_by=actor,
            receiver_name=receiver_name.strip()[:100],
            giver_unit=(giver_unit.strip() or (actor.unit.name if actor.unit_id else ""))[:255],  # type: ignore[union-attr]
            note=note.strip()[:500],
        )
        for d in dossiers:
            d.status = check(DOSSIER_TRANSITIONS, DossierStatus, "transfer", d.status)
            d.transfer = transfer
            d.save(update_fields=["status", "transfer"])
        audit.record(
            actor=actor,
            action="archive.transfer",
            target=transfer,
            organization_id=organization.pk,
            data={"dossiers": ids, "receiver": transfer.receiver_name},
        )
    return transfer


# --- archive records ------------------------------------------------------------------------------------


@dataclass
class RecordInput:
    issued_date: date
    issuer_name: str
    type_name: str
    subject: str
    number_symbol: str = ""
    signer_name: str = ""
    signer_position: str = ""
    language: str = "Tiếng Việt"
    page_count: int | None = None
    secrecy: str = Secrecy.NONE
    description: str = ""


ARCHIVE_FILE_TYPES = frozenset({files.PDF, files.PNG, files.JPEG, files.TIFF})


def _scan_pages(checked: files.CheckedFile | None) -> int | None:
    """Pages of a scan: the PDF's count, or the frames of an image (a TIFF may hold many pages)."""
    if checked is None:
        return None
    if checked.page_count or checked.content_type == files.PDF:
        return checked.page_count
    from PIL import Image

    try:
        with Image.open(io.BytesIO(checked.data)) as image:
            return int(getattr(image, "n_frames", 1))
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


def validate_record(data: RecordInput) -> list[str]:
    problems = []
    if not data.issuer_name.strip():
        problems.append("thiếu cơ quan ban hành")
    if not data.type_name.strip():
        problems.append("thiếu tên loại văn bản")
    if not data.subject.strip():
        problems.append("thiếu trích yếu")
    if data.secrecy not in Secrecy.values:
        problems.append(f"độ mật “{data.secrecy}” không hợp lệ")
    if len(data.subject) > 500:
        problems.append("trích yếu dài quá 500 ký tự")
    if len(data.number_symbol) > 60:
        problems.append("số, ký hiệu dài quá 60 ký tự")
    if data.page_count is not None and not 0 < data.page_count < 100000:
        problems.append("số trang không hợp lệ")
    return problems


def record_create(
    *,
    actor: User,
    organization: Organization,
    data: RecordInput,
    scan: tuple[str, bytes] | None = None,
    import_job: Any = None,
    import_row: int | None = None,
) -> ArchiveRecord:
    """One archive record with its scan, in one transaction with the file (nothing half-made)."""
    _require_manager(actor, organization.pk)
    problems = validate_record(data)
    if problems:
        raise InvalidInput(
            "Tài liệu lưu trữ không hợp lệ: " + "; ".join(problems) + ".", code="invalid_record"
        )
    from incoming.permissions import cleared_for

    if not cleared_for(actor, data.secrecy):
        raise NotAllowed("Bạn không đủ thẩm quyền với độ mật này.", code="clearance")
    checked = files.validate(scan[0], scan[1], allowed=ARCHIVE_FILE_TYPES) if scan else None
    doc_type = DocType.objects.filter(
        profile=organization.profile, name__iexact=data.type_name.strip()
    ).first()
    with files.atomic_with_files():
        record = ArchiveRecord.objects.create(
            organization=organization,
            number_symbol=data.number_symbol.strip(),
            issued_date=data.issued_date,
            issuer_name=data.issuer_name.strip(),
            doc_type=doc_type,
            type_name=data.type_name.strip(),
            subject=data.subject.strip(),
            signer_name=data.signer_name.strip(),
            signer_position=data.signer_position.strip(),
            language=data.language.strip() or "Tiếng Việt",
            page_count=data.page_count or _scan_pages(checked),
            secrecy=data.secrecy,
            description=data.description.strip(),
            created_by=actor,
            import_job=import_job,
            import_row=import_row,
        )
        if checked is not None:
            stored = files.store(checked)
            record.file = Attachment.objects.create(
                stored=stored, name=checked.name, owner_kind="archive", owner_id=record.pk, uploaded_by=actor
            )
            record.save(update_fields=["file"])
        audit.record(
            actor=actor,
            action="archive.record_create",
            target=record,
            organization_id=organization.pk,
            data={
                "number_symbol": record.number_symbol,
                "import_job": getattr(import_job, "pk", None),
                "row": import_row,
            },
        )
        search_index.reindex("archive", [record.pk])  # in this transaction (search/indexing.py)
    return record


__all__ = ["retention_label"]
