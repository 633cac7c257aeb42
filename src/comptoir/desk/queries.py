"""The desk's reads. Tickets always come from ``tickets.queries``; the rest is
the desk's own data (macros, views, followers, links, presence)."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from comptoir.accounts.models import Membership, Organisation, Role, User
from comptoir.core.compiled import (
    MARK_NUMBER,
    MARK_ORGANISATION,
    MARK_REQUESTER,
    MARK_SINCE,
    MARK_TICKET,
    MARK_USER,
    compiled_instances,
    compiled_query,
    run_compiled,
)
from comptoir.sla.models import ClockState
from comptoir.tickets.models import DONE_CATEGORIES, Ticket, TicketEvent
from comptoir.tickets.queries import visible_tickets

from .models import DeskAgentProfile, Macro, SavedView, TicketFollower, TicketLink, TicketPresence
from .reference import Reference, reference

# Someone whose page has not called in for this long has left.
PRESENCE_WINDOW = timedelta(seconds=90)
TYPING_WINDOW = timedelta(seconds=20)
OTHER_TICKETS = 10
MAX_MACROS = 100


def _marked_viewer(user: User) -> User:
    """``user`` with the user marker for id (what ``visible_tickets`` reads of
    them is kept)."""
    marked = copy.copy(user)
    marked.pk = MARK_USER
    return marked


def _viewer_shape(user: User) -> tuple[Any, ...]:
    """What decides the shape of ``visible_tickets(user)`` for a desk user."""
    active = bool(getattr(user, "is_authenticated", False) and user.is_active)
    agent = active and bool(getattr(user, "is_agent", False))
    return (active, agent, agent and bool(user.sees_every_ticket))


def with_reference(rows: list[Ticket], ref: Reference) -> list[Ticket]:
    """Give each ticket its status, priority, type and group from ``ref``
    (no join for them); and its desk address (``url``)."""
    by_id: dict[str, dict[int, Any]] = {
        "status": {o.pk: o for o in ref.statuses},
        "priority": {o.pk: o for o in ref.priorities},
        "type": {o.pk: o for o in ref.types},
        "group": {o.pk: o for o in ref.groups},
    }
    head, tail = _ticket_url_parts()
    for ticket in rows:
        for name, objects in by_id.items():
            found = objects.get(getattr(ticket, f"{name}_id"))
            if found is not None:  # else (created since ref was read) it is read when used
                setattr(ticket, name, found)
        ticket.url = f"{head}{ticket.number}{tail}"  # type: ignore[attr-defined]
    return rows


def _ticket_url_parts() -> tuple[str, str]:
    head, tail = reverse("desk:ticket", kwargs={"number": 0}).rsplit("0", 1)
    return head, tail


@dataclass(frozen=True)
class SlaBadge:
    level: str  # none, ok, at_risk, breached, paused, met
    due_at: datetime | None


@dataclass
class ListRow:
    """What a list row shows. Read as values, not model objects: a page of
    fifty rows with their requester, organisation, agent and SLA reads in
    half the time."""

    pk: int
    number: int
    subject: str
    category: str
    organisation_id: int | None
    organisation_name: str
    requester_name: str
    assignee_name: str
    status: Any
    priority: Any
    type: Any
    group: Any
    created_at: datetime
    updated_at: datetime
    sla: SlaBadge
    url: str
    products: list[str]
    themes: list[str]

    @property
    def reference(self) -> str:
        return f"#{self.number}"


def _name(first: str | None, last: str | None, email: str | None) -> str:
    """``User.display_name`` from the row's values."""
    return f"{first or ''} {last or ''}".strip() or (email or "")


_SLA_FIELDS = (
    "responded_at",
    "response_due_at",
    "response_warn_at",
    "response_breached",
    "resolution_due_at",
    "resolution_warn_at",
    "resolution_breached",
    "resolution_state",
)
_ROW_FIELDS = (
    "pk",
    "number",
    "subject",
    "category",
    "status_id",
    "priority_id",
    "type_id",
    "group_id",
    "organisation_id",
    "organisation__name",
    "requester__first_name",
    "requester__last_name",
    "requester__email",
    "assignee_id",
    "created_at",
    "updated_at",
    *(f"sla__{name}" for name in _SLA_FIELDS),
)


