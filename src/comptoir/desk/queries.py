"""The desk's reads. Tickets always come from ``tickets.queries``; the rest is
the desk's own data (macros, views, followers, links, presence)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q, QuerySet
from django.utils import timezone

from comptoir.accounts.models import Role, User
from comptoir.sla.models import ClockState
from comptoir.tickets.models import DONE_CATEGORIES, Ticket
from comptoir.tickets.queries import visible_tickets

from .models import DeskAgentProfile, Macro, SavedView, TicketFollower, TicketLink, TicketPresence

# Someone whose page has not called in for this long has left.
PRESENCE_WINDOW = timedelta(seconds=90)
TYPING_WINDOW = timedelta(seconds=20)
OTHER_TICKETS = 10
MAX_MACROS = 100

LIST_RELATED = (
    "status",
    "priority",
    "type",
    "requester",
    "organisation",
    "assignee",
    "group",
    "sla",
)


def list_tickets(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """What a list row shows, fetched with the rows: a constant number of queries."""
    return tickets.select_related(*LIST_RELATED).prefetch_related("products", "themes")


@dataclass(frozen=True)
class SlaBadge:
    level: str  # none, ok, at_risk, breached, paused, met
    due_at: datetime | None


def sla_badge(ticket: Ticket, now: datetime) -> SlaBadge:
    """A list row's SLA from the stored instants and flags (no calendar work):
    the clock that runs now, how close it is to its due instant."""
    try:
        sla = ticket.sla  # type: ignore[attr-defined]
    except ObjectDoesNotExist:
        return SlaBadge("none", None)
    if ticket.category in DONE_CATEGORIES:
        breached = sla.response_breached or sla.resolution_breached
        return SlaBadge("breached" if breached else "met", None)
    if sla.responded_at is None:
        due, warn, breached = sla.response_due_at, sla.response_warn_at, sla.response_breached
    else:
        due, warn = sla.resolution_due_at, sla.resolution_warn_at
        breached = sla.resolution_breached
        if sla.resolution_state == ClockState.PAUSED and not breached:
            return SlaBadge("paused", None)
    if breached or (due is not None and due <= now):
        return SlaBadge("breached", due)
    if warn is not None and warn <= now:
        return SlaBadge("at_risk", due)
    return SlaBadge("ok" if due is not None else "none", due)


def agent_profile(user: User) -> DeskAgentProfile:
    return DeskAgentProfile.objects.filter(user=user).first() or DeskAgentProfile(user=user)


def saved_views(user: User) -> list[SavedView]:
    return list(SavedView.objects.filter(owner=user))


def usable_macros(user: User) -> list[Macro]:
    """Shared macros and the agent's own, active ones only."""
    return list(
        Macro.objects.filter(Q(owner__isnull=True) | Q(owner=user), active=True).select_related(
            "set_status", "set_type", "set_priority", "set_group"
        )[:MAX_MACROS]
    )


def editable_macros(user: User) -> QuerySet[Macro]:
    """Macros ``user`` may change: their own, and shared ones for supervisors and admins."""
    if can_manage_shared(user):
        return Macro.objects.filter(Q(owner__isnull=True) | Q(owner=user))
    return Macro.objects.filter(owner=user)


def can_manage_shared(user: User) -> bool:
    return user.role in (Role.ADMIN, "supervisor")


def agents() -> list[User]:
    return list(
        User.objects.filter(is_active=True)
        .exclude(role=Role.CUSTOMER)
        .order_by("first_name", "last_name", "email")
    )


def requester_tickets(user: User, ticket: Ticket) -> list[Ticket]:
    """The requester's other tickets the agent may see, latest first."""
    return list(
        visible_tickets(user)
        .filter(requester_id=ticket.requester_id)
        .exclude(pk=ticket.pk)
        .select_related("status")
        .order_by("-updated_at")[:OTHER_TICKETS]
    )


def followers(ticket: Ticket) -> list[User]:
    return [
        f.user
        for f in TicketFollower.objects.filter(ticket=ticket)
        .select_related("user")
        .order_by("created_at")
    ]


def linked_tickets(user: User, ticket: Ticket) -> list[Ticket]:
    """Tickets linked to ``ticket`` (either way round) that ``user`` may see."""
    links = TicketLink.objects.filter(Q(first=ticket) | Q(second=ticket)).values_list(
        "first_id", "second_id"
    )
    ids = {a if b == ticket.pk else b for a, b in links}
    return list(
        visible_tickets(user).filter(pk__in=ids).select_related("status").order_by("number")
    )


@dataclass(frozen=True)
class Presence:
    name: str
    typing: bool


def others_present(ticket: Ticket, user: User, now: datetime | None = None) -> list[Presence]:
    """Other agents with the ticket open (and typing) right now."""
    now = now or timezone.now()
    rows = (
        TicketPresence.objects.filter(ticket=ticket, seen_at__gte=now - PRESENCE_WINDOW)
        .exclude(user=user)
        .select_related("user")
        .order_by("user__first_name")
    )
    return [
        Presence(
            r.user.display_name,
            r.typing_at is not None and r.typing_at >= now - TYPING_WINDOW,
        )
        for r in rows
    ]


def newer_messages(ticket: Ticket, user: User, seen: int) -> list[Any]:
    """Messages written by someone else after message ``seen`` (collision check)."""
    return list(ticket.messages.filter(pk__gt=seen).exclude(author=user).select_related("author"))
