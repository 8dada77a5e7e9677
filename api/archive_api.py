"""Dossiers over the API: thin handlers over archive.services, archive.selectors and archive.exports."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router, Schema
from ninja import Status as Reply
from ninja.files import UploadedFile
from pydantic import ConfigDict

from api.auth_api import person_ref
from api.common import iso, paginate, parse_date
from archive import exports, importing, permissions, selectors, services
from archive.models import (
    ArchiveRecord,
    Dossier,
    FilePlan,
    ImportJob,
    PlanHeading,
    PlanItem,
    Transfer,
)
from core.errors import FileTooLarge, InvalidInput, NotFound
from core.http import file_response
from incoming.permissions import allowed_secrecy
from orgs.models import Organization, User

router = Router(tags=["Hồ sơ, lưu trữ"])


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def summary(d: Dossier) -> dict[str, Any]:
    return {
        "id": d.pk,
        "organization": {"id": d.organization_id, "name": d.organization.name},
        "year": d.year,
        "code": d.code,
        "title": d.title,
        "retention": d.retention,
        "retention_years": d.retention_years,
        "status": d.status,
        "secrecy": d.secrecy,
    }


def detail(d: Dossier) -> dict[str, Any]:
    data = summary(d)
    data.update(
        {
            "rights": d.rights,
            "creator": person_ref(d.creator),
            "language": d.language,
            "start_date": iso(d.start_date),
            "end_date": iso(d.end_date),
            "description": d.description,
            "doc_total": d.doc_total,
            "page_total": d.page_total,
            "transfer_due": iso(d.transfer_due),
            "plan_item_id": d.plan_item_id,
            "documents": [
                {
                    "ordinal": i,
                    "kind": e.kind,
                    "id": e.document.pk,
                    "number_symbol": e.number_symbol,
                    "date": iso(e.date),
                    "type_name": e.type_name,
                    "issuer": e.issuer,
                    "subject": e.subject,
                    "pages": e.pages,
                    "files": [f.pk for f in e.files],
                }
                for i, e in enumerate(selectors.dossier_entries(d), start=1)
            ],
        }
    )
    return data


@router.get("/dossiers")
def dossier_list(
    request: HttpRequest,
    year: int | None = None,
    status: str = "",
    q: str = "",
    page: int = 1,
    page_size: int = 50,
) -> dict[str, Any]:
    items, total = paginate(
        selectors.dossier_list(_user(request), year=year, status=status, q=q), page, page_size
    )
    return {"items": [summary(d) for d in items], "total": total, "page": page, "page_size": page_size}


@router.get("/dossiers/{pk}")
def dossier_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return detail(selectors.dossier_get_for_user(_user(request), pk))


class DocumentRef(Schema):
    kind: str
    id: int


@router.post("/dossiers/{pk}/documents", response={201: dict})
def dossier_add(request: HttpRequest, pk: int, payload: DocumentRef) -> Any:
    dossier = selectors.dossier_get_for_user(_user(request), pk)
    services.dossier_add_document(
        actor=_user(request), dossier=dossier, kind=payload.kind, document_id=payload.id
    )
    return Reply(201, detail(selectors.dossier_get_for_user(_user(request), pk)))


@router.delete("/dossiers/{pk}/documents/{kind}/{doc_id}")
def dossier_remove(request: HttpRequest, pk: int, kind: str, doc_id: int) -> dict[str, Any]:
    dossier = selectors.dossier_get_for_user(_user(request), pk)
    services.dossier_remove_document(actor=_user(request), dossier=dossier, kind=kind, document_id=doc_id)
    return detail(selectors.dossier_get_for_user(_user(request), pk))


class CloseIn(Schema):
    end_date: str | None = None


@router.post("/dossiers/{pk}/close")
def dossier_close(request: HttpRequest, pk: int, payload: CloseIn | None = None) -> dict[str, Any]:
    from api.common import parse_date

    dossier = selectors.dossier_get_for_user(_user(request), pk)
    end = parse_date(payload.end_date if payload else None, "end_date")
    services.dossier_close(actor=_user(request), dossier=dossier, end_date=end)
    return detail(selectors.dossier_get_for_user(_user(request), pk))


class ReopenIn(Schema):
    reason: str


@router.post("/dossiers/{pk}/reopen")
def dossier_reopen(request: HttpRequest, pk: int, payload: ReopenIn) -> dict[str, Any]:
    dossier = selectors.dossier_get_for_user(_user(request), pk)
    services.dossier_reopen(actor=_user(request), dossier=dossier, reason=payload.reason)
    return detail(selectors.dossier_get_for_user(_user(request), pk))


@router.get("/dossiers/{pk}/export")
def dossier_export(request: HttpRequest, pk: int, format: str = "pdf") -> HttpResponse:
    data, name, content_type = exports.export_dossier(_user(request), pk, format)
    return file_response(data, name=name, content_type=content_type, inline=False, restricted=True)


def _page(items: list[Any], total: int, page: int, page_size: int) -> dict[str, Any]:
    return {"items": items, "total": total, "page": max(page, 1), "page_size": min(max(page_size, 1), 200)}


def _managed_org(request: HttpRequest, organization_id: int | None) -> Organization:
    """The organisation the caller keeps the archive of (their own when not given); 404 otherwise."""
    user = _user(request)
    pk = organization_id or user.organization_id
    org = Organization.objects.filter(pk=pk).first() if pk else None
    if org is None or pk not in permissions.overseen_orgs(user):
        raise NotFound("Không tìm thấy cơ quan.")
    return org


class DossierOpenIn(Schema):
    organization_id: int | None = None
    plan_item_id: int | None = None
    code: str = ""
    title: str = ""
    year: int | None = None
    retention_years: int | None = None
    rights: str = "limited"
    creator_id: int | None = None
    start_date: str | None = None
    description: str = ""
    language: str = "Tiếng Việt"


@router.post("/dossiers", response={201: dict})
def dossier_open(request: HttpRequest, payload: DossierOpenIn) -> Any:
    """Open a dossier, from the file plan (``plan_item_id``) or outside it (``code``, ``title``)."""
    organization = _managed_org(request, payload.organization_id)
    dossier = services.dossier_open(
        actor=_user(request),
        organization=organization,
        data=services.DossierInput(
            title=payload.title,
            code=payload.code,
            year=payload.year,
            plan_item_id=payload.plan_item_id,
            retention_years=payload.retention_years,
            rights=payload.rights,
            creator_id=payload.creator_id,
            start_date=parse_date(payload.start_date, "start_date"),
            description=payload.description,
            language=payload.language,
        ),
    )
    return Reply(201, detail(selectors.dossier_get_for_user(_user(request), dossier.pk)))


DATE_FIELDS = ("start_date", "end_date")


class DossierPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    code: str | None = None
    title: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    retention_years: int | None = None
    rights: str | None = None
    creator_id: int | None = None
    language: str | None = None
    description: str | None = None


@router.patch("/dossiers/{pk}")
def dossier_update(request: HttpRequest, pk: int, payload: DossierPatch) -> dict[str, Any]:
    """Edit a dossier's metadata (the fields sent; ``retention_years: null`` is permanent, ``end_date:
    null`` clears it). Open dossiers only: a closed one answers 409 ``dossier_closed``."""
    dossier = selectors.dossier_get_for_user(_user(request), pk)
    changes = payload.dict(exclude_unset=True)
    for name in DATE_FIELDS:
        if name in changes:
            changes[name] = parse_date(changes[name], name, required=name == "start_date")
    services.dossier_update(actor=_user(request), dossier=dossier, changes=changes)
    return detail(selectors.dossier_get_for_user(_user(request), pk))


# --- the file plan --------------------------------------------------------------------------------------


def heading_out(h: PlanHeading) -> dict[str, Any]:
    return {
        "id": h.pk,
        "parent_id": h.parent_id,
        "number": h.number,
        "title": h.title,
        "abbreviation": h.abbreviation,
    }


def item_out(i: PlanItem) -> dict[str, Any]:
    return {
        "id": i.pk,
        "heading_id": i.heading_id,
        "code": i.code,
        "title": i.title,
        "retention": i.retention,
        "retention_years": i.retention_years,
        "responsible_unit": {"id": i.responsible_unit.pk, "name": i.responsible_unit.name}
        if i.responsible_unit
        else None,
        "responsible_person": person_ref(i.responsible_person) if i.responsible_person_id else None,
        "note": i.note,
    }


def plan_out(plan: FilePlan, user: User | None = None) -> dict[str, Any]:
    """The plan; with ``user``, its headings and items and the dossiers opened from them that user sees."""
    data: dict[str, Any] = {
        "id": plan.pk,
        "organization": {"id": plan.organization_id, "name": plan.organization.name},
        "year": plan.year,
        "title": plan.title,
    }
    if user is not None:
        items = list(plan.items.select_related("responsible_unit", "responsible_person"))
        opened: dict[int, list[int]] = {}
        for d in selectors.dossier_visible_to(user).filter(plan_item__plan=plan):
            opened.setdefault(d.plan_item_id or 0, []).append(d.pk)
        data["headings"] = [heading_out(h) for h in plan.headings.all()]
        data["items"] = [item_out(i) | {"dossier_ids": opened.get(i.pk, [])} for i in items]
    return data


def _plan(request: HttpRequest, pk: int) -> FilePlan:
    return selectors.plan_get_for_user(_user(request), pk)


@router.get("/file-plans")
def plan_list(
    request: HttpRequest, year: int | None = None, page: int = 1, page_size: int = 50
) -> dict[str, Any]:
    qs = selectors.plans_for(_user(request)).order_by("-year", "organization_id")
    if year:
        qs = qs.filter(year=year)
    items, total = paginate(qs, page, page_size)
    return _page([plan_out(p) for p in items], total, page, page_size)


class PlanIn(Schema):
    organization_id: int | None = None
    year: int
    title: str = ""


@router.post("/file-plans", response={201: dict})
def plan_create(request: HttpRequest, payload: PlanIn) -> Any:
    organization = _managed_org(request, payload.organization_id)
    plan = services.plan_create(
        actor=_user(request), organization=organization, year=payload.year, title=payload.title
    )
    return Reply(201, plan_out(_plan(request, plan.pk), _user(request)))


@router.get("/file-plans/{pk}")
def plan_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return plan_out(_plan(request, pk), _user(request))


class CopyIn(Schema):
    year: int


@router.post("/file-plans/{pk}/copy", response={201: dict})
def plan_copy(request: HttpRequest, pk: int, payload: CopyIn) -> Any:
    new = services.plan_copy(actor=_user(request), plan=_plan(request, pk), year=payload.year)
    return Reply(201, plan_out(_plan(request, new.pk), _user(request)))


class HeadingIn(Schema):
    number: str
    title: str
    abbreviation: str = ""
    parent_id: int | None = None


@router.post("/file-plans/{pk}/headings", response={201: dict})
def heading_add(request: HttpRequest, pk: int, payload: HeadingIn) -> Any:
    plan = _plan(request, pk)
    parent = plan.headings.filter(pk=payload.parent_id).first() if payload.parent_id else None
    if payload.parent_id and parent is None:
        raise InvalidInput(
            "Đề mục cấp trên không thuộc danh mục này.", details={"parent_id": payload.parent_id}
        )
    heading = services.plan_heading_add(
        actor=_user(request),
        plan=plan,
        number=payload.number,
        title=payload.title,
        abbreviation=payload.abbreviation,
        parent=parent,
    )
    return Reply(201, heading_out(heading))


class HeadingPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    number: str | None = None
    title: str | None = None
    abbreviation: str | None = None


def _heading(request: HttpRequest, pk: int) -> PlanHeading:
    heading = PlanHeading.objects.filter(pk=pk, plan__in=selectors.plans_for(_user(request))).first()
    if heading is None:
        raise NotFound("Không tìm thấy đề mục.")
    return heading


@router.patch("/plan-headings/{pk}")
def heading_update(request: HttpRequest, pk: int, payload: HeadingPatch) -> dict[str, Any]:
    heading = _heading(request, pk)
    heading = services.plan_heading_update(
        actor=_user(request),
        heading=heading,
        number=heading.number if payload.number is None else payload.number,
        title=heading.title if payload.title is None else payload.title,
        abbreviation=heading.abbreviation if payload.abbreviation is None else payload.abbreviation,
    )
    return heading_out(heading)


class ItemIn(Schema):
    code: str
    title: str
    retention_years: int | None = None
    heading_id: int | None = None
    responsible_unit_id: int | None = None
    responsible_person_id: int | None = None
    note: str = ""


@router.post("/file-plans/{pk}/items", response={201: dict})
def item_add(request: HttpRequest, pk: int, payload: ItemIn) -> Any:
    item = services.plan_item_add(
        actor=_user(request), plan=_plan(request, pk), data=services.PlanItemInput(**payload.dict())
    )
    return Reply(201, item_out(item))


class ItemPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    code: str | None = None
    title: str | None = None
    retention_years: int | None = None
    heading_id: int | None = None
    responsible_unit_id: int | None = None
    responsible_person_id: int | None = None
    note: str | None = None


ITEM_FIELDS = (
    "code",
    "title",
    "retention_years",
    "heading_id",
    "responsible_unit_id",
    "responsible_person_id",
    "note",
)


@router.patch("/plan-items/{pk}")
def item_update(request: HttpRequest, pk: int, payload: ItemPatch) -> dict[str, Any]:
    """Fields as in ``POST /file-plans/{id}/items``; the ones not sent keep their value."""
    item = (
        PlanItem.objects.select_related("plan", "plan__organization")
        .filter(pk=pk, plan__in=selectors.plans_for(_user(request)))
        .first()
    )
    if item is None:
        raise NotFound("Không tìm thấy hồ sơ trong danh mục.")
    values = {name: getattr(item, name) for name in ITEM_FIELDS} | payload.dict(exclude_unset=True)
    item = services.plan_item_update(actor=_user(request), item=item, data=services.PlanItemInput(**values))
    return item_out(item)


# --- transfers (nộp lưu) -------------------------------------------------------------------------------


def transfer_out(t: Transfer, *, full: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": t.pk,
        "organization": {"id": t.organization_id, "name": t.organization.name},
        "at": iso(t.at),
        "handed_over_by": person_ref(t.handed_over_by),
        "giver_unit": t.giver_unit,
        "receiver_name": t.receiver_name,
        "note": t.note,
    }
    if full:
        data["dossiers"] = [
            summary(d) for d in t.dossiers.select_related("organization").order_by("year", "code")
        ]
        data["exports"] = {
            form: f"/api/v1/transfers/{t.pk}/export?form={form}" for form in exports.TRANSFER_FORMS
        }
    return data


def _transfers(user: User) -> Any:
    hidden = Dossier.objects.exclude(secrecy__in=allowed_secrecy(user)).values("transfer_id")
    return (
        Transfer.objects.filter(organization_id__in=permissions.overseen_orgs(user))
        .exclude(pk__in=hidden.filter(transfer__isnull=False))
        .select_related("organization", "handed_over_by")
    )


@router.get("/transfers")
def transfer_list(request: HttpRequest, page: int = 1, page_size: int = 50) -> dict[str, Any]:
    items, total = paginate(_transfers(_user(request)), page, page_size)
    return _page([transfer_out(t) for t in items], total, page, page_size)


@router.get("/transfers/{pk}")
def transfer_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return transfer_out(exports.transfer_get_for_user(_user(request), pk), full=True)


class TransferIn(Schema):
    organization_id: int | None = None
    dossier_ids: list[int]
    receiver_name: str
    giver_unit: str = ""
    note: str = ""


@router.post("/transfers", response={201: dict})
def transfer_create(request: HttpRequest, payload: TransferIn) -> Any:
    """Hand closed dossiers over to the agency archive (nộp lưu); open ones are refused (409)."""
    transfer = services.transfer_create(
        actor=_user(request),
        organization=_managed_org(request, payload.organization_id),
        dossier_ids=payload.dossier_ids,
        receiver_name=payload.receiver_name,
        giver_unit=payload.giver_unit,
        note=payload.note,
    )
    return Reply(
        201,
        transfer_out(exports.transfer_get_for_user(_user(request), transfer.pk), full=True),
    )


@router.get("/transfers/{pk}/export")
def transfer_export(request: HttpRequest, pk: int, form: str = "bien-ban") -> HttpResponse:
    """``form``: ``muc-luc-ho-so`` (list of dossiers), ``muc-luc-van-ban`` (their documents), ``bien-ban``."""
    data, name = exports.export_transfer(_user(request), pk, form)
    return file_response(data, name=name, content_type="application/pdf", inline=False, restricted=True)


# --- archive records and the bulk import ------------------------------------------------------------------


def _read(upload: UploadedFile) -> tuple[str, bytes]:
    if upload.size and upload.size > settings.FILE_MAX_BYTES:
        limit_mb = settings.FILE_MAX_BYTES // (1024 * 1024)
        raise FileTooLarge(f"Tệp “{upload.name}” vượt quá dung lượng cho phép ({limit_mb} MB).")
    return upload.name or "tep", upload.read()


def import_out(job: ImportJob, *, full: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": job.pk,
        "organization": {"id": job.organization_id, "name": job.organization.name},
        "spreadsheet_name": job.spreadsheet_name,
        "status": job.status,
        "total_rows": job.total_rows,
        "done_rows": job.done_rows,
        "error_rows": job.error_rows,
        "percent": job.percent,
        "dossier_id": job.dossier_id,
        "created_at": iso(job.created_at),
        "finished_at": iso(job.finished_at),
    }
    if full:
        data["errors"] = [{"row": e.row, "message": e.message} for e in job.errors.all()]
    return data


@router.get("/archive-imports")
def import_list(request: HttpRequest, page: int = 1, page_size: int = 50) -> dict[str, Any]:
    items, total = paginate(selectors.import_jobs_for(_user(request)), page, page_size)
    return _page([import_out(j) for j in items], total, page, page_size)


@router.get("/archive-imports/{pk}")
def import_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    """Progress (``percent``, ``done_rows``, ``error_rows``) and the refused rows with their reason."""
    return import_out(selectors.import_get_for_user(_user(request), pk), full=True)


@router.post("/archive-imports", response={201: dict})
def import_start(
    request: HttpRequest,
    spreadsheet: File[UploadedFile],
    scans: list[UploadedFile] | None = File(None),  # noqa: B008 - ninja's optional-file marker
    organization_id: Form[int | None] = None,
    dossier_id: Form[int | None] = None,
) -> Any:
    """Multipart: ``spreadsheet`` (.xlsx, one row per document) and ``scans`` (the files it names). The
    rows are imported by the worker; poll ``GET /archive-imports/{id}``."""
    user = _user(request)
    organization = _managed_org(request, organization_id)
    dossier = selectors.dossier_get_for_user(user, dossier_id) if dossier_id else None
    job = importing.import_start(
        actor=user,
        organization=organization,
        spreadsheet=_read(spreadsheet),
        scans=[_read(f) for f in scans or []],
        dossier=dossier,
    )
    return Reply(201, import_out(selectors.import_get_for_user(user, job.pk), full=True))


@router.post("/archive-imports/{pk}/resume")
def import_resume(request: HttpRequest, pk: int) -> dict[str, Any]:
    """Continue an interrupted import after the rows already done (409 when it is finished)."""
    job = selectors.import_get_for_user(_user(request), pk)
    importing.import_resume(actor=_user(request), job=job)
    return import_out(selectors.import_get_for_user(_user(request), pk), full=True)


def record_out(r: ArchiveRecord) -> dict[str, Any]:
    return {
        "id": r.pk,
        "organization": {"id": r.organization_id, "name": r.organization.name},
        "number_symbol": r.number_symbol,
        "issued_date": iso(r.issued_date),
        "issuer_name": r.issuer_name,
        "type_name": r.type_name,
        "subject": r.subject,
        "signer_name": r.signer_name,
        "signer_position": r.signer_position,
        "language": r.language,
        "page_count": r.page_count,
        "secrecy": r.secrecy,
        "description": r.description,
        "files": [
            {
                "id": r.file.pk,
                "name": r.file.name,
                "sha256": r.file.stored.sha256,
                "size": r.file.stored.size,
                "content_type": r.file.stored.content_type,
            }
        ]
        if r.file_id and r.file
        else [],
    }


@router.get("/archive-records/{pk}")
def record_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return record_out(selectors.record_get_for_user(_user(request), pk))


@router.post("/archive-records", response={201: dict})
def record_create(
    request: HttpRequest,
    issued_date: Form[str],
    issuer_name: Form[str],
    type_name: Form[str],
    subject: Form[str],
    file: UploadedFile | None = File(None),  # noqa: B008 - ninja's optional-file marker
    organization_id: Form[int | None] = None,
    number_symbol: Form[str] = "",
    signer_name: Form[str] = "",
    signer_position: Form[str] = "",
    language: Form[str] = "Tiếng Việt",
    page_count: Form[int | None] = None,
    secrecy: Form[str] = "none",
    description: Form[str] = "",
    dossier_id: Form[int | None] = None,
) -> Any:
    """One legacy document with its scan (multipart ``file``: PDF, TIFF, JPEG, PNG), optionally put into
    an open dossier (``dossier_id``) in the same transaction."""
    from core import files

    user = _user(request)
    organization = _managed_org(request, organization_id)
    data = services.RecordInput(
        issued_date=parse_date(issued_date, "issued_date", required=True),  # type: ignore[arg-type]
        issuer_name=issuer_name,
        type_name=type_name,
        subject=subject,
        number_symbol=number_symbol,
        signer_name=signer_name,
        signer_position=signer_position,
        language=language,
        page_count=page_count,
        secrecy=secrecy,
        description=description,
    )
    with files.atomic_with_files():
        record = services.record_create(
            actor=user, organization=organization, data=data, scan=_read(file) if file else None
        )
        if dossier_id:
            dossier = selectors.dossier_get_for_user(user, dossier_id)
            services.dossier_add_document(actor=user, dossier=dossier, kind="archive", document_id=record.pk)
    return Reply(201, record_out(selectors.record_get_for_user(user, record.pk)))
