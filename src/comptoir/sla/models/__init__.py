from .automations import (
    ActionKind,
    AutomationAction,
    AutomationRule,
    AutomationRun,
    Clock,
    DelayUnit,
    NoticeTemplate,
    Recipients,
    RunOn,
    Since,
    Trigger,
)
from .background import PeriodicRun, TaskFailure
from .calendars import BusinessCalendar, ClosedDay, ClosedDays, OpeningHours, Weekday
from .policies import ClockState, SlaPolicy, SlaSettings, SlaTarget, TicketSla

__all__ = [
    "ActionKind",
    "AutomationAction",
    "AutomationRule",
    "AutomationRun",
    "BusinessCalendar",
    "Clock",
    "ClockState",
    "ClosedDay",
    "ClosedDays",
    "DelayUnit",
    "NoticeTemplate",
    "OpeningHours",
    "PeriodicRun",
    "Recipients",
    "RunOn",
    "Since",
    "SlaPolicy",
    "SlaSettings",
    "SlaTarget",
    "TaskFailure",
    "TicketSla",
    "Trigger",
    "Weekday",
]
