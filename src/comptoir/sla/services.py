"""SLA clocks: the one place that moves a ticket's ``TicketSla``.

``sla_ticket_changed`` is called by every function of ``tickets.services`` at its
end, inside its transaction, so the SLA state commits (or rolls back) with the
change that caused it. ``sla_check_ticket`` is called by the periodic check for
tickets whose ``next_check_at`` has come, and tells agents at 80 % and at breach,
once each.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Field, Model
from django.utils import timezone

from comptoir.accounts.models import User
from comptoir.tickets.models import DONE_CATEGORIES, Category, Message, Ticket

from .calendar import Schedule, add_business_time, business_time_between
from .models import ClockState, SlaPolicy, SlaTarget, TicketSla

# Agents are warned when this share of a target has been used.
AT_RISK_RATIO = 0.8


# -- policy and target ------------------------------------------------------------


def _matched_on(ticket: Ticket) -> str:
    return f"{ticket.priority_id}:{ticket.type_id}:{ticket.organisation_id}"


def _active_policies() -> list[SlaPolicy]:
    return list(
        SlaPolicy.objects.filter(active=True)
        .select_related("calendar")
        .prefetch_related("priorities", "ticket_types", "organisations", "targets")
    )


def _policy(policy_id: int) -> SlaPolicy | None:
    """The policy with its calendar: from the cached active policies, else
    (an inactive policy still holding older tickets) read."""
    from comptoir.tickets.services import config_cached

    for policy in config_cached("sla:policies", _active_policies):
        if policy.pk == policy_id:
            return policy
    return SlaPolicy.objects.select_related("calendar").filter(pk=policy_id).first()


def sla_policy_for(ticket: Ticket) -> SlaPolicy | None:
    """The active policy named by the contract of the ticket's organisation,
    else the first active policy, in order, whose conditions all match ``ticket``
    (the active policies are read once per process for a few seconds)."""
    from comptoir.contracts.queries import contract_sla_policy_id
    from comptoir.tickets.services import config_cached

    policies = config_cached("sla:policies", _active_policies)
    # The contract of the ticket's organisation may name its policy (if active).
    chosen = contract_sla_policy_id(ticket)
    for policy in policies:
        if policy.pk == chosen:
            return policy
    for policy in policies:
        checks = (
            (policy.priorities.all(), ticket.priority_id),
            (policy.ticket_types.all(), ticket.type_id),
            (policy.organisations.all(), ticket.organisation_id),
        )
        if all(not rows or value in {row.pk for row in rows} for rows, value in checks):
            return policy
    return None


def sla_target_for(policy: SlaPolicy, ticket: Ticket) -> SlaTarget | None:
    """The most specific target: priority and type, then priority, then type, then any."""
    best: tuple[int, SlaTarget] | None = None
    for target in policy.targets.all():
        if target.priority_id not in (None, ticket.priority_id):
            continue
        if target.ticket_type_id not in (None, ticket.type_id):
            continue
        rank = 2 * (target.priority_id is not None) + (target.ticket_type_id is not None)
        if best is None or rank > best[0]:
            best = (rank, target)
    return best[1] if best else None


def sla_schedule(sla: TicketSla) -> Schedule | None:
    """The business calendar the ticket's clocks run on (None: 24/7)."""
    policy = sla.policy
    if policy is None or policy.calendar is None:
        return None
    return policy.calendar.schedule()


# -- clocks -----------------------------------------------------------------------------


def _desired_resolution_state(sla: TicketSla, category: str) -> str:
    if category in DONE_CATEGORIES:
        return ClockState.STOPPED
    if sla.responded_at is None:
        return ClockState.IDLE
    if category == Category.PENDING_CUSTOMER:
        return ClockState.PAUSED
    return ClockState.RUNNING


