"""Who may see and act on an outgoing document. Pure rules; selectors and services apply them."""

from __future__ import annotations

from incoming.permissions import cleared_for, heads_units, is_clerk_of, is_leader_of, orgs_with_roles
from orgs.models import Role, User
from outgoing.models import ApprovalRouteStep, OutgoingDocument

DRAFTING_ROLES = frozenset(
    {Role.SPECIALIST, Role.UNIT_HEAD, Role.OFFICE_LEADER, Role.COMMITTEE_LEADER, Role.CLERK}
)


def may_draft(user: User, organization_id: int) -> bool:
    """Start a draft of the organization: any working role there (not an account without a role)."""
    return organization_id in orgs_with_roles(user, DRAFTING_ROLES)


def may_approve_step(user: User, doc: OutgoingDocument, step: ApprovalRouteStep) -> bool:
    """The step names a person, or a role: the drafting unit's head, or a leader of the organization."""
    if not cleared_for(user, doc.secrecy):
        return False
    if step.person_id:
        return step.person_id == user.pk
    if step.role == Role.UNIT_HEAD:
        return doc.drafting_unit_id is not None and doc.drafting_unit_id in heads_units(user)
    return doc.organization_id in orgs_with_roles(user, {step.role})


def may_issue(user: User, doc: OutgoingDocument) -> bool:
    return is_clerk_of(user, doc.organization_id) and cleared_for(user, doc.secrecy)


def may_recall(user: User, doc: OutgoingDocument) -> bool:
    """Recall an issued document: the organization's clerks and leaders, cleared for its secrecy."""
    return cleared_for(user, doc.secrecy) and (
        is_clerk_of(user, doc.organization_id) or is_leader_of(user, doc.organization_id)
    )


def may_change_after_issue(user: User, doc: OutgoingDocument) -> bool:
    """Start a replacement or a correction: the drafter of the original, the organization's clerks and
    leaders (as for a recall), cleared for its secrecy."""
    return may_recall(user, doc) or (doc.drafter_id == user.pk and cleared_for(user, doc.secrecy))
