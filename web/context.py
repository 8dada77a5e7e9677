from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from notifications.services import unread_count
from orgs.models import Role
from orgs.selectors import effective_roles, is_admin


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = {role for role, _ in effective_roles(user)}
    admin = is_admin(user)
    return {
        "nav_roles": roles,
        "nav_is_clerk": Role.CLERK in roles,
        "nav_is_leader": bool(roles & {Role.OFFICE_LEADER, Role.COMMITTEE_LEADER, Role.CLERK}),
        "nav_is_admin": admin,
        # "Liên thông đến": the clerks' arrivals (every organisation's for the administrators)
        "nav_exchange": admin or Role.CLERK in roles,
        "nav_unread": unread_count(user),
    }
