"""Every read of outgoing documents for a user: the visibility filter, the door, the queues."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from core.errors import NotFound
from documents.models import Attachment
from documents.selectors import record_read
from incoming.permissions import OVERSEER_ROLES, allowed_secrecy, heads_units, orgs_with_roles
from orgs.models import User
from outgoing.models import Approval, ApprovalRouteStep, OutgoingDocument, ReviewRequest
from outgoing.states import Status


def outgoing_visible_to(user: User) -> QuerySet[OutgoingDocument]:
    """Drafters, everyone who decided on it, its signer, the organization's clerks and leaders, and the
    people asked for comments (directly, or as clerks and leaders of an organization asked)."""
    if not user.is_authenticated or not user.is_active:
        return OutgoingDocument.objects.none()
    decided = Approval.objects.filter(document=OuterRef("pk"), approver_id=user.pk)
    overseen = orgs_with_roles(user, OVERSEER_ROLES)
    # the cheap organization test first: most rows a leader sees match it before any subquery runs
    rule = Q(organization_id__in=overseen) if overseen else Q(pk__in=[])
    rule |= Q(drafter_id=user.pk) | Q(signer_id=user.pk) | Q(Exists(decided))
    rule |= Q(pk__in=awaiting_approval_qs(user).values("pk"))
    rule |= Q(pk__in=review_requests_for(user, overseen).values("round__document_id"))
    return OutgoingDocument.objects.filter(rule, secrecy__in=allowed_secrecy(user))


def issued_replies(user: User, incoming_id: int) -> QuerySet[OutgoingDocument]:
    """Issued outgoing replies to an incoming document that the user may see (to complete it by one)."""
    return (
        outgoing_visible_to(user)
        .filter(reply_to_id=incoming_id, status=Status.ISSUED)
        .only("pk", "number_symbol")
        .order_by("issued_at", "pk")
    )


def review_requests_for(user: User, overseen: set[int] | None = None) -> QuerySet[ReviewRequest]:
    """Review requests addressed to the user, or to an organization where the user is a clerk or leader."""
    if not user.is_authenticated:
        return ReviewRequest.objects.none()
    overseen = orgs_with_roles(user, OVERSEER_ROLES) if overseen is None else overseen
    rule = Q(reviewer_id=user.pk)
    if overseen:
        rule |= Q(organization_id__in=overseen)
    return ReviewRequest.objects.filter(rule)


def awaiting_review(user: User) -> list[OutgoingDocument]:
    """Drafts in an open review round that asked this user (or their organization) and got no answer yet."""
    waiting = review_requests_for(user).filter(responded_at__isnull=True, round__closed=False)
    return list(
        outgoing_visible_to(user)
        .filter(
            pk__in=waiting.values("round__document_id"),
            status__in=[Status.DRAFT, Status.PENDING_APPROVAL],
        )
        .select_related("doc_type", "drafter", "drafting_unit")
        .order_by("created_at")
    )


def awaiting_approval_qs(user: User) -> QuerySet[OutgoingDocument]:
    """Documents whose current approval step is this user's (one query, whatever the roles)."""
    from orgs.models import Role

    step = ApprovalRouteStep.objects.filter(route_id=OuterRef("route_id"), position=OuterRef("current_step"))
    rule = Q(Exists(step.filter(person_id=user.pk)))
    headed = heads_units(user)
    if headed:
        rule |= Q(drafting_unit_id__in=headed) & Q(
            Exists(step.filter(person__isnull=True, role=Role.UNIT_HEAD))
        )
    for role in (Role.OFFICE_LEADER, Role.COMMITTEE_LEADER, Role.CLERK, Role.SPECIALIST):
        orgs = orgs_with_roles(user, {role})
        if orgs:
            rule |= Q(organization_id__in=orgs) & Q(Exists(step.filter(person__isnull=True, role=role)))
    return OutgoingDocument.objects.filter(
        rule, status=Status.PENDING_APPROVAL, secrecy__in=allowed_secrecy(user)
    )


def awaiting_approval(user: User) -> list[OutgoingDocument]:
    return list(
        awaiting_approval_qs(user)
        .select_related("doc_type", "drafter", "drafting_unit")
        .order_by("created_at")
    )


def current_step(doc: OutgoingDocument) -> ApprovalRouteStep | None:
    if doc.route_id is None:
        return None
    return ApprovalRouteStep.objects.filter(route_id=doc.route_id, position=doc.current_step).first()


def outgoing_get_for_user(user: User, pk: int, *, need: str = "view") -> OutgoingDocument:
    doc = (
        outgoing_visible_to(user)
        .select_related("doc_type", "organization", "drafter", "signer", "drafting_unit")
        .filter(pk=pk)
        .first()
    )
    if doc is None:
        raise NotFound("Không tìm thấy văn bản đi hoặc bạn không có quyền xem.")
    record_read(user, "outgoing", doc, need)
    return doc


def outgoing_list(
    user: User, *, status: str | None = None, q: str | None = None, mine: bool = False
) -> QuerySet[OutgoingDocument]:
    from core.vn import fold

    qs = outgoing_visible_to(user).select_related("doc_type")
    if status:
        qs = qs.filter(status=status)
    if mine:
        qs = qs.filter(drafter_id=user.pk)
    if q:
        for word in fold(q).split():
            qs = qs.filter(search_text__contains=word)
    return qs.order_by("-created_at", "-id")


def to_issue(user: User) -> QuerySet[OutgoingDocument]:
    from orgs.models import Role

    return (
        outgoing_visible_to(user)
        .filter(status=Status.APPROVED, organization_id__in=orgs_with_roles(user, {Role.CLERK}))
        .order_by("created_at")
    )


def attachments(doc: OutgoingDocument) -> QuerySet[Any]:
    return Attachment.objects.filter(owner_kind="outgoing", owner_id=doc.pk).select_related("stored")