def _move_resolution_clock(sla: TicketSla, category: str, at: datetime, sched: Any) -> None:
    old, new = sla.resolution_state, _desired_resolution_state(sla, category)
    if old == new:
        return
    if old == ClockState.RUNNING and sla.resolution_running_since is not None:
        sla.resolution_elapsed += max(
            business_time_between(sched, sla.resolution_running_since, at), timedelta(0)
        )
        sla.resolution_running_since = None
    if old == ClockState.PAUSED and sla.paused_since is not None:
        sla.paused_total += max(business_time_between(sched, sla.paused_since, at), timedelta(0))
        sla.paused_since = None
    if new == ClockState.RUNNING:
        sla.resolution_running_since = at
    elif new == ClockState.PAUSED:
        sla.paused_since = at
    if new == ClockState.STOPPED:
        sla.resolution_met_at = at
        target = sla.resolution_target
        if target is not None and sla.resolution_elapsed > target:
            sla.resolution_breached = True
    else:
        sla.resolution_met_at = None
    sla.resolution_state = new


def _schedule_thresholds(sla: TicketSla, created_at: datetime, sched: Any) -> None:
    """Due and 80 % instants of both clocks, and the next instant to check."""
    if sla.responded_at is None and sla.response_target is not None:
        sla.response_due_at = add_business_time(sched, created_at, sla.response_target)
        sla.response_warn_at = add_business_time(
            sched, created_at, sla.response_target * AT_RISK_RATIO
        )
    elif sla.responded_at is None:
        sla.response_due_at = sla.response_warn_at = None
    target = sla.resolution_target
    running_since = sla.resolution_running_since
    if sla.resolution_state == ClockState.RUNNING and target is not None and running_since:
        left = target - sla.resolution_elapsed
        sla.resolution_due_at = add_business_time(sched, running_since, left)
        sla.resolution_warn_at = add_business_time(
            sched, running_since, target * AT_RISK_RATIO - sla.resolution_elapsed
        )
    elif sla.resolution_state != ClockState.STOPPED:
        # Paused or not started: nothing is due until the clock runs again.
        sla.resolution_due_at = sla.resolution_warn_at = None
    sla.next_check_at = _next_check(sla)


def _rearm(sla: TicketSla, at: datetime) -> None:
    """A requalified ticket (new priority, new policy) can move its thresholds
    into the future again: its warnings are then due again, once each."""
    for clock in ("response", "resolution"):
        due, warn = getattr(sla, f"{clock}_due_at"), getattr(sla, f"{clock}_warn_at")
        running = (
            sla.responded_at is None
            if clock == "response"
            else (sla.resolution_state == ClockState.RUNNING)
        )
        if not running:
            continue
        if due is not None and due > at:
            setattr(sla, f"{clock}_breached", False)
        if warn is not None and warn > at:
            setattr(sla, f"{clock}_warned", False)
    sla.next_check_at = _next_check(sla)


def _next_check(sla: TicketSla) -> datetime | None:
    pending: list[datetime | None] = []
    if sla.responded_at is None:
        if not sla.response_warned:
            pending.append(sla.response_warn_at)
        if not sla.response_breached:
            pending.append(sla.response_due_at)
    if sla.resolution_state == ClockState.RUNNING:
        if not sla.resolution_warned:
            pending.append(sla.resolution_warn_at)
        if not sla.resolution_breached:
            pending.append(sla.resolution_due_at)
    instants = [p for p in pending if p is not None]
    return min(instants) if instants else None


def _rematch(sla: TicketSla, ticket: Ticket) -> None:
    key = _matched_on(ticket)
    if sla.matched_on == key:
        return
    policy = sla_policy_for(ticket)
    target = sla_target_for(policy, ticket) if policy else None
    sla.policy = policy
    sla.matched_on = key
    sla.response_target = target.response_time if target else None
    sla.resolution_target = target.resolution_time if target else None


