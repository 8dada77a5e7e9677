from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from core.vn import fold, sort_key
from orgs.models import Organization, Unit, User

router = Router(tags=["Tổ chức, cán bộ"])


def _matches(text: str, q: str) -> bool:
    return all(word in fold(text) for word in fold(q).split())


@router.get("/organizations")
def organizations(request: HttpRequest, q: str = "", include_merged: bool = False) -> list[dict[str, Any]]:
    qs = Organization.objects.all()
    if not include_merged:
        qs = qs.filter(merged_into__isnull=True)
    rows = [o for o in qs if not q or _matches(f"{o.name} {o.abbreviation} {o.identifier or ''}", q)]
    rows.sort(key=lambda o: sort_key(o.name))
    return [
        {
            "id": o.pk,
            "name": o.name,
            "abbreviation": o.abbreviation,
            "identifier": o.identifier,
            "parent_id": o.parent_id,
            "kind": o.kind,
            "profile": o.profile,
            "merged_into_id": o.merged_into_id,
        }
        for o in rows
    ]


@router.get("/units")
def units(request: HttpRequest, organization_id: int | None = None) -> list[dict[str, Any]]:
    qs = Unit.objects.filter(is_active=True).select_related("organization")
    if organization_id:
        qs = qs.filter(organization_id=organization_id)
    rows = sorted(qs, key=lambda u: sort_key(u.name))
    return [
        {
            "id": u.pk,
            "name": u.name,
            "abbreviation": u.abbreviation,
            "organization_id": u.organization_id,
            "parent_id": u.parent_id,
        }
        for u in rows
    ]


@router.get("/people")
def people(
    request: HttpRequest, q: str = "", organization_id: int | None = None, unit_id: int | None = None
) -> list[dict[str, Any]]:
    qs = User.objects.filter(is_active=True).select_related("organization", "unit", "position")
    if organization_id:
        qs = qs.filter(organization_id=organization_id)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    rows = [u for u in qs if not q or _matches(f"{u.full_name} {u.username}", q)]
    rows.sort(key=lambda u: sort_key(u.full_name.split()[-1] if u.full_name else u.username))
    return [
        {
            "id": u.pk,
            "username": u.username,
            "full_name": u.display_name,
            "organization_id": u.organization_id,
            "unit_id": u.unit_id,
            "position": str(u.position) if u.position else None,
        }
        for u in rows[:200]
    ]
