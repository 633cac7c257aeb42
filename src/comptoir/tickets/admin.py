from django.contrib import admin

from .models import (
    Attachment,
    CustomField,
    HelpdeskSettings,
    Message,
    Priority,
    Product,
    Status,
    Theme,
    Ticket,
    TicketEvent,
    TicketType,
)

LABELS = ["label_en", "label_fr", "label_es"]


@admin.register(Status)
class StatusAdmin(admin.ModelAdmin):
    list_display = [
        "slug",
        *LABELS,
        "category",
        "colour",
        "order",
        "is_default",
        "when_assigned",
        "visible_to_customer",
        "active",
    ]
    list_editable = ["order", "colour", "active"]
    list_filter = ["category"]


@admin.register(TicketType)
class TicketTypeAdmin(admin.ModelAdmin):
    list_display = ["slug", *LABELS, "order", "active"]
    list_editable = ["order", "active"]


@admin.register(Priority)
class PriorityAdmin(admin.ModelAdmin):
    list_display = ["slug", *LABELS, "colour", "order", "is_default", "active"]
    list_editable = ["order", "active"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "active"]
    search_fields = ["name"]


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "active"]
    search_fields = ["name"]
    filter_horizontal = ["products"]


@admin.register(CustomField)
class CustomFieldAdmin(admin.ModelAdmin):
    list_display = [
        "key",
        *LABELS,
        "field_type",
        "required",
        "visible_to_customer",
        "order",
        "active",
    ]
    list_editable = ["order", "active"]
    filter_horizontal = ["ticket_types"]


class MessageInline(admin.StackedInline):
    model = Message
    extra = 0
    fields = ["author", "internal", "channel", "created_at", "body_text"]
    readonly_fields = fields
    can_delete = False


class EventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    fields = ["created_at", "actor", "kind", "field", "old_value", "new_value"]
    readonly_fields = fields
    can_delete = False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-mostly: changes go through the services (the desk), which log events."""

    list_display = [
        "number",
        "subject",
        "requester",
        "organisation",
        "status",
        "priority",
        "assignee",
        "updated_at",
    ]
    list_select_related = ["requester", "organisation", "status", "priority", "assignee"]
    list_filter = ["category", "status", "type", "priority", "channel"]
    search_fields = ["=number", "subject", "requester__email"]
    readonly_fields = [f.name for f in Ticket._meta.fields] + ["products", "themes"]
    inlines = [MessageInline, EventInline]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["filename", "content_type", "size", "ticket", "created_at"]
    readonly_fields = [
        "key",
        "ticket",
        "message",
        "uploaded_by",
        "file",
        "filename",
        "content_type",
        "size",
        "sha256",
        "inline",
        "created_at",
    ]


@admin.register(HelpdeskSettings)
class HelpdeskSettingsAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return not HelpdeskSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
