"""Reads of SLA state for agents' and customers' pages (the desk uses these)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from comptoir.tickets.models import ACTIVE_CATEGORIES, Category, Ticket

from .calendar import business_time_between
from .models import ClockState, SlaPolicy, SlaSettings, SlaTarget, TicketSla
from .services import AT_RISK_RATIO, sla_schedule


class Level:
    NONE = "none"  # no target
    OK = "ok"
    AT_RISK = "at_risk"  # 80 % of the target used
    BREACHED = "breached"
    MET = "met"
    PAUSED = "paused"  # waiting on the customer
    WAITING = "waiting"  # resolution clock not started yet


@dataclass(frozen=True)
class ClockView:
    target: timedelta | None
    due_at: datetime | None
    level: str
    remaining: timedelta | None  # business time left; negative when late


@dataclass(frozen=True)
class SlaView:
    policy: str
    response: ClockView
    resolution: ClockView
    paused_total: timedelta

    @property
    def level(self) -> str:
        """The most urgent level of the two clocks, for a list's colour."""
        levels = {self.response.level, self.resolution.level}
        for level in (Level.BREACHED, Level.AT_RISK, Level.OK):
            if level in levels:
                return level
        return Level.NONE


_NO_CLOCK = ClockView(None, None, Level.NONE, None)


def _clock(
    sla: TicketSla, target: timedelta | None, due: datetime | None, running: bool, now: datetime
) -> tuple[str, timedelta | None]:
    if due is None or target is None:
        return Level.NONE, None
    remaining = business_time_between(sla_schedule(sla), now, due)
    if not running:
        return Level.OK, remaining
    if remaining <= timedelta(0):
        return Level.BREACHED, remaining
    if remaining <= target * (1 - AT_RISK_RATIO):
        return Level.AT_RISK, remaining
    return Level.OK, remaining


def ticket_sla_state(ticket: Ticket, *, now: datetime | None = None) -> SlaView | None:
    """A ticket's SLA as agents see it: due instants, business time left, level.

    ``ticket.sla`` should be fetched with ``select_related("sla__policy__calendar")``
    so that a list pays no query per row."""
    try:
        sla = ticket.sla
    except TicketSla.DoesNotExist:
        return None
    now = now or timezone.now()
    if sla.responded_at is not None:
        level = Level.BREACHED if sla.response_breached else Level.MET
        response = ClockView(sla.response_target, sla.response_due_at, level, None)
    else:
        level, left = _clock(sla, sla.response_target, sla.response_due_at, True, now)
        response = ClockView(sla.response_target, sla.response_due_at, level, left)
    state = sla.resolution_state
    if sla.resolution_target is None:
        resolution = _NO_CLOCK
    elif state == ClockState.STOPPED:
        level = Level.BREACHED if sla.resolution_breached else Level.MET
        resolution = ClockView(sla.resolution_target, sla.resolution_due_at, level, None)
    elif state == ClockState.RUNNING:
        level, left = _clock(sla, sla.resolution_target, sla.resolution_due_at, True, now)
        resolution = ClockView(sla.resolution_target, sla.resolution_due_at, level, left)
    else:
        level = Level.PAUSED if state == ClockState.PAUSED else Level.WAITING
        left = sla.resolution_target - sla.resolution_elapsed
        if sla.resolution_breached:
            level = Level.BREACHED
        resolution = ClockView(sla.resolution_target, None, level, left)
    return SlaView(
        policy=sla.policy.name if sla.policy else "",
        response=response,
        resolution=resolution,
        paused_total=sla.paused_total,
    )


def breached_tickets(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Open tickets with a breached target (indexed flags)."""
    return tickets.filter(category__in=(*ACTIVE_CATEGORIES, Category.PENDING_CUSTOMER)).filter(
        Q(sla__response_breached=True, sla__responded_at__isnull=True)
        | Q(sla__resolution_breached=True)
    )


def at_risk_tickets(tickets: QuerySet[Ticket], *, now: datetime | None = None) -> QuerySet[Ticket]:
    """Open tickets past 80 % of a running target and not yet breached."""
    now = now or timezone.now()
    response = Q(
        sla__responded_at__isnull=True,
        sla__response_warn_at__lte=now,
        sla__response_due_at__gt=now,
    )
    resolution = Q(
        sla__resolution_state=ClockState.RUNNING,
        sla__resolution_warn_at__lte=now,
        sla__resolution_due_at__gt=now,
    )
    return tickets.filter(category__in=ACTIVE_CATEGORIES).filter(response | resolution)


@dataclass(frozen=True)
class Commitment:
    response: timedelta | None
    resolution: timedelta | None
    business_hours: bool


def customer_commitment(ticket: Ticket) -> Commitment | None:
    """What support commits to for this ticket's priority (seed 002's table), when
    the helpdesk shows it to customers; None otherwise."""
    if not SlaSettings.load().show_commitment_to_customers:
        return None
    sla = TicketSla.objects.select_related("policy").filter(pk=ticket.pk).first()
    if sla is None or sla.policy is None:
        return None
    if sla.response_target is None and sla.resolution_target is None:
        return None
    return Commitment(
        response=sla.response_target,
        resolution=sla.resolution_target,
        business_hours=sla.policy.calendar_id is not None,
    )


def commitment_table(policy: SlaPolicy) -> list[SlaTarget]:
    """A policy's targets in priority order, for a customer-facing table."""
    return list(policy.targets.select_related("priority", "ticket_type"))
