"""Who may make copies and who may decide them (pure rules; the services apply them).

NĐ 30 §25–27 and §32.2.c–d: the head of the organisation (or a leader they charge with it) decides the
copying; the clerk (văn thư), who holds the organisation's key, makes the electronic copy and signs it.
"""

from __future__ import annotations

from incoming.permissions import cleared_for, is_clerk_of, is_leader_of
from orgs.models import Secrecy, User


def may_copy(user: User, organization_id: int) -> bool:
    """Make a copy in the name of the organisation: its clerks."""
    return user.is_authenticated and user.is_active and is_clerk_of(user, organization_id)


def may_decide(user: User, organization_id: int) -> bool:
    """Be recorded as "người quyết định sao": a leader of the organisation (committee or office leaders,
    delegations included)."""
    return user.is_active and is_leader_of(user, organization_id)


def copyable_secrecy(secrecy: str) -> bool:
    """Copying state-secret material follows the secrecy law (NĐ 30 §27.2), not this system."""
    return secrecy == Secrecy.NONE


def may_copy_source(user: User, organization_id: int, secrecy: str) -> bool:
    return copyable_secrecy(secrecy) and cleared_for(user, secrecy) and may_copy(user, organization_id)