class _Sla:
    """A ticket's SLA values as ``sla_badge`` reads them."""

    def __init__(self, values: dict[str, Any]) -> None:
        for name in _SLA_FIELDS:
            setattr(self, name, values[f"sla__{name}"])


def _by_id(objects: list[Any], model: Any) -> dict[int, Any]:
    """``objects`` by id; an id they lack (a row newer than the kept reference
    data) is read from the table."""

    class ById(dict[int, Any]):
        def __missing__(self, pk: int) -> Any:
            self[pk] = model.objects.filter(pk=pk).first()
            return self[pk]

    return ById((o.pk, o) for o in objects)


def list_rows(tickets: QuerySet[Ticket], ref: Reference, now: datetime) -> list[ListRow]:
    """The rows of ``tickets`` (already sliced) as the list shows them, with
    their products and themes: two queries."""
    from comptoir.accounts.models import SupportGroup
    from comptoir.tickets.models import Priority, Status, TicketType

    values = list(tickets.values(*_ROW_FIELDS))
    tags = _tag_names([v["pk"] for v in values], ref)
    # Agents by id from the reference data (no join); former agents still
    # assigned to a ticket are read in one query.
    agents = {a.pk: a.display_name for a in ref.agents}
    missing = {v["assignee_id"] for v in values} - agents.keys() - {None}
    if missing:
        agents.update((u.pk, u.display_name) for u in User.objects.filter(pk__in=missing))
    head, tail = _ticket_url_parts()
    statuses, priorities = _by_id(ref.statuses, Status), _by_id(ref.priorities, Priority)
    types, groups = _by_id(ref.types, TicketType), _by_id(ref.groups, SupportGroup)
    rows = []
    for v in values:
        # The state is never empty on an SLA row: empty, the ticket has none.
        sla = _Sla(v) if v["sla__resolution_state"] is not None else None
        rows.append(
            ListRow(
                pk=v["pk"],
                number=v["number"],
                subject=v["subject"],
                category=v["category"],
                organisation_id=v["organisation_id"],
                organisation_name=v["organisation__name"] or "",
                requester_name=_name(
                    v["requester__first_name"], v["requester__last_name"], v["requester__email"]
                ),
                assignee_name=agents.get(v["assignee_id"], ""),
                status=statuses[v["status_id"]],
                priority=priorities[v["priority_id"]],
                type=types[v["type_id"]],
                group=groups[v["group_id"]] if v["group_id"] is not None else None,
                created_at=v["created_at"],
                updated_at=v["updated_at"],
                sla=sla_badge(v["category"], sla, now),
                url=f"{head}{v['number']}{tail}",
                products=tags[0].get(v["pk"], []),
                themes=tags[1].get(v["pk"], []),
            )
        )
    return rows


def _tag_names(ids: list[int], ref: Reference) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """Names of the products and of the themes of each ticket, by name: one
    query of ids, named from ``ref``."""
    through_products, through_themes = Ticket.products.through, Ticket.themes.through
    pairs = (
        through_products.objects.filter(ticket_id__in=ids)
        .annotate(kind=Value(0))
        .values_list("kind", "ticket_id", "product_id")  # type: ignore[misc]
        .union(
            through_themes.objects.filter(ticket_id__in=ids)
            .annotate(kind=Value(1))
            .values_list("kind", "ticket_id", "theme_id"),  # type: ignore[misc]
            all=True,
        )
    )
    names = ({p.pk: p.name for p in ref.products}, {t.pk: t.name for t in ref.themes})
    found: tuple[dict[int, list[str]], dict[int, list[str]]] = ({}, {})
    for kind, ticket_id, tag_id in pairs:
        name = names[kind].get(tag_id)
        if name is not None:
            found[kind].setdefault(ticket_id, []).append(name)
    for by_ticket in found:
        for tag_names in by_ticket.values():
            tag_names.sort()
    return found


