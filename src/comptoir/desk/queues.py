"""The desk's queues: which tickets each one holds, and all their counts at once.

Every queue is a filter applied to ``tickets.queries.visible_tickets(user)``, so
an agent restricted to their groups sees their part only, in lists and counts.

Counting reads every ticket the agent sees (half a second at a million
tickets), so the counts are kept in the cache for ``COUNTS_TTL`` seconds per
agent. A change made through the ticket services forgets the counts of the
agent who made it and of the ticket's assignee (``queue_counts_changed``): they
see their own change at once, the others within ``COUNTS_TTL`` seconds. With
several server processes, ``CACHES`` must point at a shared cache (Redis);
the default per-process cache only shortens the delay for the process that
served the change.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.db import transaction
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
    # Whether it holds tickets not done yet only: counted among those alone.
    undone: bool = True


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
        undone=False,
    ),
    Queue("open", _("All open"), lambda u: _not_done()),
    Queue("all", _("All tickets"), lambda u: Q(), undone=False),
)
BY_KEY = {queue.key: queue for queue in QUEUES}
DEFAULT_QUEUE = "unassigned"


def queue_or_default(key: str | None) -> Queue:
    return BY_KEY.get(key or "", BY_KEY[DEFAULT_QUEUE])


# How long an agent's queue counts are kept (changes by others show up within it).
COUNTS_TTL = 30
# The queue keys are part of the cache key: a release that changes the queues
# never reads counts cached by the previous one.
_COUNTS_KEY = "desk:queue-counts:{}:".format(
    hashlib.sha1(" ".join(q.key for q in QUEUES).encode()).hexdigest()[:8]
)


def _counts_key(user_id: int) -> str:
    return f"{_COUNTS_KEY}{user_id}"


def count_queues(user: User) -> dict[str, int]:
    """The number of tickets in every queue (not cached), in three queries:
    the queues of tickets not done yet together, over those tickets only (an
    index holds them); the tickets updated lately; all tickets."""
    tickets = visible_tickets(user)
    aggregates: dict[str, Any] = {
        queue.key: Count("pk", filter=queue.condition(user)) for queue in QUEUES if queue.undone
    }
    counts: dict[str, int] = tickets.filter(_not_done()).aggregate(**aggregates)
    for queue in QUEUES:
        if not queue.undone:
            counts[queue.key] = tickets.filter(queue.condition(user)).count()
    return counts


def queue_counts(user: User) -> dict[str, int]:
    """The number of tickets in every queue: from the cache, or one query."""
    key = _counts_key(user.pk)
    counts = cache.get(key)
    if counts is None:
        counts = count_queues(user)
        cache.set(key, counts, COUNTS_TTL)
    return counts


def queue_counts_changed(user_ids: Iterable[int | None]) -> None:
    """Forget the cached counts of these agents: now, and again when the
    change commits (a page counting meanwhile would cache the old state)."""
    keys = [_counts_key(pk) for pk in set(user_ids) if pk is not None]
    if not keys:
        return
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def queue_tickets(user: User, queue: Queue) -> QuerySet[Ticket]:
    return visible_tickets(user).filter(queue.condition(user))
