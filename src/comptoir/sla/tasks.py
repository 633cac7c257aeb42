"""Background work of SLAs and automations: periodic sweeps and the mails they send.

The periodic jobs are registered with the scheduler (``manage.py crontask``) by
``periodic`` and run once per period whatever the number of schedulers and
workers (see ``scheduling``). Tasks take ids, call services, and are safe to run
twice.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from comptoir.accounts.models import User
from comptoir.tickets.models import HelpdeskSettings, Ticket

from .automations import apply_event_rules, run_time_rules
from .models import AutomationAction, PeriodicRun, Recipients, TicketSla
from .retries import recover_abandoned
from .scheduling import claim_period, periodic, record_outcome
from .services import sla_check_due

# SLA rows checked per transaction: a batch costs three statements whatever its size.
SLA_CHECK_BATCH = 5_000


class SweepIncompleteError(RuntimeError):
    """Some tickets could not be handled; the task fails so that it is retried."""


@periodic("* * * * *")
@task()
def check_sla_thresholds(*, period: str = "") -> dict[str, Any]:
    """Flag SLA thresholds (80 %, due) crossed since the last check and tell agents.

    Set-based: only rows whose indexed ``next_check_at`` has come are read, a
    batch at a time, each batch flagged in one UPDATE with its notifications
    enqueued as a few batch tasks."""
    with claim_period("check_sla_thresholds", period) as claimed:
        if not claimed:
            return {"skipped": True}
        now = timezone.now()
        notified = 0
        last: int | None = 0
        while last is not None:
            last, found = sla_check_due(now=now, limit=SLA_CHECK_BATCH, after=last)
            notified += len(found)
        outcome = {"notified": notified}
        record_outcome("check_sla_thresholds", period, outcome)
        return outcome


@periodic("*/5 * * * *")
@task()
def run_automations(*, period: str = "") -> dict[str, Any]:
    """Apply the time-based automation rules to the tickets they match now."""
    with claim_period("run_automations", period) as claimed:
        if not claimed:
            return {"skipped": True}
        report = run_time_rules()
        record_outcome("run_automations", period, report.as_dict())
        if report.failed:
            raise SweepIncompleteError(f"{len(report.failed)} ticket(s) failed: {report.failed}")
        return report.as_dict()


@periodic("*/10 * * * *")
@task()
def recover_abandoned_tasks(*, period: str = "") -> int:
    """Retry tasks whose worker died while running them."""
    with claim_period("recover_abandoned_tasks", period) as claimed:
        return recover_abandoned() if claimed else 0


PERIODIC_RUN_LIFETIME = timedelta(days=30)


@periodic("23 4 * * *")
@task()
def prune_periodic_runs(*, period: str = "") -> int:
    """Forget old period claims; they only matter while their period could repeat."""
    with claim_period("prune_periodic_runs", period) as claimed:
        if not claimed:
            return 0
        cutoff = timezone.now() - PERIODIC_RUN_LIFETIME
        deleted, _ = PeriodicRun.objects.filter(started_at__lt=cutoff).delete()
        return deleted


@task()
def run_event_rules(*, ticket_id: int, trigger: str, occurrence: str) -> list[str]:
    return apply_event_rules(ticket_id=ticket_id, trigger=trigger, occurrence=occurrence)


def _ticket_url(ticket: Ticket) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(
        "portal:ticket", kwargs={"number": ticket.number}
    )


def _send(person: User, ticket: Ticket, template: str, context: dict[str, Any]) -> int:
    with translation.override(person.language or ticket.language or settings.LANGUAGE_CODE):
        context = {**context, "ticket": ticket, "recipient": person, "url": _ticket_url(ticket)}
        subject = render_to_string(f"sla/email/{template}_subject.txt", context)
        body = render_to_string(f"sla/email/{template}_body.txt", context)
    return send_mail(" ".join(subject.split()), body, None, [person.email])


def _agents_for(ticket: Ticket) -> list[User]:
    people: list[User] = []
    if ticket.assignee is not None:
        people.append(ticket.assignee)
    if ticket.group is not None:
        people.extend(ticket.group.agents.filter(is_active=True))
    unique = {p.pk: p for p in people if p.is_active and p.email}
    return list(unique.values())


_THRESHOLD_RELATED = ("ticket__assignee", "ticket__group", "ticket__priority")


@task()
def notify_sla_threshold(*, ticket_id: int, clock: str, level: str) -> int:
    """Tell the assignee and the group's agents that a target is at risk or breached."""
    sla = TicketSla.objects.select_related(*_THRESHOLD_RELATED).filter(pk=ticket_id).first()
    if sla is None:
        return 0
    return _notify_threshold(sla, clock, level)


@task()
def notify_sla_thresholds(*, items: list[list[Any]]) -> int:
    """``notify_sla_threshold`` for a batch of (ticket id, clock, level)."""
    slas = TicketSla.objects.select_related(*_THRESHOLD_RELATED)
    by_pk = {sla.pk: sla for sla in slas.filter(pk__in={item[0] for item in items})}
    sent = 0
    for ticket_id, clock, level in items:
        sla = by_pk.get(ticket_id)
        if sla is not None:
            sent += _notify_threshold(sla, clock, level)
    return sent


def _notify_threshold(sla: TicketSla, clock: str, level: str) -> int:
    ticket = sla.ticket
    due = sla.response_due_at if clock == "response" else sla.resolution_due_at
    sent = 0
    for person in _agents_for(ticket):
        context = {"clock": clock, "level": level, "due": due}
        with timezone.override(person.time_zone or settings.TIME_ZONE):
            sent += _send(person, ticket, "sla", context)
    return sent


def _notice_recipients(action: AutomationAction, ticket: Ticket) -> list[User]:
    if action.recipients == Recipients.REQUESTER:
        people = [ticket.requester]
    elif action.recipients == Recipients.ASSIGNEE:
        people = [ticket.assignee] if ticket.assignee else []
    else:
        people = list(ticket.group.agents.all()) if ticket.group else []
    return [p for p in people if p.is_active and p.email]


@task()
def send_automation_notice(*, ticket_id: int, action_id: int) -> int:
    """The email of an automation's "send an email" action, in each reader's language."""
    ticket = (
        Ticket.objects.select_related("requester", "assignee", "group", "status")
        .filter(pk=ticket_id)
        .first()
    )
    action = AutomationAction.objects.filter(pk=action_id).select_related("rule").first()
    if ticket is None or action is None:
        return 0
    return _send_notice(action, ticket, HelpdeskSettings.load().closed_reply_policy)


@task()
def send_automation_notices(*, ticket_ids: list[int], action_id: int) -> int:
    """``send_automation_notice`` for a batch of tickets (a sweep's chunk)."""
    action = AutomationAction.objects.filter(pk=action_id).select_related("rule").first()
    if action is None:
        return 0
    policy = HelpdeskSettings.load().closed_reply_policy
    tickets = Ticket.objects.select_related("requester", "assignee", "group", "status")
    sent = 0
    for ticket in tickets.filter(pk__in=ticket_ids).order_by("pk"):
        sent += _send_notice(action, ticket, policy)
    return sent


def _send_notice(action: AutomationAction, ticket: Ticket, policy: str) -> int:
    sent = 0
    for person in _notice_recipients(action, ticket):
        with translation.override(person.language or ticket.language or settings.LANGUAGE_CODE):
            context = {
                "action": action,
                "template": action.template,
                "message": action.message,
                "closed_reply_policy": policy,
            }
            sent += _send(person, ticket, "automation", context)
    return sent
