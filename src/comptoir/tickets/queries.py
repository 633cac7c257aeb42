"""Every read that decides who sees what.

``visible_tickets`` is the one source of truth for ticket visibility; views,
search, exports, the API and attachment downloads all start from it.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from comptoir.accounts.models import Membership, SupportGroup, User

from .models import (
    Attachment,
    Category,
    Message,
    Priority,
    Status,
    Ticket,
    TicketParticipant,
    TicketType,
)
from .services import config_cached


def _copied_on(user: User) -> QuerySet[TicketParticipant, Any]:
    return TicketParticipant.objects.filter(user=user).values("ticket_id")


def visible_tickets(user: User | Any) -> QuerySet[Ticket]:
    """Who sees which ticket:

    - nobody anonymous or deactivated sees any;
    - supervisors, administrators and agents not restricted to their groups see all;
    - an agent restricted to their groups sees the tickets of those groups and the
      tickets assigned to them;
    - a customer sees the tickets they requested, those they are copied on
      (participants), and all the tickets of each organisation where their
      membership gives that right (or makes them its manager).

    Subqueries rather than joins: a ticket never comes back twice.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Ticket.objects.none()
    if user.is_agent:
        if user.sees_every_ticket:
            return Ticket.objects.all()
        groups = SupportGroup.objects.filter(agents=user).values("pk")
        return Ticket.objects.filter(Q(group__in=groups) | Q(assignee=user))
    wide = Membership.objects.filter(user=user).filter(
        Q(sees_all_tickets=True) | Q(is_manager=True)
    )
    # One id set built by UNION: each branch uses its own index. The same three
    # conditions joined by OR make PostgreSQL scan the whole table (0.37 s at a
    # million tickets, against 3 ms for the union).
    ids = (
        Ticket.objects.filter(requester=user)
        .order_by()
        .values("pk")
        .union(
            _copied_on(user).order_by(),
            Ticket.objects.filter(organisation__in=wide.values("organisation_id"))
            .order_by()
            .values("pk"),
        )
    )
    return Ticket.objects.filter(pk__in=ids)


def sees_all_tickets(user: User | Any) -> bool:
    """Whether ``visible_tickets(user)`` is every ticket: a query may then skip
    the visibility scope altogether (no join over a million ids)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.is_agent
        and user.sees_every_ticket
    )


def _is_customer(user: User | Any) -> bool:
    """An active, logged-in user outside the support team."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and not user.is_agent)


def own_tickets(user: User) -> QuerySet[Ticket]:
    """The "mine" of My tickets: requested by ``user`` or copied to them."""
    if _is_customer(user):
        # Both branches are branches of ``visible_tickets``: for a customer the
        # intersection is their union alone, without the organisation branch.
        ids = (
            Ticket.objects.filter(requester=user)
            .order_by()
            .values("pk")
            .union(_copied_on(user).order_by())
        )
        return Ticket.objects.filter(pk__in=ids)
    return visible_tickets(user).filter(Q(requester=user) | Q(pk__in=_copied_on(user)))


def sees_organisation_tickets(user: User) -> bool:
    """Whether "my organisation's tickets" means more than "mine" for ``user``."""
    if not getattr(user, "is_authenticated", False) or user.is_agent:
        return False
    return (
        Membership.objects.filter(user=user)
        .filter(Q(sees_all_tickets=True) | Q(is_manager=True))
        .exists()
    )


@dataclass(frozen=True)
class TicketRights:
    """What ``user`` may do on a ticket they can see (``access_ticket`` first)."""

    reply: bool
    close: bool
    manage_participants: bool


def ticket_rights(user: User, ticket: Ticket) -> TicketRights:
    """Anyone who sees a ticket may reply and close it. Adding or removing people
    is for the support team, the requester and members who see all of the
    ticket's organisation; people copied on it only take part."""
    if user.is_agent or ticket.requester_id == user.pk:
        return TicketRights(reply=True, close=True, manage_participants=True)
    org_wide = (
        ticket.organisation_id is not None
        and Membership.objects.filter(user=user, organisation_id=ticket.organisation_id)
        .filter(Q(sees_all_tickets=True) | Q(is_manager=True))
        .exists()
    )
    return TicketRights(reply=True, close=True, manage_participants=org_wide)


