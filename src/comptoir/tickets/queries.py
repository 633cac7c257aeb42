"""Every read that decides who sees what.

``visible_tickets`` is the one source of truth for ticket visibility; views,
search, exports, the API and attachment downloads all start from it.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from comptoir.accounts.models import User

from .models import Attachment, Category, Message, Ticket


def visible_tickets(user: User | Any) -> QuerySet[Ticket]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Ticket.objects.none()
    if user.is_agent:
        return Ticket.objects.all()
    return Ticket.objects.filter(requester=user)


def access_ticket(user: User, number: int | str) -> Ticket:
    """The ticket numbered ``number`` if ``user`` may see it, else 404."""
    try:
        value = int(str(number).lstrip("#"))
    except ValueError:
        raise Http404 from None
    ticket = (
        visible_tickets(user)
        .select_related(
            "status",
            "type",
            "priority",
            "assignee",
            "organisation",
            "requester",
            "group",
            "follows",
        )
        .filter(number=value)
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket


def visible_messages(user: User, ticket: Ticket) -> QuerySet[Message]:
    messages = ticket.messages.select_related("author")
    if not user.is_agent:
        messages = messages.filter(internal=False)
    return messages


def access_attachment(user: User, key: str) -> Attachment:
    """An attachment ``user`` may download: on a ticket they see (not on an internal
    note unless they are an agent), or a draft they uploaded themselves."""
    try:
        key = str(uuid.UUID(str(key)))
    except ValueError:
        raise Http404 from None
    if not getattr(user, "is_authenticated", False):
        raise Http404
    on_ticket = Q(ticket__in=visible_tickets(user))
    if not user.is_agent:
        on_ticket &= Q(message__isnull=True) | Q(message__internal=False)
    draft = Q(ticket__isnull=True, uploaded_by=user)
    attachment = Attachment.objects.filter(on_ticket | draft, key=key).first()
    if attachment is None:
        raise Http404
    return attachment


# The portal's tabs group categories the way the seeds do.
PORTAL_TABS: dict[str, tuple[str, ...]] = {
    "open": (Category.NEW, Category.OPEN, Category.PENDING_INTERNAL),
    "waiting": (Category.PENDING_CUSTOMER,),
    "done": (Category.RESOLVED, Category.CLOSED),
    "all": tuple(Category.values),
}

SORTS = {
    "created": "created_at",
    "updated": "updated_at",
    "status": "status__order",
    "number": "number",
}

_NUMBER = re.compile(r"^#?\s*(\d{1,9})$")


def parse_ticket_number(text: str) -> int | None:
    match = _NUMBER.match((text or "").strip())
    return int(match.group(1)) if match else None


def _matching(tickets: QuerySet[Ticket], q: str) -> QuerySet[Ticket]:
    """Tickets whose number, subject or a public message matches ``q``."""
    q = " ".join(q.split())
    if not q:
        return tickets
    match = Q(subject__icontains=q) | Q(
        pk__in=Message.objects.filter(internal=False, body_text__icontains=q).values("ticket_id")
    )
    number = parse_ticket_number(q)
    if number is not None:
        match |= Q(number=number)
    return tickets.filter(match)


def tab_counts(user: User, *, q: str = "") -> dict[str, int]:
    """Tickets per portal tab (within a keyword search when given), in one query."""
    aggregates = {
        tab: Count("pk", filter=Q(category__in=categories))
        for tab, categories in PORTAL_TABS.items()
        if tab != "all"
    }
    counts = _matching(visible_tickets(user), q).aggregate(all=Count("pk"), **aggregates)
    return {tab: counts[tab] for tab in PORTAL_TABS}


def portal_ticket_list(
    user: User,
    *,
    tab: str = "open",
    q: str = "",
    sort: str = "updated",
    direction: str = "desc",
) -> QuerySet[Ticket]:
    tickets = visible_tickets(user).filter(category__in=PORTAL_TABS.get(tab, PORTAL_TABS["all"]))
    tickets = _matching(tickets, q)
    field = SORTS.get(sort, "updated_at")
    prefix = "" if direction == "asc" else "-"
    return tickets.select_related("status", "assignee", "type", "priority").order_by(
        f"{prefix}{field}", f"{prefix}number"
    )
