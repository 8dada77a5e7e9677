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


def _grantor_ids(user: User, on: date) -> list[int]:
    return list(
        Delegation.objects.filter(
            grantee=user, revoked=False, start_date__lte=on, end_date__gte=on
        ).values_list("grantor_id", flat=True)
    )


def _grantee_ids(grantor_ids: list[int], on: date) -> list[int]:
    return list(
        Delegation.objects.filter(
            grantor_id__in=grantor_ids, revoked=False, start_date__lte=on, end_date__gte=on
        ).values_list("grantee_id", flat=True)
    )


def effective_roles(user: User, on: date | None = None) -> set[tuple[str, int]]:
    """(role, organization id) pairs the user holds on ``on``, own ones and those delegated to them."""
    if not user.is_authenticated:
        return set()
    cache_key = f"_roles_{on or 'today'}"
    cached = getattr(user, cache_key, None)
    if cached is not None:
        return set(cached)
    on = on or today()
    grantors = _grantor_ids(user, on)
    pairs = set(
        RoleAssignment.objects.filter(Q(user=user) | Q(user_id__in=grantors)).values_list(
            "role", "organization_id"
        )
    )
    setattr(user, cache_key, frozenset(pairs))
    return pairs


def current_organization_id(organization_id: int) -> int:
    """Follow ``merged_into`` to the organization that carries on this one's work today."""
    seen = {organization_id}
    current = organization_id
    while True:
        successor = Organization.objects.filter(pk=current).values_list("merged_into_id", flat=True).first()
        if successor is None or successor in seen:
            return current
        seen.add(successor)
        current = successor


def working_lineage_ids(organization_id: int) -> set[int]:
    """Where a document of ``organization_id`` is handled now: its successor after merges and everything
    merged into that successor (units, people and leaders of all of them)."""
    return lineage_ids(current_organization_id(organization_id))


def headed_unit_ids(user: User, on: date | None = None) -> set[int]:
    """Units the user heads on ``on``: their own unit when they hold the unit-head role there, and the
    unit of every unit head who delegated to them (the grantee acts for the grantor's unit)."""
    if not user.is_authenticated:
        return set()
    cache_key = f"_units_{on or 'today'}"
    cached = getattr(user, cache_key, None)
    if cached is not None:
        return set(cached)
    on = on or today()
    people = [user.pk, *_grantor_ids(user, on)]
    units: set[int] = set()
    rows = RoleAssignment.objects.filter(user_id__in=people, role=Role.UNIT_HEAD, user__unit__isnull=False)
    for unit_id, unit_org, role_org in rows.values_list(
        "user__unit_id", "user__unit__organization_id", "organization_id"
    ):
        if unit_org in lineage_ids(role_org):
            units.add(unit_id)
    setattr(user, cache_key, frozenset(units))
    return units


def has_role(user: User, role: str, organization_id: int | None = None, on: date | None = None) -> bool:
    return any(
        r == role and (organization_id is None or o == organization_id) for r, o in effective_roles(user, on)
    )


def roles_in(user: User, organization_id: int) -> set[str]:
    return {r for r, o in effective_roles(user) if o == organization_id}


def unit_heads(unit_id: int, on: date | None = None) -> QuerySet[User]:
    """Who heads the unit on ``on``: its unit heads and the people they delegated to."""
    heads = list(
        User.objects.filter(unit_id=unit_id, role_assignments__role=Role.UNIT_HEAD, is_active=True)
        .distinct()
        .values_list("pk", flat=True)
    )
    grantees = _grantee_ids(heads, on or today())
    return User.objects.filter(pk__in=[*heads, *grantees], is_active=True)


def people_with_roles(roles: set[str], organization_ids: set[int], on: date | None = None) -> QuerySet[User]:
    """Holders of ``roles`` in the organizations, and the people they delegated to."""
    holders = list(
        RoleAssignment.objects.filter(role__in=roles, organization_id__in=organization_ids).values_list(
            "user_id", flat=True
        )
    )
    grantees = _grantee_ids(holders, on or today())
    return User.objects.filter(pk__in=[*holders, *grantees], is_active=True)


def is_admin(user: User) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or has_role(user, Role.ADMIN)))
