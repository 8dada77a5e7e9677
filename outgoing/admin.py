from django.contrib import admin

from core.admin_audit import AuditedAdmin
from outgoing.models import ApprovalRoute, ApprovalRouteStep, CommitteeTerm


class StepInline(admin.TabularInline):
    model = ApprovalRouteStep
    extra = 1
    autocomplete_fields = ("person",)


@admin.register(ApprovalRoute)
class ApprovalRouteAdmin(AuditedAdmin):
    list_display = ("organization", "doc_type")
    autocomplete_fields = ("organization",)
    inlines = [StepInline]


@admin.register(CommitteeTerm)
class CommitteeTermAdmin(AuditedAdmin):
    list_display = ("organization", "name", "start_date", "end_date")
    autocomplete_fields = ("organization",)
