from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core.admin_audit import AuditedAdmin, ReadOnlyAdmin
from core.models import AuditEvent, Holiday


@admin.register(Holiday)
class HolidayAdmin(AuditedAdmin):
    list_display = ("date", "name")
    date_hierarchy = "date"


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the log can be searched, never changed."""

    list_display = ("seq", "at", "actor_name", "action", "target_type", "target_id", "ip")
    readonly_fields = (
        "seq",
        "at",
        "actor_name",
        "action",
        "target_type",
        "target_id",
        "organization_id",
        "ip",
        "prev_hash",
        "hash",
    )

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """Details may quote restricted documents (notes, subjects): shown only with top-secret clearance."""
        fields: list[str] = list(self.readonly_fields)
        if getattr(request.user, "clearance", "none") == "top_secret":
            fields.append("data")
        return fields

    list_filter = ("action",)
    search_fields = ("actor_name", "action", "target_id")
