"""Automation rules at work: time sweeps and event rules.

Every action goes through ``tickets.services`` so events and notifications happen
as when a person acts. The actor is the *automation account*: an inactive agent
account (it cannot log in) that appears as the author of the changes in the
ticket's history. The mail app then tells the requester as it does for a
person's change (its "resolved" mail says how to reopen).

Sweeps select the matching tickets with indexed filters only, then handle them
set-based, a chunk of tickets per transaction: lock the chunk's rows and check
again that they still match, claim their (rule, ticket, occurrence) rows in one
``INSERT ... ON CONFLICT DO NOTHING RETURNING`` (the unique constraint makes the
rule act once), then apply each action to the claimed tickets with the bulk
services of ``tickets.services`` (a status change uses the chunk's locks as
they are and costs one insert of events and one UPDATE per chunk; the
consequences of each change are enqueued as a few batch tasks written in one
statement). A
rule with an action that has no bulk form (an internal note) is applied ticket
by ticket, each in its own transaction, as is a chunk that failed, so that one
bad ticket does not hold back the others. A sweep killed half-way leaves each
chunk either done or untouched; running it again finishes the rest.
"""

from __future__ import annotations

import calendar as pycalendar
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.html import escape

from comptoir.accounts.models import Role, User
from comptoir.tickets import services as ticket_services
from comptoir.tickets.models import Message, Ticket

from .calendar import Schedule, subtract_business_time
from .models import (
    ActionKind,
    AutomationAction,
    AutomationRule,
    AutomationRun,
    BusinessCalendar,
    Clock,
    DelayUnit,
    RunOn,
    Since,
    Trigger,
)
from .services import db_column

logger = logging.getLogger(__name__)

SYSTEM_EMAIL = "automation@comptoir.invalid"
# Candidate ids read per query (one query finds a whole sweep's tickets at 1 %
# of a million), and tickets handled per transaction: a chunk costs about six
# statements whatever its size, and holds its tickets' locks for well under a
# second, so 1 % of a million tickets is two or three transactions.
BATCH_SIZE = 20_000
SWEEP_CHUNK = 5_000
# Actions that have a set-based form.
BULK_ACTIONS = frozenset(
    {
        ActionKind.SET_STATUS,
        ActionKind.SET_PRIORITY,
        ActionKind.SET_TYPE,
        ActionKind.SET_GROUP,
        ActionKind.ASSIGN,
        ActionKind.NOTIFY,
    }
)

_SINCE_FIELD = {
    Since.STATUS: "sla__category_since",
    Since.CREATED: "created_at",
    Since.UPDATED: "updated_at",
    Since.CUSTOMER_REPLY: "sla__last_customer_reply_at",
    Since.AGENT_REPLY: "sla__last_agent_reply_at",
}


def automation_user() -> User:
    """The account automations act as: an agent that cannot log in."""
    # Compared in lower case, as the unique index on emails is: one index probe
    # (``iexact`` compares in upper case and reads every user).
    user = User.objects.filter(Exact(Lower("email"), SYSTEM_EMAIL)).first()
    if user is None:
        user = User.objects.create_user(
            SYSTEM_EMAIL, None, role=Role.AGENT, first_name="Automation", is_active=False
        )
    return user


# -- conditions -----------------------------------------------------------------------


def _condition_filter(rule: AutomationRule) -> Q:
    """The rule's ticket conditions as one filter (M2M conditions read once)."""
    q = Q()
    if rule.category:
        q &= Q(category=rule.category)
    for name, column in (
        ("ticket_types", "type_id"),
        ("priorities", "priority_id"),
        ("organisations", "organisation_id"),
    ):
        ids = [row.pk for row in getattr(rule, name).all()]
        if ids:
            q &= Q(**{f"{column}__in": ids})
    return q


def _schedule_for(rule: AutomationRule) -> Schedule | None:
    if rule.clock == Clock.CALENDAR:
        return None
    calendar = rule.calendar or BusinessCalendar.objects.filter(is_default=True).first()
    if calendar is None:
        return None
    schedule = calendar.schedule()
    return schedule.whole_days() if rule.delay_unit == DelayUnit.DAYS else schedule


def rule_cutoff(rule: AutomationRule, now: datetime) -> datetime:
    """Tickets whose event happened at or before this instant have waited long enough."""
    return subtract_business_time(_schedule_for(rule), now, rule.delay)


def is_last_day_of_month(rule: AutomationRule, now: datetime) -> bool:
    schedule = _schedule_for(rule)
    local = timezone.localtime(now, schedule.tz if schedule else None)
    return local.day == pycalendar.monthrange(local.year, local.month)[1]


