"""Administration: the copies are read-only (made only by ``copy_create``, numbered and signed)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from copies.models import Copy, CopyRecipient


class CopyRecipientInline(admin.TabularInline):
    model = CopyRecipient
    extra = 0
    readonly_fields = ("organization", "name", "incoming")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Copy)
class CopyAdmin(admin.ModelAdmin):
    list_display = ("number_symbol", "form", "organization", "year", "source_number_symbol", "created_at")
    list_filter = ("form", "year")
    search_fields = ("number_symbol", "source_number_symbol", "subject")
    readonly_fields = [f.name for f in Copy._meta.fields]
    inlines = [CopyRecipientInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
