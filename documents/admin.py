from django.contrib import admin

from core.admin_audit import AuditedAdmin
from documents.models import DocType, Register


@admin.register(DocType)
class DocTypeAdmin(AuditedAdmin):
    list_display = ("name", "code", "abbreviation", "profile", "is_active")
    list_filter = ("profile", "is_active")
    search_fields = ("name", "code")


@admin.register(Register)
class RegisterAdmin(AuditedAdmin):
    list_display = ("name", "organization", "kind", "period", "for_secret", "is_active")
    list_filter = ("kind", "period", "for_secret", "is_active")
    autocomplete_fields = ("organization",)