def _matching_tickets(rule: AutomationRule, now: datetime) -> QuerySet[Ticket]:
    """Tickets whose conditions and waiting time the rule's occurrence matches now."""
    since = _SINCE_FIELD[Since(rule.since)]
    tickets = Ticket.objects.filter(
        _condition_filter(rule), **{f"{since}__lte": rule_cutoff(rule, now)}
    )
    if rule.since == Since.STATUS:
        # The instant belongs to the category recorded beside it.
        tickets = tickets.filter(sla__category=F("category"))
    return tickets


def _not_done(rule: AutomationRule, tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    since = _SINCE_FIELD[Since(rule.since)]
    done = AutomationRun.objects.filter(rule=rule, ticket=OuterRef("pk"), since_at=OuterRef(since))
    return tickets.exclude(Exists(done))


def time_rule_tickets(rule: AutomationRule, now: datetime) -> QuerySet[Ticket]:
    """Tickets the rule should act on now, not yet acted on for this occurrence."""
    return _not_done(rule, _matching_tickets(rule, now))


# -- actions ----------------------------------------------------------------------------


def _apply_action(action: AutomationAction, ticket: Ticket, system: User) -> Ticket:
    from .tasks import send_automation_notice

    kind = action.kind
    if kind == ActionKind.SET_STATUS and action.status is not None:
        return ticket_services.ticket_change_status(
            ticket=ticket, actor=system, status=action.status
        )
    if kind == ActionKind.SET_PRIORITY:
        return ticket_services.ticket_update_fields(
            ticket=ticket, actor=system, priority=action.priority
        )
    if kind == ActionKind.SET_TYPE:
        return ticket_services.ticket_update_fields(
            ticket=ticket, actor=system, type=action.ticket_type
        )
    if kind == ActionKind.SET_GROUP:
        return ticket_services.ticket_update_fields(ticket=ticket, actor=system, group=action.group)
    if kind == ActionKind.ASSIGN:
        return ticket_services.ticket_assign(ticket=ticket, actor=system, assignee=action.assignee)
    if kind == ActionKind.ADD_NOTE:
        note = "".join(f"<p>{escape(line)}</p>" for line in action.note.splitlines() if line)
        result = ticket_services.ticket_reply(
            ticket=ticket, author=system, body_html=note, internal=True
        )
        return result.ticket
    if kind == ActionKind.NOTIFY:
        # Enqueued in this transaction: sent only if the change commits.
        send_automation_notice.enqueue(ticket_id=ticket.pk, action_id=action.pk)
    return ticket


def _apply_actions(rule: AutomationRule, ticket: Ticket) -> None:
    system = automation_user()
    for action in rule.actions.all():
        ticket = _apply_action(action, ticket, system)


def _claim(
    rule: AutomationRule, ticket_id: int, occurrence: str, since_at: datetime | None
) -> bool:
    try:
        with transaction.atomic():
            AutomationRun.objects.create(
                rule=rule,
                ticket_id=ticket_id,
                occurrence=occurrence,
                since_at=since_at,
                ran_at=timezone.now(),
            )
    except IntegrityError:
        return False
    return True


def apply_time_rule(rule: AutomationRule, ticket_id: int, now: datetime) -> bool:
    """Act on one ticket in its own transaction if it still matches; True if it did."""
    since = _SINCE_FIELD[Since(rule.since)]
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().filter(pk=ticket_id).first()
        if ticket is None:
            return False
        row = time_rule_tickets(rule, now).filter(pk=ticket_id).values(since).first()
        if row is None:
            return False
        since_at = row[since]
        if not _claim(rule, ticket_id, f"time:{since_at.isoformat()}", since_at):
            return False
        _apply_actions(rule, ticket)
    return True


def _claim_many(rule: AutomationRule, rows: list[tuple[int, datetime]]) -> list[int]:
    """Claim (rule, ticket, occurrence) for each (ticket id, since) row in one
    statement; the ids whose claim this call made, in increasing order."""
    if not rows:
        return []
    meta = AutomationRun._meta
    qn = connection.ops.quote_name
    adapt = connection.ops.adapt_datetimefield_value
    columns = ", ".join(
        qn(db_column(AutomationRun, name))
        for name in ("rule", "ticket", "occurrence", "since_at", "ran_at")
    )
    ran_at = timezone.now()
    occurrences = [f"time:{since_at.isoformat()}" for _pk, since_at in rows]
    returning = f"ON CONFLICT DO NOTHING RETURNING {qn(db_column(AutomationRun, 'ticket'))}"
    if connection.vendor == "postgresql":
        # Three arrays: the statement's text and parameters stay small whatever the rows.
        sql = (
            f"INSERT INTO {qn(meta.db_table)} ({columns}) "
            "SELECT %s, t, o, s, %s FROM UNNEST(%s::bigint[], %s::varchar[], "
            f"%s::timestamptz[]) AS u(t, o, s) {returning}"
        )
        params: list[Any] = [
            rule.pk,
            ran_at,
            [pk for pk, _since in rows],
            occurrences,
            [since_at for _pk, since_at in rows],
        ]
    else:
        params = []
        for (ticket_id, since_at), occurrence in zip(rows, occurrences, strict=True):
            params += [rule.pk, ticket_id, occurrence, adapt(since_at), adapt(ran_at)]
        values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
        sql = f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES {values} {returning}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(row[0] for row in cursor.fetchall())


# Tickets per task for the mails of a "send an email" action.
NOTICE_BATCH = 100


@dataclass(frozen=True, slots=True)
class _TicketId:
    """A ticket known by its id only, for the bulk services (which read ``pk``)."""

    pk: int


def _apply_actions_bulk(rule: AutomationRule, ids: list[int], system: User) -> None:
    """The rule's actions, in order, on the tickets ``ids`` through the bulk
    services; the caller holds the rows' locks in this transaction."""
    from .tasks import send_automation_notices

    tickets = [_TicketId(pk) for pk in ids]
    for action in rule.actions.all():
        kind = action.kind
        if kind == ActionKind.SET_STATUS and action.status is not None:
            ticket_services.tickets_bulk_change_status(
                tickets=tickets, actor=system, status=action.status, locked=True
            )
        elif kind == ActionKind.SET_PRIORITY:
            ticket_services.tickets_bulk_update_fields(
                tickets=tickets, actor=system, priority=action.priority
            )
        elif kind == ActionKind.SET_TYPE:
            ticket_services.tickets_bulk_update_fields(
                tickets=tickets, actor=system, type=action.ticket_type
            )
        elif kind == ActionKind.SET_GROUP:
            ticket_services.tickets_bulk_update_fields(
                tickets=tickets, actor=system, group=action.group
            )
        elif kind == ActionKind.ASSIGN:
            ticket_services.tickets_bulk_assign(
                tickets=tickets, actor=system, assignee=action.assignee
            )
        elif kind == ActionKind.NOTIFY:
            # Enqueued in this transaction: sent only if the change commits.
            ticket_services.enqueue_many(
                send_automation_notices,
                [
                    {"ticket_ids": ids[start : start + NOTICE_BATCH], "action_id": action.pk}
                    for start in range(0, len(ids), NOTICE_BATCH)
                ],
            )


def is_bulk_rule(rule: AutomationRule) -> bool:
    """Whether every action of the rule has a set-based form."""
    return all(action.kind in BULK_ACTIONS for action in rule.actions.all())


def apply_time_rule_bulk(
    rule: AutomationRule,
    ticket_ids: list[int],
    now: datetime,
    *,
    system: User | None = None,
    matching: QuerySet[Ticket] | None = None,
) -> list[int]:
    """Act on the tickets of ``ticket_ids`` that still match, in one transaction:
    lock their rows, claim them for this occurrence, apply the actions. Returns
    the ids acted on (a ticket claimed by an earlier run is left alone: the claim
    itself tells, so the locking read does not look the claims up)."""
    since = _SINCE_FIELD[Since(rule.since)]
    if matching is None:
        matching = _matching_tickets(rule, now)
    with transaction.atomic():
        rows = list(
            matching.filter(ticket_services.ids_condition(ticket_ids))
            .select_for_update(of=("self",))
            .order_by("pk")
            .values_list("pk", since)
        )
        claimed = _claim_many(rule, rows)
        if claimed:
            _apply_actions_bulk(rule, claimed, system or automation_user())
    return claimed


@dataclass
class SweepReport:
    changed: dict[str, int] = field(default_factory=dict)
    failed: list[tuple[str, int, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"changed": self.changed, "failed": len(self.failed)}


def _rule_batches(
    rule: AutomationRule,
    now: datetime,
    size: int,
    candidates: QuerySet[Ticket] | None = None,
) -> Iterable[list[int]]:
    """Ids of matching tickets, ``size`` at a time, by increasing id (keyset)."""
    if candidates is None:
        candidates = time_rule_tickets(rule, now)
    last = 0
    while True:
        ids = list(
            candidates.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:size]
        )
        if ids:
            yield ids
        if len(ids) < size:
            return
        last = ids[-1]


def _one_by_one(
    rule: AutomationRule, ticket_ids: list[int], now: datetime, report: SweepReport
) -> int:
    count = 0
    for ticket_id in ticket_ids:
        try:
            count += apply_time_rule(rule, ticket_id, now)
        except Exception as error:
            logger.exception("Automation %s failed on ticket %s", rule.pk, ticket_id)
            report.failed.append((rule.name, ticket_id, repr(error)))
    return count


def run_time_rules(
    *,
    now: datetime | None = None,
    batch_size: int | None = None,
    chunk_size: int | None = None,
) -> SweepReport:
    """Apply every active time rule to the tickets it matches at ``now``.

    Tickets are handled a chunk at a time (``apply_time_rule_bulk``). A chunk
    that fails is handled again ticket by ticket; a ticket that fails then is
    logged and skipped so the others go on; the caller raises afterwards so the
    task is retried and the failure stays visible."""
    now = now or timezone.now()
    batch_size = batch_size or BATCH_SIZE
    chunk_size = chunk_size or SWEEP_CHUNK
    report = SweepReport()
    system: User | None = None
    rules = (
        AutomationRule.objects.filter(active=True, trigger=Trigger.TIME)
        .select_related("calendar")
        .prefetch_related("ticket_types", "priorities", "organisations", "actions__status")
    )
    for rule in rules:
        if rule.run_on == RunOn.LAST_DAY_OF_MONTH and not is_last_day_of_month(rule, now):
            continue
        matching = _matching_tickets(rule, now)
        candidates = _not_done(rule, matching)
        bulk = is_bulk_rule(rule)
        count = 0
        for ids in _rule_batches(rule, now, batch_size, candidates):
            for start in range(0, len(ids), chunk_size):
                chunk = ids[start : start + chunk_size]
                if not bulk:
                    count += _one_by_one(rule, chunk, now, report)
                    continue
                if system is None:
                    system = automation_user()
                try:
                    done = apply_time_rule_bulk(rule, chunk, now, system=system, matching=matching)
                except Exception:
                    logger.exception(
                        "Automation %s failed on %s tickets; trying them one by one",
                        rule.pk,
                        len(chunk),
                    )
                    count += _one_by_one(rule, chunk, now, report)
                else:
                    count += len(done)
        report.changed[rule.name] = count
    return report


# -- event rules --------------------------------------------------------------------------

_EVENT_TRIGGERS = {"created": Trigger.TICKET_CREATED}


def _trigger_for(event: str, message: Message | None) -> str | None:
    if event in _EVENT_TRIGGERS:
        return _EVENT_TRIGGERS[event]
    if event == "reply" and message is not None and not message.internal:
        return Trigger.AGENT_REPLIED if message.author.is_agent else Trigger.CUSTOMER_REPLIED
    return None


def automation_event_happened(*, ticket: Ticket, event: str, message: Message | None) -> None:
    """Enqueue the event rules for this event, in the caller's transaction."""
    trigger = _trigger_for(event, message)
    if trigger is None:
        return
    from comptoir.tickets.services import config_cached

    triggers = config_cached(
        "sla:event-triggers",
        lambda: set(AutomationRule.objects.filter(active=True).values_list("trigger", flat=True)),
    )
    if trigger not in triggers:
        return
    from .tasks import run_event_rules

    occurrence = f"{event}:{message.pk}" if message is not None else event
    run_event_rules.enqueue(ticket_id=ticket.pk, trigger=trigger, occurrence=occurrence)


def apply_event_rules(*, ticket_id: int, trigger: str, occurrence: str) -> list[str]:
    """Apply, in order, each active rule of ``trigger`` whose conditions the ticket
    meets at that moment; each rule once per occurrence. Returns the rules applied."""
    applied: list[str] = []
    rules = AutomationRule.objects.filter(active=True, trigger=trigger).prefetch_related(
        "ticket_types", "priorities", "organisations", "actions__status"
    )
    for rule in rules:
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().filter(pk=ticket_id).first()
            if ticket is None:
                return applied
            if not Ticket.objects.filter(_condition_filter(rule), pk=ticket_id).exists():
                continue
            if not _claim(rule, ticket_id, occurrence[:64], None):
                continue
            _apply_actions(rule, ticket)
            applied.append(rule.name)
    return applied
