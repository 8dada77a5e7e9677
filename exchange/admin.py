from django.contrib import admin

from exchange.models import DirectoryEntry, Identity, InboxMessage, Node, OutboxMessage


@admin.register(Node)
class NodeAdmin(admin.ModelAdmin):
    list_display = ("name", "endpoint", "is_hub", "last_ok_at", "consecutive_failures")


@admin.register(DirectoryEntry)
class DirectoryEntryAdmin(admin.ModelAdmin):
    list_display = ("organization", "node", "active", "source", "updated_at")
    list_filter = ("active", "source", "node")
    search_fields = ("organization__name", "organization__identifier")


@admin.register(Identity)
class IdentityAdmin(admin.ModelAdmin):
    list_display = ("organization", "fingerprint", "not_after")
    readonly_fields = ("organization", "fingerprint", "not_after", "certificate_pem")

    def has_add_permission(self, request: object) -> bool:  # imported with manage.py exchange_identity
        return False


@admin.register(OutboxMessage)
class OutboxAdmin(admin.ModelAdmin):
    list_display = ("message_id", "kind", "status_code", "to_identifier", "document_id", "state", "attempts")
    list_filter = ("state", "kind")
    search_fields = ("document_id", "to_identifier")
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]


@admin.register(InboxMessage)
class InboxAdmin(admin.ModelAdmin):
    list_display = ("message_id", "kind", "status_code", "from_identifier", "document_id", "state")
    list_filter = ("state", "kind")
    search_fields = ("document_id", "from_identifier")
    readonly_fields = [f.name for f in InboxMessage._meta.fields]
