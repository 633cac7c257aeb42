"""Routing new tickets to a group, and giving them to an agent of that group.

``route_new_ticket`` is called by ``tickets.services.ticket_create`` for every
channel (portal, mail, API), inside its transaction, before the creation's
consequences (notifications, SLA) run. It changes the ticket only through
``services.ticket_route``, so each change is in the ticket's history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count

from comptoir.accounts.models import SupportGroup, User
from comptoir.tickets import services
from comptoir.tickets.models import DONE_CATEGORIES, Ticket

from .models import AssignmentMode, DeskAgentProfile, DeskGroupSettings, RoutingRule


@dataclass(frozen=True)
class _Rule:
    """An active rule with the ids of each of its conditions (empty: any)."""

    rule: RoutingRule
    channel: str
    products: frozenset[int]
    themes: frozenset[int]
    ticket_types: frozenset[int]
    organisations: frozenset[int]


def _active_rules() -> list[_Rule]:
    rules = (
        RoutingRule.objects.filter(active=True)
        .select_related("group", "priority")
        .prefetch_related("products", "themes", "ticket_types", "organisations")
    )
    return [
        _Rule(
            rule=rule,
            channel=rule.channel,
            products=frozenset(p.pk for p in rule.products.all()),
            themes=frozenset(t.pk for t in rule.themes.all()),
            ticket_types=frozenset(t.pk for t in rule.ticket_types.all()),
            organisations=frozenset(o.pk for o in rule.organisations.all()),
        )
        for rule in rules
    ]


def _matches(rule: _Rule, ticket: Ticket, products: set[int], themes: set[int]) -> bool:
    """Every non-empty condition matches; within one, any value does."""
    if rule.channel and rule.channel != ticket.channel:
        return False
    checks: Sequence[tuple[frozenset[int], set[int]]] = (
        (rule.products, products),
        (rule.themes, themes),
        (rule.ticket_types, {ticket.type_id}),
        (rule.organisations, {ticket.organisation_id or 0}),
    )
    return all(not wanted or wanted & present for wanted, present in checks)


def matching_rule(
    ticket: Ticket, *, products: set[int] | None = None, themes: set[int] | None = None
) -> RoutingRule | None:
    """The first active rule, in order, whose conditions match ``ticket``
    (``products`` and ``themes``: the ticket's ids, when the caller knows them).
    The active rules are read once per process for a few seconds."""
    rules = services.config_cached("desk:routing-rules", _active_rules)
    if not rules:
        return None
    if products is None:
        products = set(ticket.products.values_list("pk", flat=True))
    if themes is None:
        themes = set(ticket.themes.values_list("pk", flat=True))
    return next((r.rule for r in rules if _matches(r, ticket, products, themes)), None)


def open_ticket_counts(agent_ids: Sequence[int]) -> dict[int, int]:
    """Open (not resolved, not closed) tickets held by each agent, in one query."""
    rows = (
        Ticket.objects.filter(assignee_id__in=list(agent_ids))
        .exclude(category__in=DONE_CATEGORIES)
        .values("assignee_id")
        .annotate(n=Count("pk"))
    )
    return {row["assignee_id"]: row["n"] for row in rows}


def _next_after(candidates: list[User], last_id: int | None) -> User:
    """The first candidate after ``last_id`` in id order, wrapping around."""
    for agent in candidates:
        if last_id is None or agent.pk > last_id:
            return agent
    return candidates[0]


def pick_agent(group: SupportGroup) -> User | None:
    """The agent of ``group`` who gets its next new ticket, per the group's mode:
    round-robin, or the fewest open tickets (ties go round-robin). Agents marked
    away, inactive accounts and agents at their cap are skipped. The group's
    settings row is locked so two tickets created at once take turns."""
    conf = DeskGroupSettings.objects.select_for_update().filter(group=group).first()
    if conf is None or conf.assignment == AssignmentMode.NONE:
        return None
    away = DeskAgentProfile.objects.filter(away=True).values("user_id")
    members = group.agents.filter(is_active=True).exclude(pk__in=away).order_by("pk")
    # Roles are checked in Python so that every agent role counts (User.is_agent).
    agents = [a for a in members if a.is_agent]
    if not agents:
        return None
    caps = dict(
        DeskAgentProfile.objects.filter(
            user__in=agents, max_open_tickets__isnull=False
        ).values_list("user_id", "max_open_tickets")
    )
    counts = open_ticket_counts([a.pk for a in agents])
    candidates = []
    for agent in agents:
        cap = caps.get(agent.pk, conf.max_open_per_agent)
        if cap is None or counts.get(agent.pk, 0) < cap:
            candidates.append(agent)
    if not candidates:
        return None
    if conf.assignment == AssignmentMode.LEAST_OPEN:
        fewest = min(counts.get(a.pk, 0) for a in candidates)
        candidates = [a for a in candidates if counts.get(a.pk, 0) == fewest]
    chosen = _next_after(candidates, conf.last_assigned_id)
    conf.last_assigned = chosen
    conf.save(update_fields=["last_assigned"])
    return chosen


def route_new_ticket(
    *, ticket: Ticket, products: set[int] | None = None, themes: set[int] | None = None
) -> None:
    """Send a new ticket to its group (the first matching routing rule; without
    one, the group it arrived with) and, when the group assigns automatically,
    to one of its agents. ``products`` and ``themes``: the ticket's ids, when
    the caller has them at hand (else they are read)."""
    rule = matching_rule(ticket, products=products, themes=themes)
    group = rule.group if rule is not None else ticket.group
    priority = rule.priority if rule is not None else None
    assignee = None
    if group is not None and ticket.assignee_id is None:
        assignee = pick_agent(group)
    if rule is None and assignee is None:
        return
    services.ticket_route(ticket=ticket, group=group, priority=priority, assignee=assignee)


def agents_away(agent_ids: Sequence[int]) -> set[int]:
    return set(
        DeskAgentProfile.objects.filter(user_id__in=list(agent_ids), away=True).values_list(
            "user_id", flat=True
        )
    )
