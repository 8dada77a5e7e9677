"""Who holds which role where, with delegation and acting taken into account."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone

from orgs.models import Delegation, Organization, Role, RoleAssignment, User


def today() -> date:
    return timezone.localdate()


def lineage_ids(organization_id: int) -> set[int]:
    """The organization and every organization merged into it (recursively): its history is ours."""
    ids = {organization_id}
    frontier = {organization_id}
    while frontier:
        found = set(Organization.objects.filter(merged_into_id__in=frontier).values_list("id", flat=True))
        frontier = found - ids
        ids |= found
    return ids


def effective_roles(user: User, on: date | None = None) -> set[tuple[str, int]]:
    """(role, organization id) pairs the user holds on ``on``, own ones and those delegated to them."""
    if not user.is_authenticated:
        return set()
    cache_key = f"_roles_{on or 'today'}"
    cached = getattr(user, cache_key, None)
    if cached is not None:
        return set(cached)
    on = on or today()
    grantors = list(
        Delegation.objects.filter(
            grantee=user, revoked=False, start_date__lte=on, end_date__gte=on
        ).values_list("grantor_id", flat=True)
    )
    pairs = set(
        RoleAssignment.objects.filter(Q(user=user) | Q(user_id__in=grantors)).values_list(
            "role", "organization_id"
        )
    )
    setattr(user, cache_key, frozenset(pairs))
    return pairs


def has_role(user: User, role: str, organization_id: int | None = None, on: date | None = None) -> bool:
    return any(
        r == role and (organization_id is None or o == organization_id) for r, o in effective_roles(user, on)
    )


def roles_in(user: User, organization_id: int) -> set[str]:
    return {r for r, o in effective_roles(user) if o == organization_id}


def people_with_role(role: str, organization_id: int) -> QuerySet[User]:
    return User.objects.filter(
        role_assignments__role=role, role_assignments__organization_id=organization_id, is_active=True
    ).distinct()


def unit_heads(unit_id: int) -> QuerySet[User]:
    return User.objects.filter(
        unit_id=unit_id, role_assignments__role=Role.UNIT_HEAD, is_active=True
    ).distinct()


def is_admin(user: User) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or has_role(user, Role.ADMIN)))
