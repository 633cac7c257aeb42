"""The desk's queues: which tickets each one holds, and all their counts at once.

Every queue is a filter applied to ``tickets.queries.visible_tickets(user)``, so
an agent restricted to their groups sees their part only, in lists and counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from comptoir.accounts.models import User
from comptoir.sla.queries import at_risk_tickets, breached_tickets
from comptoir.tickets.models import DONE_CATEGORIES, Category, Ticket
from comptoir.tickets.queries import visible_tickets

from .models import TicketFollower

RECENT = timedelta(hours=24)


@dataclass(frozen=True)
class Queue:
    key: str
    label: str | Promise
    condition: Callable[[User], Q]


def _not_done() -> Q:
    return ~Q(category__in=DONE_CATEGORIES)


def _my_groups(user: User) -> Q:
    return Q(group_id__in=user.support_groups.values("pk")) & _not_done()


def _following(user: User) -> Q:
    followed = TicketFollower.objects.filter(user=user).values("ticket_id")
    return Q(pk__in=followed) & _not_done()


def _breached(user: User) -> Q:
    return Q(pk__in=breached_tickets(Ticket.objects.all()).values("pk"))


def _at_risk(user: User) -> Q:
    return Q(pk__in=at_risk_tickets(Ticket.objects.all()).values("pk"))


QUEUES: tuple[Queue, ...] = (
    Queue("unassigned", _("Unassigned"), lambda u: Q(assignee__isnull=True) & _not_done()),
    Queue("mine", _("Mine"), lambda u: Q(assignee=u) & _not_done()),
    Queue("groups", _("My groups"), _my_groups),
    Queue("following", _("Following"), _following),
    Queue("waiting", _("Waiting on customer"), lambda u: Q(category=Category.PENDING_CUSTOMER)),
    Queue("escalated", _("Escalated"), lambda u: Q(category=Category.PENDING_INTERNAL)),
    Queue("at_risk", _("SLA at risk"), _at_risk),
    Queue("breached", _("SLA breached"), _breached),
    Queue(
        "recent",
        _("Updated in the last 24 hours"),
        lambda u: Q(updated_at__gte=timezone.now() - RECENT),
    ),
    Queue("open", _("All open"), lambda u: _not_done()),
    Queue("all", _("All tickets"), lambda u: Q()),
)
BY_KEY = {queue.key: queue for queue in QUEUES}
DEFAULT_QUEUE = "unassigned"


def queue_or_default(key: str | None) -> Queue:
    return BY_KEY.get(key or "", BY_KEY[DEFAULT_QUEUE])


def queue_counts(user: User) -> dict[str, int]:
    """The number of tickets in every queue, in one query."""
    aggregates: dict[str, Any] = {
        queue.key: Count("pk", filter=queue.condition(user)) for queue in QUEUES
    }
    return visible_tickets(user).aggregate(**aggregates)


def queue_tickets(user: User, queue: Queue) -> QuerySet[Ticket]:
    return visible_tickets(user).filter(queue.condition(user))
