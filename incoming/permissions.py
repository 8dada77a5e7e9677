"""Who may see and act on an incoming document. Pure rules; selectors and services apply them."""

from __future__ import annotations

from collections.abc import Set as AbstractSet

from orgs.models import SECRECY_RANK, Role, Secrecy, User
from orgs.selectors import effective_roles, headed_unit_ids, lineage_ids

OVERSEER_ROLES: frozenset[str] = frozenset({Role.CLERK, Role.OFFICE_LEADER, Role.COMMITTEE_LEADER})
LEADER_ROLES: frozenset[str] = frozenset({Role.OFFICE_LEADER, Role.COMMITTEE_LEADER})


def allowed_secrecy(user: User) -> list[str]:
    rank = SECRECY_RANK[Secrecy(user.clearance)]
    return [level for level, r in SECRECY_RANK.items() if r <= rank]


def cleared_for(user: User, secrecy: str) -> bool:
    return SECRECY_RANK[Secrecy(secrecy)] <= SECRECY_RANK[Secrecy(user.clearance)]


def orgs_with_roles(user: User, roles: AbstractSet[str]) -> set[int]:
    """Organizations (with everything merged into them) where the user holds one of ``roles``.

    The lineages are memoised on the user object, like ``effective_roles``: a request asks for them
    several times (queues, visibility, actions) and the answer cannot change within it."""
    memo: dict[int, set[int]] | None = getattr(user, "_lineages", None)
    if memo is None:
        memo = {}
        if user.is_authenticated:
            user._lineages = memo  # type: ignore[attr-defined]
    ids: set[int] = set()
    for role, org_id in effective_roles(user):
        if role in roles:
            if org_id not in memo:
                memo[org_id] = lineage_ids(org_id)
            ids |= memo[org_id]
    return ids


def is_clerk_of(user: User, organization_id: int) -> bool:
    return organization_id in orgs_with_roles(user, {Role.CLERK})


def is_leader_of(user: User, organization_id: int) -> bool:
    return organization_id in orgs_with_roles(user, LEADER_ROLES)


def heads_units(user: User) -> set[int]:
    """Units the user heads today (own unit, or a delegating unit head's unit)."""
    return headed_unit_ids(user)
