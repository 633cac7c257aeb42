"""Admin pages of the email channel: mailboxes with their polling state, every
mail in and out with its fate, and the mail history on each ticket."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from comptoir.tickets.admin import TicketAdmin
from comptoir.tickets.models import Ticket

from .models import (
    AddressState,
    DeliveryState,
    InboundMail,
    Mailbox,
    MailSettings,
    NotificationPreference,
    OutboundMail,
)


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = [
        "address",
        "active",
        "is_default",
        "imap_host",
        "last_polled_at",
        "failures",
        "last_error",
        "next_poll_at",
    ]
    readonly_fields = [
        "uid_validity",
        "last_polled_at",
        "next_poll_at",
        "failures",
        "last_error",
    ]
    actions = ["poll_now"]

    @admin.action(description=_("Poll now"))
    def poll_now(self, request: HttpRequest, queryset: Any) -> None:
        from .imap import mailbox_poll

        for mailbox in queryset:
            result = mailbox_poll(mailbox=mailbox)
            if result.error:
                self.message_user(request, f"{mailbox}: {result.error}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(box)s: %(count)s mails taken in.")
                    % {"box": mailbox, "count": len(result.results)},
                )


@admin.register(MailSettings)
class MailSettingsAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return not MailSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", *NotificationPreference.CUSTOMER_FIELDS]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]


@admin.register(AddressState)
class AddressStateAdmin(admin.ModelAdmin):
    list_display = ["address", "bouncing", "bounced_at", "reason"]
    list_filter = ["bouncing"]
    search_fields = ["address"]


def _original_link(obj: InboundMail) -> str:
    if not obj.pk:
        return ""
    url = reverse("mail:inbound_raw", kwargs={"pk": obj.pk})
    return format_html('<a href="{}">{}</a>', url, _("Show original"))


@admin.register(InboundMail)
class InboundMailAdmin(admin.ModelAdmin):
    list_display = ["received_at", "mailbox", "from_address", "subject", "outcome", "ticket"]
    list_filter = ["outcome", "mailbox", "auto_submitted"]
    search_fields = ["from_address", "subject", "message_id", "=ticket__number"]
    list_select_related = ["mailbox", "ticket"]
    readonly_fields = [f.name for f in InboundMail._meta.fields] + ["original"]
    actions = ["reprocess"]

    @admin.display(description=_("original"))
    def original(self, obj: InboundMail) -> str:
        return _original_link(obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Process again (failed or pending mail)"))
    def reprocess(self, request: HttpRequest, queryset: Any) -> None:
        from .ingest import mail_reprocess

        for inbound in queryset:
            mail_reprocess(inbound=inbound)


@admin.register(OutboundMail)
class OutboundMailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "ticket", "kind", "to_address", "subject", "state", "attempts"]
    list_filter = ["state", "kind"]
    search_fields = ["to_address", "subject", "message_id", "=ticket__number"]
    list_select_related = ["ticket"]
    readonly_fields = [f.name for f in OutboundMail._meta.fields]
    actions = ["send_now"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Send now"))
    def send_now(self, request: HttpRequest, queryset: Any) -> None:
        from .sending import mail_send

        for outbound in queryset.exclude(state=DeliveryState.SENT):
            if outbound.state == DeliveryState.FAILED:
                OutboundMail.objects.filter(pk=outbound.pk).update(state=DeliveryState.RETRYING)
            mail_send(outbound=outbound)


class InboundInline(admin.TabularInline):
    model = InboundMail
    fk_name = "ticket"
    extra = 0
    fields = ["received_at", "from_address", "subject", "outcome", "reason", "original"]
    readonly_fields = ["received_at", "from_address", "subject", "outcome", "reason", "original"]
    can_delete = False
    verbose_name_plural = _("incoming mail")

    @admin.display(description=_("original"))
    def original(self, obj: InboundMail) -> str:
        return _original_link(obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OutboundInline(admin.TabularInline):
    model = OutboundMail
    extra = 0
    fields = ["created_at", "kind", "to_address", "subject", "state", "attempts", "last_error"]
    readonly_fields = ["created_at", "kind", "to_address", "subject", "state", "attempts"]
    readonly_fields += ["last_error"]
    can_delete = False
    verbose_name_plural = _("outgoing mail")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TicketWithMailAdmin(TicketAdmin):
    """The ticket page with its mail history (until the agent desk shows it)."""

    inlines = [*TicketAdmin.inlines, InboundInline, OutboundInline]


admin.site.unregister(Ticket)
admin.site.register(Ticket, TicketWithMailAdmin)
