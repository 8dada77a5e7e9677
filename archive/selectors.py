"""Every read of plans, dossiers and archive records for a user (permission-filtered).

Dossiers and archive records are visible to the clerks and leaders of their organisation (organisations
merged into it included) who are cleared for their secrecy; everyone else gets "not found".
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from archive.entries import Entry, entries
from archive.models import ArchiveRecord, Dossier, DossierItem, FilePlan, ImportJob, PlanItem
from archive.permissions import managed_orgs, overseen_orgs
from archive.states import DossierStatus
from core.errors import NotFound
from documents.selectors import record_read
from incoming.permissions import allowed_secrecy
from orgs.models import User

ITEM_RELATED = (
    "incoming__doc_type",
    "outgoing__doc_type",
    "outgoing__organization",
    "outgoing__signer__position",
    "outgoing__issued_file__stored",
    "record__file__stored",
)


def dossier_visible_to(user: User) -> QuerySet[Dossier]:
    orgs = overseen_orgs(user)
    if not orgs:
        return Dossier.objects.none()
    return Dossier.objects.filter(organization_id__in=orgs, secrecy__in=allowed_secrecy(user))


def dossier_get_for_user(user: User, pk: int, *, need: str = "view") -> Dossier:
    dossier = (
        dossier_visible_to(user)
        .select_related("organization", "creator", "plan_item", "closed_by", "transfer")
        .filter(pk=pk)
        .first()
    )
    if dossier is None:
        raise NotFound("Không tìm thấy hồ sơ hoặc bạn không có quyền xem.")
    record_read(user, "dossier", dossier, need)
    return dossier


def dossier_list(user: User, *, year: int | None = None, status: str = "", q: str = "") -> QuerySet[Dossier]:
    qs = dossier_visible_to(user).select_related("organization", "creator")
    if year:
        qs = qs.filter(year=year)
    if status in DossierStatus.values:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(title__icontains=q) | qs.filter(code__icontains=q)
    return qs.order_by("-year", "code", "id")


def dossier_entries(dossier: Dossier) -> list[Entry]:
    items = list(DossierItem.objects.filter(dossier=dossier).select_related(*ITEM_RELATED))
    return entries(items)


def dossiers_with_document(user: User, kind: str, document_id: int) -> QuerySet[Dossier]:
    field = {"incoming": "incoming_id", "outgoing": "outgoing_id", "archive": "record_id"}[kind]
    ids = DossierItem.objects.filter(**{field: document_id}).values("dossier_id")
    return dossier_visible_to(user).filter(pk__in=ids).order_by("-year", "code")


def dossier_search_members(user: User, dossier_id: int) -> dict[str, QuerySet[Any]]:
    """The search filter "in this dossier" (``search.registry.register_group``): the ids of the
    documents in a dossier the user may see, per search kind; {} for a dossier they may not see."""
    if not dossier_visible_to(user).filter(pk=dossier_id).exists():
        return {}
    items = DossierItem.objects.filter(dossier_id=dossier_id)
    return {
        "incoming": items.filter(incoming__isnull=False).values("incoming_id"),
        "outgoing": items.filter(outgoing__isnull=False).values("outgoing_id"),
        "archive": items.filter(record__isnull=False).values("record_id"),
    }


def dossier_search_label(user: User, dossier_id: int) -> str:
    dossier = dossier_visible_to(user).filter(pk=dossier_id).first()
    return f"{dossier.code}/{dossier.year} – {dossier.title}" if dossier else ""


def dossier_search_choices(user: User, limit: int = 300) -> list[tuple[int, str]]:
    """The dossiers the search form offers as a filter: those the user may see, newest year first."""
    return [
        (d.pk, f"{d.code}/{d.year} – {d.title[:80]}")
        for d in dossier_visible_to(user).order_by("-year", "code", "id")[:limit]
    ]


def open_dossiers_for(user: User, organization_id: int) -> QuerySet[Dossier]:
    """Where "Đưa vào hồ sơ" may put a document of ``organization_id``: open dossiers the user keeps."""
    from orgs.selectors import current_organization_id, lineage_ids

    orgs = managed_orgs(user) & lineage_ids(current_organization_id(organization_id))
    return dossier_visible_to(user).filter(organization_id__in=orgs, status=DossierStatus.OPEN)


def record_visible_to(user: User) -> QuerySet[ArchiveRecord]:
    orgs = overseen_orgs(user)
    if not orgs:
        return ArchiveRecord.objects.none()
    return ArchiveRecord.objects.filter(organization_id__in=orgs, secrecy__in=allowed_secrecy(user))


def record_get_for_user(user: User, pk: int, *, need: str = "view") -> ArchiveRecord:
    """The door of kind ``archive`` (registered with ``documents.selectors.register_kind``)."""
    record = (
        record_visible_to(user)
        .select_related("organization", "doc_type", "file__stored")
        .filter(pk=pk)
        .first()
    )
    if record is None:
        raise NotFound("Không tìm thấy tài liệu lưu trữ hoặc bạn không có quyền xem.")
    record_read(user, "archive", record, need)
    return record


def plans_for(user: User) -> QuerySet[FilePlan]:
    return FilePlan.objects.filter(organization_id__in=overseen_orgs(user)).select_related("organization")


def plan_get_for_user(user: User, pk: int) -> FilePlan:
    plan = plans_for(user).filter(pk=pk).first()
    if plan is None:
        raise NotFound("Không tìm thấy danh mục hồ sơ.")
    return plan


def plan_rows(plan: FilePlan) -> list[dict[str, Any]]:
    """The plan as PL-V prints it: headings, then their dossiers, in order."""
    items = list(
        PlanItem.objects.filter(plan=plan)
        .select_related("responsible_unit", "responsible_person")
        .prefetch_related(Prefetch("dossiers", queryset=Dossier.objects.only("id", "plan_item_id", "status")))
    )
    by_heading: dict[int | None, list[PlanItem]] = {}
    for item in items:
        by_heading.setdefault(item.heading_id, []).append(item)
    rows: list[dict[str, Any]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for heading in [h for h in headings if h.parent_id == parent_id]:
            rows.append({"heading": heading, "depth": depth})
            rows.extend({"item": i, "depth": depth + 1} for i in by_heading.get(heading.pk, []))
            walk(heading.pk, depth + 1)

    headings = list(plan.headings.all())
    rows.extend({"item": i, "depth": 0} for i in by_heading.get(None, []))
    walk(None, 0)
    return rows


def import_jobs_for(user: User) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(organization_id__in=managed_orgs(user)).select_related("organization")


def import_get_for_user(user: User, pk: int) -> ImportJob:
    job = import_jobs_for(user).filter(pk=pk).first()
    if job is None:
        raise NotFound("Không tìm thấy đợt nhập.")
    return job