# Lists count their tickets up to this many; beyond, they say "1,000+".
COUNT_CAP = 1000


@dataclass(frozen=True)
class ListPage:
    """One page of a list, without counting every matching ticket: the count
    stops at ``COUNT_CAP`` and the next page is known from one row more."""

    rows: list[ListRow]
    number: int
    size: int
    count: int  # exact when not ``capped``
    capped: bool
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def num_pages(self) -> int | None:
        """The number of pages, when the count is exact."""
        return None if self.capped else max(1, -(-self.count // self.size))

    @property
    def paginated(self) -> bool:
        return self.has_previous or self.has_next


def list_page(
    tickets: QuerySet[Ticket], *, page: str | None, size: int, ref: Reference | None = None
) -> ListPage:
    """Page ``page`` (1 when unreadable, the last one when past the end) of
    ``tickets`` in their order: a capped count and the page's rows."""
    count = tickets.order_by()[: COUNT_CAP + 1].count()
    capped = count > COUNT_CAP
    number = int(page) if page and page.isdigit() and 0 < int(page) < 10**6 else 1
    if not capped:
        number = min(number, max(1, -(-count // size)))
    start = (number - 1) * size
    rows = list_rows(tickets[start : start + size + 1], ref or reference(), timezone.now())
    return ListPage(
        rows=rows[:size],
        number=number,
        size=size,
        count=min(count, COUNT_CAP),
        capped=capped,
        has_next=len(rows) > size,
    )


def sla_badge(category: str, sla: Any, now: datetime) -> SlaBadge:
    """A list row's SLA from the stored instants and flags (no calendar work):
    the clock that runs now, how close it is to its due instant. ``sla``: the
    ticket's ``TicketSla`` (or its values), None when it has none."""
    if sla is None:
        return SlaBadge("none", None)
    if category in DONE_CATEGORIES:
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


def workspace_ticket(user: User, number: int) -> Ticket:
    """The ticket numbered ``number`` if ``user`` may see it (decided by
    ``visible_tickets``, as ``access_ticket`` does), else 404. Its status,
    type, priority and group come from the reference data: four joins fewer
    (planning a ten-table join cost PostgreSQL more than running it)."""
    if not 0 < number < 2**31:
        raise Http404
    shape = ("workspace_ticket", *_viewer_shape(user))
    marks = (MARK_NUMBER, MARK_USER) if _names_viewer(user) else (MARK_NUMBER,)
    compiled = compiled_query(
        Ticket, shape, lambda: _workspace_ticket_query(_marked_viewer(user), MARK_NUMBER), marks
    )
    if compiled is None:
        ticket = next(iter(_workspace_ticket_query(user, number)), None)
    else:
        rows = run_compiled(compiled, {MARK_NUMBER: number, MARK_USER: user.pk})
        ticket = compiled_instances(compiled, rows)[0] if rows else None
    if ticket is None:
        raise Http404
    with_reference([ticket], reference())
    return ticket


def _names_viewer(user: User) -> bool:
    """Whether ``visible_tickets(user)`` has the user's id in its SQL (all but
    the agents who see every ticket)."""
    active, _agent, every = _viewer_shape(user)
    return active and not every


def _workspace_ticket_query(user: User, number: int) -> QuerySet[Ticket]:
    from comptoir.tickets.services import MERGED_INTO

    # Whether it was merged into another ticket (``merged_into``), read with it.
    merged = (
        TicketEvent.objects.filter(ticket=OuterRef("pk"), field=MERGED_INTO)
        .order_by("-pk")
        .values("new_value")[:1]
    )
    return (
        visible_tickets(user)
        .select_related("requester", "organisation", "assignee", "follows")
        .annotate(merged_into_value=Subquery(merged))
        .filter(number=number)
        .order_by("pk")[:1]
    )


def merged_into(ticket: Ticket) -> int | None:
    """The number of the ticket ``ticket`` was merged into, if it was (as
    ``tickets.services.merged_into_number``; no query for a ticket read by
    ``workspace_ticket``)."""
    if not hasattr(ticket, "merged_into_value"):
        from comptoir.tickets.services import merged_into_number

        return merged_into_number(ticket)
    value = ticket.merged_into_value
    return int(value) if value and value.isdigit() else None


def agent_profile(user: User) -> DeskAgentProfile:
    return DeskAgentProfile.objects.filter(user=user).first() or DeskAgentProfile(user=user)


def saved_views(user: User) -> list[SavedView]:
    return list(SavedView.objects.filter(owner=user))


def saved_views_and_profile(user: User) -> tuple[list[SavedView], DeskAgentProfile]:
    """``saved_views`` and ``agent_profile`` (its ``away`` flag), in one query:
    every desk page shows both."""
    compiled = compiled_query(
        SavedView,
        ("saved_views_and_profile",),
        lambda: _saved_views_and_profile_query(User(pk=MARK_USER)),
        (MARK_USER,),
    )
    if compiled is None:
        rows = list(_saved_views_and_profile_query(user))
    else:
        rows = run_compiled(compiled, {MARK_USER: user.pk})
    found: list[SavedView] = []
    mine = DeskAgentProfile(user=user)
    # The views in their own order (``SavedView.Meta.ordering``), then the profile.
    for kind, pk, name, query, away in rows:
        if kind == 0:
            found.append(SavedView(pk=pk, owner=user, name=name, query=query))
        else:
            mine = DeskAgentProfile(pk=pk, user=user, away=away)
    return found, mine


def _saved_views_and_profile_query(user: User) -> QuerySet[Any, Any]:
    columns = ("kind", "pk", "name", "query", "away")
    # Each part unordered (a compound statement orders the whole only).
    views = (
        SavedView.objects.filter(owner=user)
        .annotate(kind=Value(0), away=Value(False))
        .order_by()
        .values_list(*columns)
    )
    profile = (
        DeskAgentProfile.objects.filter(user=user)
        .annotate(kind=Value(1), name=Value(""), query=Value(""))
        .order_by()
        .values_list(*columns)
    )
    return views.union(profile, all=True).order_by("kind", "name", "pk")


def usable_macros(user: User, *, related: bool = True) -> list[Macro]:
    """Shared macros and the agent's own, active ones only; with the rows
    they set (``related``), else their ids only (the ticket page)."""
    if not related:
        from comptoir.tickets.services import config_cached

        # Macros are configuration: kept with it (emptied when one is saved).
        every = config_cached("desk:active-macros", _active_macros)
        return [m for m in every if m.owner_id is None or m.owner_id == user.pk][:MAX_MACROS]
    macros = Macro.objects.filter(Q(owner__isnull=True) | Q(owner=user), active=True)
    macros = macros.select_related("set_status", "set_type", "set_priority", "set_group")
    return list(macros[:MAX_MACROS])


def _active_macros() -> list[Macro]:
    """Every active macro, shared and personal, in their order (a few per agent)."""
    return list(Macro.objects.filter(active=True))


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
    # Their status from the reference data: no join.
    return with_reference(
        list(
            visible_tickets(user)
            .filter(requester_id=ticket.requester_id)
            .exclude(pk=ticket.pk)
            .order_by("-updated_at")[:OTHER_TICKETS]
        ),
        reference(),
    )


def ticket_tags(ticket: Ticket) -> tuple[list[int], list[int]]:
    """The ids of the ticket's products and of its themes (one query)."""
    compiled = compiled_query(
        Ticket.products.through,
        ("ticket_tags",),
        lambda: _ticket_tags_query(Ticket(pk=MARK_TICKET)),
        (MARK_TICKET,),
    )
    if compiled is None:
        pairs = list(_ticket_tags_query(ticket))
    else:
        pairs = run_compiled(compiled, {MARK_TICKET: ticket.pk})
    found: tuple[list[int], list[int]] = ([], [])
    for kind, tag_id in pairs:
        found[kind].append(tag_id)
    return found


def _ticket_tags_query(ticket: Ticket) -> QuerySet[Any, Any]:
    return (
        Ticket.products.through.objects.filter(ticket=ticket)
        .annotate(kind=Value(0))
        .values_list("kind", "product_id")  # type: ignore[misc]
        .union(
            Ticket.themes.through.objects.filter(ticket=ticket)
            .annotate(kind=Value(1))
            .values_list("kind", "theme_id"),  # type: ignore[misc]
            all=True,
        )
    )


def ticket_organisations(ticket: Ticket) -> list[Organisation]:
    """The requester's organisations (``requester_member``) and the ticket's
    own, which the requester may have left since, by name: one query."""
    compiled = compiled_query(
        Organisation,
        ("ticket_organisations",),
        lambda: _ticket_organisations_query(MARK_REQUESTER, MARK_ORGANISATION),
        (MARK_REQUESTER, MARK_ORGANISATION),
    )
    if compiled is None:
        return list(_ticket_organisations_query(ticket.requester_id, ticket.organisation_id or 0))
    values = {MARK_REQUESTER: ticket.requester_id, MARK_ORGANISATION: ticket.organisation_id or 0}
    return compiled_instances(compiled, run_compiled(compiled, values))


def _ticket_organisations_query(requester_id: int, organisation_id: int) -> QuerySet[Organisation]:
    member = Membership.objects.filter(user_id=requester_id, organisation=OuterRef("pk"))
    # The ids as one set (not "member OR the ticket's": that reads every
    # organisation), so that the primary key finds the few rows.
    ids = (
        Membership.objects.filter(user_id=requester_id)
        .order_by()
        .values("organisation_id")
        .union(
            Organisation.objects.filter(pk=organisation_id).order_by().values("pk"),
            all=True,
        )
    )
    return (
        Organisation.objects.annotate(requester_member=Exists(member))
        .filter(pk__in=ids)
        .order_by("name")
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
    # One query: the other end of each link is read inside it (one ``IN``, so
    # that the few links drive the plan through the tickets' primary key).
    others = (
        TicketLink.objects.filter(Q(first=ticket) | Q(second=ticket))
        .annotate(other=Case(When(first=ticket, then=F("second_id")), default=F("first_id")))
        .values("other")
    )
    linked = visible_tickets(user).filter(pk__in=others).order_by("number")
    return with_reference(list(linked), reference())


def requester_and_linked_tickets(user: User, ticket: Ticket) -> tuple[list[Ticket], list[Ticket]]:
    """``requester_tickets`` and ``linked_tickets``, in one query (each part
    keeps its own plan and limit) where the database allows a limit inside a
    UNION, else in two."""
    if not connection.features.supports_slicing_ordering_in_compound:
        return requester_tickets(user, ticket), linked_tickets(user, ticket)
    marks = (MARK_TICKET, MARK_REQUESTER)
    compiled = compiled_query(
        Ticket,
        ("requester_and_linked", OTHER_TICKETS, *_viewer_shape(user)),
        lambda: _requester_and_linked_query(
            _marked_viewer(user), Ticket(pk=MARK_TICKET, requester_id=MARK_REQUESTER)
        ),
        (*marks, MARK_USER) if _names_viewer(user) else marks,
    )
    if compiled is None:
        tickets = list(_requester_and_linked_query(user, ticket))
    else:
        values = {MARK_TICKET: ticket.pk, MARK_REQUESTER: ticket.requester_id, MARK_USER: user.pk}
        tickets = compiled_instances(compiled, run_compiled(compiled, values))
    rows = with_reference(tickets, reference())
    found: tuple[list[Ticket], list[Ticket]] = ([], [])
    for row in rows:
        found[row.kind].append(row)  # type: ignore[attr-defined]
    # Ordered here: a UNION keeps no order of its parts.
    found[0].sort(key=lambda t: t.updated_at, reverse=True)
    found[1].sort(key=lambda t: t.number)
    return found


def _requester_and_linked_query(user: User, ticket: Ticket) -> QuerySet[Ticket]:
    others = (
        TicketLink.objects.filter(Q(first=ticket) | Q(second=ticket))
        .annotate(other=Case(When(first=ticket, then=F("second_id")), default=F("first_id")))
        .values("other")
    )
    theirs = (
        visible_tickets(user)
        .filter(requester_id=ticket.requester_id)
        .exclude(pk=ticket.pk)
        .annotate(kind=Value(0))
        .order_by("-updated_at")[:OTHER_TICKETS]
    )
    linked = visible_tickets(user).filter(pk__in=others).annotate(kind=Value(1)).order_by()
    return theirs.union(linked, all=True)


@dataclass(frozen=True)
class Presence:
    name: str
    typing: bool


def followers_and_present(
    ticket: Ticket, user: User, now: datetime | None = None
) -> tuple[list[User], list[Presence]]:
    """``followers`` and ``others_present``, in one query."""
    found = followers_and_presence(ticket, user, now)
    return found.followers, found.others


@dataclass(frozen=True)
class PresenceRead:
    """Followers, the other agents on the ticket, and when ``user``'s own
    presence was last written (None when not within ``PRESENCE_WINDOW``)."""

    followers: list[User]
    others: list[Presence]
    own_seen_at: datetime | None


def followers_and_presence(ticket: Ticket, user: User, now: datetime | None = None) -> PresenceRead:
    """Followers, other agents present and the viewer's own presence, in one query."""
    now = now or timezone.now()
    since = now - PRESENCE_WINDOW
    compiled = compiled_query(
        TicketFollower,
        ("followers_and_presence",),
        lambda: _followers_and_presence_query(
            Ticket(pk=MARK_TICKET), User(pk=MARK_USER), MARK_SINCE
        ),
        (MARK_TICKET, MARK_USER, MARK_SINCE),
    )
    if compiled is None:
        rows = list(_followers_and_presence_query(ticket, user, since))
    else:
        rows = run_compiled(
            compiled, {MARK_TICKET: ticket.pk, MARK_USER: user.pk, MARK_SINCE: since}
        )
    users: list[User] = []
    others: list[Presence] = []
    own_seen_at: datetime | None = None
    for kind, by_time, _name, user_id, first, last, email, typing_at in rows:
        if kind == 2:
            own_seen_at = by_time
            continue
        person = User(pk=user_id, first_name=first, last_name=last, email=email)
        if kind == 0:
            users.append(person)
        else:
            typing = typing_at is not None and typing_at >= now - TYPING_WINDOW
            others.append(Presence(person.display_name, typing))
    return PresenceRead(users, others, own_seen_at)


def _followers_and_presence_query(
    ticket: Ticket, user: User, since: datetime
) -> QuerySet[Any, Any]:
    columns = ("kind", "by_time", "by_name", "user_id", "first", "last", "email", "typing")
    follows = (
        TicketFollower.objects.filter(ticket=ticket)
        .annotate(
            kind=Value(0),
            by_time=F("created_at"),
            by_name=Value(None, output_field=CharField()),
            first=F("user__first_name"),
            last=F("user__last_name"),
            email=F("user__email"),
            typing=Value(None, output_field=DateTimeField()),
        )
        .order_by()
        .values_list(*columns)
    )
    # The viewer's own row comes as kind 2, its time in by_time (only it has one).
    own = Q(user=user)
    present = (
        TicketPresence.objects.filter(ticket=ticket, seen_at__gte=since)
        .annotate(
            kind=Case(When(own, then=Value(2)), default=Value(1)),
            by_time=Case(When(own, then=F("seen_at")), default=None, output_field=DateTimeField()),
            by_name=F("user__first_name"),
            first=F("user__first_name"),
            last=F("user__last_name"),
            email=F("user__email"),
            typing=F("typing_at"),
        )
        .order_by()
        .values_list(*columns)
    )
    return follows.union(present, all=True).order_by("kind", "by_time", "by_name")


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