def access_ticket(user: User, number: int | str) -> Ticket:
    """The ticket numbered ``number`` if ``user`` may see it, else 404."""
    try:
        value = int(str(number).lstrip("#"))
    except ValueError:
        raise Http404 from None
    if not 0 < value < 2**31:
        raise Http404  # no such number; and the query would overflow the column
    reference = _reference_rows()
    related = ["assignee", "organisation", "requester", "group", "follows"]
    if reference is None:
        related += ["status", "type", "priority"]
    if _is_customer(user):
        # The customer branches of ``visible_tickets`` checked on the one row the
        # number finds, instead of building the whole id set: the union and its
        # hash cost 10 to 20 ms of planning and execution at a million tickets.
        # The query's shape never changes: compiled once per process.
        found = _customer_ticket(user, value, related)
    else:
        tickets = visible_tickets(user)
        found = list(tickets.select_related(*related).filter(number=value).order_by()[:1])
    if not found:
        raise Http404
    ticket = found[0]
    if reference is not None:
        # Configuration rows from the per-process cache rather than three more
        # joins (each join costs planning time on every page); a row newer than
        # the cache is left to load on first use.
        for field in ("status", "type", "priority"):
            row = reference[field].get(getattr(ticket, f"{field}_id"))
            if row is not None:
                setattr(ticket, field, row)
    return ticket


def _customer_ticket(user: User, number: int, related: list[str]) -> list[Ticket]:
    """The customer's ticket numbered ``number`` (none if they may not see it),
    through the read compiled once per process (``core.compiled``)."""
    from comptoir.core.compiled import (
        MARK_NUMBER,
        MARK_USER,
        compiled_instances,
        compiled_query,
        run_compiled,
    )

    def build(viewer: User, value: int) -> QuerySet[Ticket]:
        return (
            Ticket.objects.filter(_customer_sees_row(viewer))
            .select_related(*related)
            .filter(number=value)
            .order_by()[:1]
        )

    compiled = compiled_query(
        Ticket,
        ("customer_ticket", *related),
        lambda: build(User(pk=MARK_USER), MARK_NUMBER),
        (MARK_NUMBER, MARK_USER),
    )
    if compiled is None:
        return list(build(user, number))
    rows = run_compiled(compiled, {MARK_NUMBER: number, MARK_USER: user.pk})
    return list(compiled_instances(compiled, rows))


def _customer_sees_row(user: User) -> Q:
    """The customer part of ``visible_tickets`` as a condition on each ticket row:
    requested by ``user``, copied to them, or of an organisation where their
    membership sees all tickets or makes them its manager."""
    copied = TicketParticipant.objects.filter(user=user, ticket=OuterRef("pk"))
    wide = Membership.objects.filter(user=user, organisation=OuterRef("organisation_id")).filter(
        Q(sees_all_tickets=True) | Q(is_manager=True)
    )
    return Q(requester=user) | Q(Exists(copied)) | Q(Exists(wide))


def _reference_rows() -> dict[str, dict[int, Any]] | None:
    """Statuses, types and priorities by id from the configuration cache, or None
    when that cache is off."""
    if float(getattr(settings, "COMPTOIR_CONFIG_CACHE_SECONDS", 5)) <= 0:
        return None

    def load() -> dict[str, dict[int, Any]]:
        return {
            "status": {row.pk: row for row in Status.objects.all()},
            "type": {row.pk: row for row in TicketType.objects.all()},
            "priority": {row.pk: row for row in Priority.objects.all()},
        }

    return config_cached("tickets:reference-rows", load)


def visible_messages(user: User, ticket: Ticket) -> QuerySet[Message]:
    """The messages of a ticket ``user`` sees (``access_ticket`` first): internal
    notes are for agents only, whatever else the person may see."""
    messages = ticket.messages.select_related("author")
    if not getattr(user, "is_agent", False):
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


SCOPES = ("mine", "organisation")


def _scoped(user: User, scope: str) -> QuerySet[Ticket]:
    """``organisation``: every ticket ``user`` sees; ``mine``: only those they
    requested or are copied on (the same for agents: they see all either way)."""
    if scope == "mine" and not getattr(user, "is_agent", False):
        return own_tickets(user)
    return visible_tickets(user)


def tab_counts(user: User, *, q: str = "", scope: str = "organisation") -> dict[str, int]:
    """Tickets per portal tab (within a keyword search when given), in one query."""
    # Tickets per category, summed into tabs here: a plain GROUP BY costs half
    # the SQL compilation of one filtered COUNT per tab.
    per_category = dict(
        _matching(_scoped(user, scope), q)
        .order_by()
        .values_list("category")
        .annotate(n=Count("pk"))
        .values_list("category", "n")
    )
    counts = {
        tab: sum(per_category.get(category, 0) for category in categories)
        for tab, categories in PORTAL_TABS.items()
    }
    counts["all"] = sum(per_category.values())
    return counts


def portal_ticket_list(
    user: User,
    *,
    tab: str = "open",
    q: str = "",
    sort: str = "updated",
    direction: str = "desc",
    scope: str = "organisation",
) -> QuerySet[Ticket]:
    tickets = _scoped(user, scope).filter(category__in=PORTAL_TABS.get(tab, PORTAL_TABS["all"]))
    tickets = _matching(tickets, q)
    field = SORTS.get(sort, "updated_at")
    prefix = "" if direction == "asc" else "-"
    return tickets.select_related("status", "assignee", "type", "priority").order_by(
        f"{prefix}{field}", f"{prefix}number"
    )
