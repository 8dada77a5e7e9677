"""Every read of copies for a user: the visibility filter, the door, the register, the form's choices.

A copy is visible to the people of the copying organisation who may see its original document (through
``outgoing_visible_to`` / ``incoming_visible_to``: drafters, routing participants, clerks and leaders,
clearance), and to the clerks and leaders of the organisations it was sent to (their own incoming copy
follows the incoming rules).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from copies.models import Copy, CopyRecipient
from copies.permissions import may_copy_source
from core.errors import NotFound
from documents.models import Attachment
from documents.selectors import record_read
from incoming.permissions import LEADER_ROLES, OVERSEER_ROLES, orgs_with_roles
from incoming.selectors import incoming_visible_to
from orgs.models import Role, User
from orgs.selectors import lineage_ids, people_with_roles, working_lineage_ids
from outgoing.selectors import outgoing_visible_to

ALL_ROLES = frozenset(Role.values)


def _member_of(user: User) -> set[int]:
    """Organisations the user works in: where they hold a role, and their own organisation."""
    ids = orgs_with_roles(user, ALL_ROLES)
    if user.organization_id:
        ids |= lineage_ids(user.organization_id)
    return ids


def copy_visible_to(user: User) -> QuerySet[Copy]:
    if not user.is_authenticated or not user.is_active:
        return Copy.objects.none()
    member = _member_of(user)
    original = Q(source_outgoing_id__in=outgoing_visible_to(user).values("pk")) | Q(
        source_incoming_id__in=incoming_visible_to(user).values("pk")
    )
    rule = Q(organization_id__in=member) & original if member else Q(pk__in=[])
    overseen = orgs_with_roles(user, OVERSEER_ROLES)
    if overseen:
        rule |= Q(pk__in=CopyRecipient.objects.filter(organization_id__in=overseen).values("copy_id"))
    return Copy.objects.filter(rule)


def copy_get_for_user(user: User, pk: int, *, need: str = "view") -> Copy:
    copy = (
        copy_visible_to(user)
        .select_related("organization", "doc_type", "decided_by", "created_by", "file__stored", "source_copy")
        .filter(pk=pk)
        .first()
    )
    if copy is None:
        raise NotFound("Không tìm thấy bản sao hoặc bạn không có quyền xem.")
    record_read(user, "copy", copy, need)
    return copy


def copy_register(user: User, year: int, organization_id: int | None = None) -> QuerySet[Copy]:
    """The copy register (sổ theo dõi bản sao) of a year: the copies made by the organisations the user
    keeps or leads (clerks and leaders), in number order."""
    orgs = orgs_with_roles(user, OVERSEER_ROLES)
    if organization_id is not None:
        orgs &= {organization_id}
    return (
        copy_visible_to(user)
        .filter(organization_id__in=orgs, year=year)
        .select_related("organization", "doc_type", "decided_by", "created_by")
        .prefetch_related("recipients")
        .order_by("organization_id", "number")
    )


def may_see_register(user: User) -> bool:
    return bool(orgs_with_roles(user, OVERSEER_ROLES))


def copies_of(user: User, kind: str, document_id: int) -> QuerySet[Copy]:
    """Copies made from a document (shown on its page), through the same visibility."""
    field = {"outgoing": "source_outgoing_id", "incoming": "source_incoming_id"}[kind]
    return copy_visible_to(user).filter(**{field: document_id}).order_by("year", "number")


# --- what the "Tạo bản sao" form offers -------------------------------------------------------------------


def copying_organization_id(source: Any) -> int:
    """The copying body: the organisation holding the source today (its successor after a merge)."""
    from orgs.selectors import current_organization_id

    return current_organization_id(source.organization_id)


def may_copy_document(user: User, kind: str, source: Any) -> bool:
    """Whether the page offers "Tạo bản sao" for this (already visible) document."""
    from incoming.states import Status as IncomingStatus
    from outgoing.states import Status as OutgoingStatus

    if kind == "outgoing" and (source.status != OutgoingStatus.ISSUED or source.issued_file_id is None):
        return False
    if kind == "incoming" and source.status == IncomingStatus.RECALLED:
        return False
    secrecy = source.secrecy
    return may_copy_source(user, copying_organization_id(source), secrecy)


def pdf_files(kind: str, source: Any) -> list[Attachment]:
    """The PDFs that can be copied: the issued PDF of an outgoing document, the PDF files of an incoming
    one, the file of a copy."""
    if kind == "outgoing":
        return [source.issued_file] if source.issued_file_id else []
    if kind == "copy":
        return [source.file]
    return list(
        Attachment.objects.filter(
            owner_kind="incoming", owner_id=source.pk, stored__content_type="application/pdf"
        ).select_related("stored")
    )


def deciders(organization_id: int) -> list[User]:
    """Leaders who may decide a copy, in rank order."""
    from core.vn import sort_key

    people = people_with_roles(set(LEADER_ROLES), working_lineage_ids(organization_id)).select_related(
        "position"
    )
    return sorted(people, key=lambda u: (u.position.rank if u.position else 999, sort_key(u.display_name)))


def register_rows(user: User, year: int) -> list[dict[str, Any]]:
    """One dict per copy of the year's register (the page, the PDF and the Excel file share it)."""
    from django.utils import timezone

    rows = []
    for copy in copy_register(user, year):
        recipients = [r.name for r in copy.recipients.all()]
        rows.append(
            {
                "copy": copy,
                "document_id": copy.pk,
                "year": copy.year,
                "number": copy.number,
                "number_symbol": copy.number_symbol,
                "copied_on": timezone.localdate(copy.created_at),
                "form": copy.get_form_display(),
                "source": f"{copy.source_label}: {copy.subject}",
                "pages": copy.pages or "Toàn văn",
                "decided_by": copy.decided_by.display_name,
                "created_by": copy.created_by.display_name,
                "recipients": "; ".join([*recipients, "Lưu: VT"]),
                "note": "Sao từ bản giấy (số hóa)" if copy.from_paper else "",
                "organization": copy.organization,
            }
        )
    return rows
