from typing import Any

from django import forms
from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

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


class StatusForm(forms.ModelForm):
    class Meta:
        model = Status
        fields = [
            "slug",
            "category",
            "colour",
            "label_en",
            "label_fr",
            "label_es",
            "order",
            "active",
            "visible_to_customer",
            "is_default",
            "when_assigned",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        original = self.instance if self.instance.pk else None
        leaving = (
            original is not None
            and original.active
            and (not data.get("active") or data.get("category") != original.category)
        )
        if leaving:
            others = Status.objects.filter(category=original.category, active=True).exclude(
                pk=original.pk
            )
            if not others.exists():
                # The services move tickets into every category; one must stay usable.
                raise forms.ValidationError(
                    _(
                        "“%(status)s” is the last active status of its category; add another "
                        "one before deactivating or moving it."
                    )
                    % {"status": original.label}
                )
        return data


@admin.register(Status)
class StatusAdmin(admin.ModelAdmin):
    form = StatusForm
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

    @transaction.atomic
    def save_model(self, request: HttpRequest, obj: Status, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if obj.is_default:
            Status.objects.filter(category=obj.category, is_default=True).exclude(pk=obj.pk).update(
                is_default=False
            )
        if change and "category" in form.changed_data:
            # Tickets keep their category next to the status for fast lists.
            Ticket.objects.filter(status=obj).update(category=obj.category)


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
