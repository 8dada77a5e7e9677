"""Who may use the intake: the clerks (văn thư) of an organisation, for that organisation."""

from __future__ import annotations

from incoming.permissions import orgs_with_roles
from orgs.models import Role, User


def intake_orgs(user: User) -> set[int]:
    if not user.is_authenticated:
        return set()
    return orgs_with_roles(user, {Role.CLERK})


def may_use_intake(user: User) -> bool:
    return user.organization_id is not None and user.organization_id in intake_orgs(user)