def _sla_for_update(ticket: Ticket, event: str = "", locked: TicketSla | None = None) -> TicketSla:
    if locked is not None:
        # Locked and read by the caller with the ticket; its policy (and the
        # policy's calendar) are taken from the configuration cache.
        if locked.policy_id is not None and not TicketSla.policy.is_cached(locked):
            locked.policy = _policy(locked.policy_id)
        return locked
    if event == "created":
        # The ticket was inserted in this very transaction: it has no clocks yet.
        return TicketSla(ticket=ticket)
    sla = (
        TicketSla.objects.select_for_update(of=("self",))
        .select_related("policy__calendar")
        .filter(ticket=ticket)
        .first()
    )
    return sla if sla is not None else TicketSla(ticket=ticket)


def sla_ticket_changed(
    *,
    ticket: Ticket,
    event: str,
    actor: User | None = None,
    message: Message | None = None,
    locked: TicketSla | None = None,
) -> TicketSla:
    """Bring the ticket's SLA clocks in step with ``ticket`` after ``event``
    (created, reply, note, status, assigned, updated), then hand the event to the
    event automations. Runs inside the caller's transaction; the ticket row is
    already locked by the caller (``locked``: its SLA row too, read with it)."""
    at = ticket.updated_at or timezone.now()
    sla = _sla_for_update(ticket, event, locked)
    created = sla._state.adding
    _rematch(sla, ticket)
    if sla.category != ticket.category:
        sla.category = ticket.category
        sla.category_since = at
    if event == "reply" and message is not None and not message.internal:
        if message.author.is_agent:
            sla.last_agent_reply_at = message.created_at
        else:
            sla.last_customer_reply_at = message.created_at
    if sla.responded_at is None and (
        ticket.first_response_at is not None or ticket.category != Category.NEW
    ):
        sla.responded_at = ticket.first_response_at or at
        if sla.response_due_at is not None and sla.responded_at > sla.response_due_at:
            sla.response_breached = True
    sched = sla_schedule(sla)
    _move_resolution_clock(sla, ticket.category, at, sched)
    _schedule_thresholds(sla, ticket.created_at, sched)
    _rearm(sla, at)
    sla.save(force_insert=created)

    from .automations import automation_event_happened

    automation_event_happened(ticket=ticket, event=event, message=message)
    return sla


# -- periodic check ---------------------------------------------------------------------


def _check_one(sla: TicketSla, now: datetime) -> list[tuple[str, str]]:
    """Flag, in memory, the thresholds of ``sla`` crossed by ``now``; the (clock,
    level) pairs newly crossed."""
    notified: list[tuple[str, str]] = []
    clocks = [("response", sla.responded_at is None)]
    clocks.append(("resolution", sla.resolution_state == ClockState.RUNNING))
    for clock, running in clocks:
        if not running:
            continue
        due = getattr(sla, f"{clock}_due_at")
        warn = getattr(sla, f"{clock}_warn_at")
        if due is not None and due <= now and not getattr(sla, f"{clock}_breached"):
            setattr(sla, f"{clock}_breached", True)
            # A breach found late also settles the 80 % warning: one mail, not two.
            setattr(sla, f"{clock}_warned", True)
            notified.append((clock, "breached"))
        elif warn is not None and warn <= now and not getattr(sla, f"{clock}_warned"):
            setattr(sla, f"{clock}_warned", True)
            notified.append((clock, "at_risk"))
    sla.next_check_at = _next_check(sla)
    sla.updated_at = now
    return notified


_CHECKED_FIELDS = (
    "response_warned",
    "response_breached",
    "resolution_warned",
    "resolution_breached",
    "next_check_at",
)


def db_column(model: type[Model], name: str) -> str:
    """The database column of a model's field, for the few hand-written statements."""
    field = model._meta.get_field(name)
    assert isinstance(field, Field) and field.column
    return field.column


