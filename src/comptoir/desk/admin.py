"""Configuration of the desk in the Django admin: routing, assignment, macros."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import DeskAgentProfile, DeskGroupSettings, Macro, RoutingRule


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("order", "name", "active", "channel", "group", "priority")
    list_display_links = ("name",)
    list_editable = ("order", "active")
    list_filter = ("active", "group", "channel")
    filter_horizontal = ("products", "themes", "ticket_types", "organisations")
    fieldsets = (
        (None, {"fields": ("name", "order", "active")}),
        (
            _("Conditions"),
            {"fields": ("products", "themes", "ticket_types", "organisations", "channel")},
        ),
        (_("Then"), {"fields": ("group", "priority")}),
    )


@admin.register(DeskGroupSettings)
class DeskGroupSettingsAdmin(admin.ModelAdmin):
    list_display = ("group", "assignment", "max_open_per_agent", "last_assigned")
    list_editable = ("assignment", "max_open_per_agent")
    readonly_fields = ("last_assigned",)


@admin.register(DeskAgentProfile)
class DeskAgentProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "away", "max_open_tickets")
    list_editable = ("away", "max_open_tickets")
    autocomplete_fields = ("user",)


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "as_note", "set_status", "set_type", "set_priority", "active")
    list_filter = ("active", "as_note")
    search_fields = ("name", "body_html")
    autocomplete_fields = ("owner",)
