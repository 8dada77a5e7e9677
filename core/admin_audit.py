"""Every change made in the administration screens goes to the audit chain too."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest

from core import audit


def _values(obj: Model, fields: list[str]) -> dict[str, str]:
    return {name: str(getattr(obj, name, "")) for name in fields if hasattr(obj, name)}


class AuditedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose saves, deletions and inline changes are recorded in the same transaction."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        changed = [name for name in form.changed_data if name not in {"password"}]
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit.record(
                actor=request.user,
                action=f"admin.{'change' if change else 'add'}",
                target=obj,
                data={
                    "fields": changed,
                    "values": _values(obj, changed),
                    "password_changed": "password" in form.changed_data,
                },
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            audit.record(actor=request.user, action="admin.delete", target=obj, data={"repr": str(obj)})
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        with transaction.atomic():
            for obj in queryset:
                audit.record(actor=request.user, action="admin.delete", target=obj, data={"repr": str(obj)})
            super().delete_queryset(request, queryset)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_formset(request, form, formset, change)
            for obj in formset.new_objects:
                audit.record(actor=request.user, action="admin.add", target=obj, data={"repr": str(obj)})
            for obj, fields in formset.changed_objects:
                audit.record(
                    actor=request.user,
                    action="admin.change",
                    target=obj,
                    data={"fields": fields, "values": _values(obj, fields)},
                )
            for obj in formset.deleted_objects:
                audit.record(
                    actor=request.user,
                    action="admin.delete",
                    target_type=obj._meta.label_lower,
                    target_id=str(obj.pk or ""),
                    data={"repr": str(obj)},
                )


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record that the administration may search and read, never add, change or delete (the audit log,
    the signatures made)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