def _write_checked(slas: list[TicketSla], now: datetime) -> None:
    """Write the flags and next check of ``slas`` in one UPDATE joined to a list
    of values (arrays on PostgreSQL), whatever their number."""
    qn = connection.ops.quote_name
    table, key = qn(TicketSla._meta.db_table), qn(db_column(TicketSla, "ticket"))
    columns = [qn(db_column(TicketSla, name)) for name in _CHECKED_FIELDS]
    updated = qn(db_column(TicketSla, "updated_at"))
    if connection.vendor == "postgresql":
        names = ["id", *(f"v{i}" for i in range(len(columns)))]
        types = ["bigint", "boolean", "boolean", "boolean", "boolean", "timestamptz"]
        source = "UNNEST({}) AS v({})".format(
            ", ".join(f"%s::{t}[]" for t in types), ", ".join(names)
        )
        params: list[Any] = [now, [sla.pk for sla in slas]]
        params += [[getattr(sla, name) for sla in slas] for name in _CHECKED_FIELDS]
    else:
        names = ["column1", *(f"column{i + 2}" for i in range(len(columns)))]
        row = "({})".format(", ".join(["%s"] * len(names)))
        source = "(VALUES {}) AS v".format(", ".join([row] * len(slas)))
        adapt = connection.ops.adapt_datetimefield_value
        params = [adapt(now)]
        for sla in slas:
            params += [sla.pk, *(getattr(sla, name) for name in _CHECKED_FIELDS[:4])]
            params.append(adapt(sla.next_check_at))
    assignments = ", ".join(f"{c} = v.{n}" for c, n in zip(columns, names[1:], strict=True))
    sql = (
        f"UPDATE {table} SET {assignments}, {updated} = %s "
        f"FROM {source} WHERE {table}.{key} = v.{names[0]}"
    )
    # The "updated" parameter comes first in the statement's text.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# Notifications per task of the periodic check.
NOTIFY_BATCH = 100
# What the check reads of each row (``_check_one``, ``_next_check``, ``_write_checked``).
_CHECK_READS = (
    "responded_at",
    "resolution_state",
    "response_due_at",
    "response_warn_at",
    "resolution_due_at",
    "resolution_warn_at",
    *_CHECKED_FIELDS,
)


def sla_check_due(
    *, now: datetime, limit: int, after: int = 0, ticket_ids: list[int] | None = None
) -> tuple[int | None, list[tuple[int, str, str]]]:
    """Set-based check of up to ``limit`` SLA rows whose ``next_check_at`` has
    come (ids above ``after``, or among ``ticket_ids``), in one transaction: the
    rows are locked and read in one query, their flags written in one UPDATE, and
    one notification per newly crossed threshold enqueued in a few batch tasks
    (written in one statement). Safe to repeat: a flag, once set, is never
    notified again. Returns the last id read (None when none was due) and the
    (ticket id, clock, level) notified."""
    from comptoir.tickets.services import enqueue_many

    from .tasks import notify_sla_thresholds

    with transaction.atomic():
        rows = (
            TicketSla.objects.select_for_update()
            .only(*_CHECK_READS)
            .filter(next_check_at__lte=now, pk__gt=after)
        )
        if ticket_ids is not None:
            rows = rows.filter(pk__in=ticket_ids)
        slas = list(rows.order_by("pk")[:limit])
        if not slas:
            return None, []
        notified: list[tuple[int, str, str]] = []
        for sla in slas:
            notified += [(sla.pk, clock, level) for clock, level in _check_one(sla, now)]
        _write_checked(slas, now)
        enqueue_many(
            notify_sla_thresholds,
            [
                {"items": [list(item) for item in notified[start : start + NOTIFY_BATCH]]}
                for start in range(0, len(notified), NOTIFY_BATCH)
            ],
        )
        return slas[-1].pk, notified


def sla_check_ticket(*, ticket_id: int, now: datetime) -> list[tuple[str, str]]:
    """``sla_check_due`` for one ticket: the (clock, level) pairs notified."""
    _last, notified = sla_check_due(now=now, limit=1, ticket_ids=[ticket_id])
    return [(clock, level) for _pk, clock, level in notified]
