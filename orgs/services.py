"""Writes on organizations and people, each audited in the same transaction."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core import audit
from core.errors import InvalidInput, WrongState
from orgs.models import Organization, RoleAssignment, Unit, User


@transaction.atomic
def organization_merge(*, actor: User | None, source: Organization, target: Organization) -> Organization:
    """Merge ``source`` into ``target`` (e.g. two communes into one).

    Documents, registers and history stay attributed to ``source`` (who really received or issued
    them) and become reachable through ``target``: every permission check follows ``merged_into``.
    Units, people, role assignments and child organizations move to ``target``.
    """
    source = Organization.objects.select_for_update().get(pk=source.pk)
    target = Organization.objects.select_for_update().get(pk=target.pk)
    if source.pk == target.pk:
        raise InvalidInput("Không thể hợp nhất một cơ quan vào chính nó.")
    if source.merged_into_id is not None:
        raise WrongState("Cơ quan này đã được hợp nhất trước đó.")
    if not target.is_active:
        raise WrongState("Cơ quan nhận hợp nhất không còn hoạt động.")
    if source.pk in {a.pk for a in target.ancestors()}:
        raise InvalidInput("Không thể hợp nhất cơ quan cấp trên vào cơ quan cấp dưới của nó.")
    moved_units = Unit.objects.filter(organization=source).update(organization=target)
    moved_people = User.objects.filter(organization=source).update(organization=target)
    moved_children = Organization.objects.filter(parent=source).update(parent=target)
    for assignment in RoleAssignment.objects.filter(organization=source):
        exists = RoleAssignment.objects.filter(
            user_id=assignment.user_id, role=assignment.role, organization=target
        ).exists()
        if exists:
            assignment.delete()
        else:
            assignment.organization = target
            assignment.save(update_fields=["organization"])
    source.merged_into = target
    source.merged_at = timezone.now()
    source.is_active = False
    source.save(update_fields=["merged_into", "merged_at", "is_active"])
    audit.record(
        actor=actor,
        action="organization.merge",
        target=source,
        organization_id=target.pk,
        data={"into": target.pk, "units": moved_units, "people": moved_people, "children": moved_children},
    )
    return target
