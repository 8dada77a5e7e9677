from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core import audit
from core.admin_audit import AuditedAdmin
from core.errors import ApplicationError
from orgs.models import Delegation, Organization, Position, RoleAssignment, Unit, User
from orgs.services import organization_merge


class MergeForm(forms.Form):
    target = forms.ModelChoiceField(
        label="Hợp nhất vào cơ quan",
        queryset=Organization.objects.filter(merged_into__isnull=True, is_active=True),
    )


@admin.register(Organization)
class OrganizationAdmin(AuditedAdmin):
    list_display = (
        "name",
        "abbreviation",
        "identifier",
        "kind",
        "profile",
        "parent",
        "is_active",
        "merged_into",
    )
    list_filter = ("kind", "profile", "is_active", "uses_system")
    search_fields = ("name", "abbreviation", "identifier")
    autocomplete_fields = ("parent",)
    readonly_fields = ("merged_into", "merged_at")
    actions = ["merge"]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "abbreviation",
                    "identifier",
                    "kind",
                    "profile",
                    "parent",
                    "is_active",
                    "uses_system",
                )
            },
        ),
        ("Liên hệ", {"fields": ("address", "email", "phone")}),
        (
            "Tiêu đề và thể thức văn bản",
            {
                "fields": ("heading_parent", "heading_name", "place_name", "head_title", "collective_name"),
                "description": "Dùng khi soạn văn bản theo mẫu: dòng tiêu đề, địa danh, chức danh người "
                "đứng đầu và tập thể lãnh đạo (ký thay mặt).",
            },
        ),
        ("Hợp nhất", {"fields": ("merged_into", "merged_at")}),
    )

    @admin.action(description="Hợp nhất các cơ quan đã chọn vào một cơ quan khác")
    def merge(self, request: HttpRequest, queryset: QuerySet[Organization]) -> HttpResponse | None:
        if "apply" in request.POST:
            form = MergeForm(request.POST)
            if form.is_valid():
                target = form.cleaned_data["target"]
                for source in queryset:
                    try:
                        organization_merge(actor=request.user, source=source, target=target)  # type: ignore[arg-type]
                    except ApplicationError as exc:
                        self.message_user(request, f"{source}: {exc.message}", messages.ERROR)
                    else:
                        self.message_user(request, f"Đã hợp nhất {source} vào {target}.", messages.SUCCESS)
                return None
        else:
            form = MergeForm()
        return render(
            request,
            "admin/orgs/merge.html",
            {"form": form, "orgs": queryset, "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME},
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    list_display = ("name", "abbreviation", "organization", "parent", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "abbreviation", "organization__name")
    autocomplete_fields = ("organization", "parent")


@admin.register(Position)
class PositionAdmin(AuditedAdmin):
    list_display = ("name", "organization", "rank")
    search_fields = ("name", "organization__name")
    autocomplete_fields = ("organization",)


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 1
    autocomplete_fields = ("organization",)


@admin.register(User)
class PersonAdmin(AuditedAdmin, UserAdmin):
    list_display = ("username", "full_name", "organization", "unit", "position", "clearance", "is_active")
    list_filter = ("is_active", "clearance", "role_assignments__role")
    search_fields = ("username", "full_name", "email")
    autocomplete_fields = ("organization", "unit", "position")
    inlines = [RoleInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            "Thông tin cán bộ",
            {"fields": ("full_name", "email", "phone", "organization", "unit", "position", "clearance")},
        ),
        ("Quyền hệ thống", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Thời gian", {"fields": ("last_login", "date_joined")}),
    )

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        """The password page: a successful change is audited (never the password itself)."""
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                user = self.get_object(request, id)
                audit.record(actor=request.user, action="admin.password_change", target=user, data={})
        return response

    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "full_name",
                    "organization",
                    "unit",
                    "position",
                    "password1",
                    "password2",
                ),
            },
        ),
    )


@admin.register(Delegation)
class DelegationAdmin(AuditedAdmin):
    list_display = ("grantor", "grantee", "kind", "start_date", "end_date", "revoked")
    list_filter = ("kind", "revoked")
    autocomplete_fields = ("grantor", "grantee")
