from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.exceptions import NotRegistered
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import (
    AutomationAction,
    AutomationRule,
    AutomationRun,
    BusinessCalendar,
    ClosedDay,
    OpeningHours,
    PeriodicRun,
    SlaPolicy,
    SlaSettings,
    SlaTarget,
    TaskFailure,
    TicketSla,
)
from .retries import retry_now


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


class ClosedDayInline(admin.TabularInline):
    model = ClosedDay
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone", "holiday_country", "holiday_subdivision", "is_default"]
    inlines = [OpeningHoursInline, ClosedDayInline]


class SlaTargetInline(admin.TabularInline):
    model = SlaTarget
    extra = 0
    fields = ["priority", "ticket_type", "response_minutes", "resolution_minutes"]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "order", "calendar", "active"]
    list_editable = ["order", "active"]
    filter_horizontal = ["priorities", "ticket_types", "organisations"]
    inlines = [SlaTargetInline]


@admin.register(TicketSla)
class TicketSlaAdmin(admin.ModelAdmin):
    """Read-only: the clocks move with the ticket's life, through the services."""

    list_display = [
        "ticket",
        "policy",
        "response_due_at",
        "responded_at",
        "response_breached",
        "resolution_state",
        "resolution_due_at",
        "resolution_breached",
        "paused_total",
    ]
    list_select_related = ["ticket", "policy"]
    list_filter = ["response_breached", "resolution_breached", "resolution_state", "policy"]
    search_fields = ["=ticket__number", "ticket__subject"]
    ordering = ["resolution_due_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in TicketSla._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AutomationActionInline(admin.StackedInline):
    model = AutomationAction
    extra = 0
    fields = [
        ("order", "kind"),
        "status",
        ("priority", "ticket_type", "group", "assignee"),
        "note",
        ("recipients", "template"),
        "message_en",
        "message_fr",
        "message_es",
    ]


@admin.register(AutomationRule)
class AutomationRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "trigger", "category", "delay_amount", "delay_unit", "run_on", "active"]
    list_editable = ["active"]
    list_filter = ["trigger", "active"]
    filter_horizontal = ["ticket_types", "priorities", "organisations"]
    fieldsets = [
        (None, {"fields": ["name", "active", "order", "trigger"]}),
        (
            _("Conditions"),
            {"fields": ["category", "ticket_types", "priorities", "organisations"]},
        ),
        (
            _("Time rules"),
            {
                "fields": [
                    ("delay_amount", "delay_unit", "clock"),
                    "since",
                    "calendar",
                    "run_on",
                ]
            },
        ),
    ]
    inlines = [AutomationActionInline]


@admin.register(AutomationRun)
class AutomationRunAdmin(admin.ModelAdmin):
    list_display = ["ran_at", "rule", "ticket", "occurrence"]
    list_select_related = ["rule", "ticket"]
    list_filter = ["rule"]
    search_fields = ["=ticket__number"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


_FAILURE_FIELDS = (
    "task_path",
    "args_kwargs",
    "attempt",
    "exception",
    "failed_at",
    "retry_at",
    "retry_result_id",
    "gave_up",
    "result_id",
    "first_result_id",
    "traceback",
)


@admin.register(TaskFailure)
class TaskFailureAdmin(admin.ModelAdmin):
    """Failed background tasks: retried automatically, then kept here when they give up."""

    list_display = ["failed_at", "task_name", "attempt", "exception", "retry_at", "gave_up"]
    list_filter = ["gave_up", "task_path"]
    actions = ["retry_selected"]
    fields = readonly_fields = _FAILURE_FIELDS

    @admin.display(description=_("task"))
    def task_name(self, obj: TaskFailure) -> str:
        return obj.task_path.rsplit(".", 1)[-1]

    @admin.action(description=_("Retry the selected tasks now"))
    def retry_selected(self, request: HttpRequest, queryset: QuerySet[TaskFailure]) -> None:
        count = 0
        for failure in queryset.filter(gave_up=True):
            retry_now(failure)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d task enqueued again.", "%(count)d tasks enqueued again.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PeriodicRun)
class PeriodicRunAdmin(admin.ModelAdmin):
    list_display = ["started_at", "job", "period", "finished_at", "outcome"]
    list_filter = ["job"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SlaSettings)
class SlaSettingsAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return not SlaSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TicketSlaInline(admin.StackedInline):
    """The SLA due dates on the ticket's admin page."""

    model = TicketSla
    can_delete = False
    extra = 0
    fields = [
        ("policy", "response_target", "resolution_target"),
        ("response_due_at", "responded_at", "response_breached"),
        ("resolution_state", "resolution_due_at", "resolution_breached"),
        ("paused_total", "category_since"),
    ]
    readonly_fields = [f for row in fields for f in row]
    verbose_name = _("SLA")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _show_sla_on_ticket_admin() -> None:
    from comptoir.tickets.models import Ticket

    try:
        ticket_admin = admin.site.get_model_admin(Ticket)
    except NotRegistered:
        return
    if TicketSlaInline not in ticket_admin.inlines:
        type(ticket_admin).inlines = [*ticket_admin.inlines, TicketSlaInline]


_show_sla_on_ticket_admin()
