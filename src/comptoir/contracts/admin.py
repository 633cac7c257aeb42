"""Contracts with their allowance revisions; time entries listed with filters
(read-only: entries change through the desk, which writes the audit trail)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import services
from .balance import contract_balance
from .durations import format_minutes
from .models import Allowance, Contract, TimeEntry


class AllowanceInline(admin.TabularInline):
    model = Allowance
    extra = 1
    fields = ("effective_month", "minutes", "created_by", "created_at")
    readonly_fields = ("created_by", "created_at")
    verbose_name = _("allowance from a month on")
    verbose_name_plural = _(
        "monthly allowance (in minutes: 60 = 1 h); add a row to revise it from a month on"
    )


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ("organisation", "name", "start", "end", "low_threshold", "sla_policy")
    list_filter = ("end", "sla_policy")
    search_fields = ("organisation__name", "name")
    autocomplete_fields = ("organisation",)
    filter_horizontal = ("account_agents",)
    readonly_fields = ("balance_today",)
    inlines = [AllowanceInline]
    fieldsets = (
        (None, {"fields": ("organisation", "name", "start", "end", "balance_today")}),
        (_("Carry-over"), {"fields": ("carry_over_cap", "carry_over_months")}),
        (_("Alerts"), {"fields": ("low_threshold", "account_agents")}),
        (_("Tickets of the organisation"), {"fields": ("sla_policy", "default_priority")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Contract]:
        return super().get_queryset(request).select_related("organisation", "sla_policy")

    @admin.display(description=_("balance today"))
    def balance_today(self, obj: Contract) -> str:
        return format_minutes(contract_balance(obj)) if obj.pk else "—"

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not Allowance:
            super().save_formset(request, form, formset, change)
            return
        # Revisions go through the service: history row, balance alerts.
        formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for inline in formset.forms:
            data = getattr(inline, "cleaned_data", None)
            if not data or data.get("DELETE") or not inline.has_changed():
                continue
            if inline.instance.pk and "effective_month" in inline.changed_data:
                Allowance.objects.filter(pk=inline.instance.pk).delete()
            services.contract_revise_allowance(
                contract=form.instance,
                month=data["effective_month"],
                minutes=data["minutes"],
                actor=request.user,  # type: ignore[arg-type]
            )


@admin.register(TimeEntry)
class TimeEntryAdmin(admin.ModelAdmin):
    list_display = ("date", "ticket", "organisation", "agent", "duration", "billable", "note")
    list_filter = ("billable", "date", "contract__organisation", "agent")
    search_fields = ("ticket__number", "ticket__subject", "note")
    date_hierarchy = "date"
    list_select_related = ("ticket", "agent", "contract__organisation")

    @admin.display(description=_("organisation"), ordering="contract__organisation__name")
    def organisation(self, obj: TimeEntry) -> str:
        return obj.contract.organisation.name if obj.contract else "—"

    @admin.display(description=_("time"), ordering="minutes")
    def duration(self, obj: TimeEntry) -> str:
        return format_minutes(obj.minutes)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
