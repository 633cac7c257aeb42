"""Ticket exports: which columns a person may choose, the rows, CSV and Excel.

Rows come from ``tickets.queries`` (what the person may see, with the same
tabs, keywords and filters as the list they came from), in ONE query streamed
with ``iterator()``: products, themes, description and rating are correlated
subqueries, reference data (statuses, types, priorities) is read once. Memory
and query count do not grow with the number of rows.

Files are written by ``writers``.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery, Value
from django.db.models.aggregates import StringAgg
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from comptoir.accounts.models import User
from comptoir.tickets.models import (
    Category,
    Channel,
    CustomField,
    FieldType,
    Message,
    Priority,
    Status,
    Ticket,
    TicketType,
)
from comptoir.tickets.queries import PORTAL_TABS, SORTS, portal_ticket_list

from .models import Survey

CHUNK = 2000


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    agents_only: bool = False
    custom: CustomField | None = None


BASE_COLUMNS = (
    Column("number", gettext_lazy("Number")),
    Column("subject", gettext_lazy("Subject")),
    Column("status", gettext_lazy("Status")),
    Column("type", gettext_lazy("Type")),
    Column("priority", gettext_lazy("Priority")),
    Column("requester", gettext_lazy("Requester")),
    Column("requester_email", gettext_lazy("Requester's email")),
    Column("organisation", gettext_lazy("Organisation")),
    Column("group", gettext_lazy("Group"), agents_only=True),
    Column("assignee", gettext_lazy("Assigned agent")),
    Column("products", gettext_lazy("Products")),
    Column("themes", gettext_lazy("Themes")),
    Column("channel", gettext_lazy("Channel")),
    Column("created_at", gettext_lazy("Created")),
    Column("updated_at", gettext_lazy("Last update")),
    Column("first_response_at", gettext_lazy("First response")),
    Column("resolved_at", gettext_lazy("Resolved")),
    Column("closed_at", gettext_lazy("Closed")),
    Column("description", gettext_lazy("Description")),
    Column("response_breached", gettext_lazy("Response time exceeded"), agents_only=True),
    Column("resolution_breached", gettext_lazy("Resolution time exceeded"), agents_only=True),
    Column("satisfaction", gettext_lazy("Satisfaction (1 to 5)"), agents_only=True),
    Column("satisfaction_comment", gettext_lazy("Satisfaction comment"), agents_only=True),
)
DEFAULT_FIELDS = (
    "number",
    "subject",
    "status",
    "type",
    "priority",
    "requester",
    "created_at",
    "updated_at",
    "resolved_at",
)
# The list filters agents' exports accept (besides tab, q, sort and dir).
AGENT_FILTERS = (
    "category",
    "status",
    "type",
    "priority",
    "group",
    "assignee",
    "organisation",
    "product",
    "requester",
)
FORMATS = ("csv", "xlsx")


def available_columns(user: User) -> list[Column]:
    """What ``user`` may export: agent-only columns and custom fields hidden from
    customers are left out for customers."""
    fields = CustomField.objects.all()
    if not user.is_agent:
        fields = fields.filter(visible_to_customer=True)
    columns = [c for c in BASE_COLUMNS if user.is_agent or not c.agents_only]
    columns += [Column(f"cf:{f.key}", f.label, custom=f) for f in fields]
    return columns


@dataclass
class ExportParams:
    """What to export: parsed from a form or a job's stored parameters."""

    format: str = "csv"
    fields: list[str] = field(default_factory=lambda: list(DEFAULT_FIELDS))
    date_from: date | None = None
    date_to: date | None = None
    filters: dict[str, list[str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "fields": self.fields,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "filters": self.filters,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ExportParams:
        return cls(
            format=data.get("format", "csv"),
            fields=list(data.get("fields", DEFAULT_FIELDS)),
            date_from=date.fromisoformat(data["date_from"]) if data.get("date_from") else None,
            date_to=date.fromisoformat(data["date_to"]) if data.get("date_to") else None,
            filters={k: list(v) for k, v in data.get("filters", {}).items()},
        )


def list_filters(data: Any, *, agent: bool) -> dict[str, list[str]]:
    """The list parameters (a QueryDict or dict of lists) an export keeps."""
    names = ("tab", "q", "sort", "dir", "scope", *(AGENT_FILTERS if agent else ()))
    kept = {}
    for name in names:
        values = [v for v in data.getlist(name) if v][:50] if hasattr(data, "getlist") else []
        if values:
            kept[name] = [v[:200] for v in values]
    return kept


def user_tz(user: User) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(user.time_zone or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _one(filters: dict[str, list[str]], name: str, default: str = "") -> str:
    values = filters.get(name) or [default]
    return values[0]


def _ids(values: Iterable[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


def _agent_filters(tickets: QuerySet[Ticket], filters: dict[str, list[str]], user: User) -> Any:
    if cats := [c for c in filters.get("category", []) if c in Category.values]:
        tickets = tickets.filter(category__in=cats)
    if slugs := filters.get("status"):
        tickets = tickets.filter(status__slug__in=slugs)
    if slugs := filters.get("type"):
        tickets = tickets.filter(type__slug__in=slugs)
    if slugs := filters.get("priority"):
        tickets = tickets.filter(priority__slug__in=slugs)
    for name in ("group", "assignee"):
        values = filters.get(name, [])
        if "me" in values and name == "assignee":
            values = [*values, str(user.pk)]
        if "none" in values:
            tickets = tickets.filter(**{f"{name}__isnull": True})
        elif ids := _ids(values):
            tickets = tickets.filter(**{f"{name}__in": ids})
    for name in ("organisation", "requester"):
        if ids := _ids(filters.get(name, [])):
            tickets = tickets.filter(**{f"{name}__in": ids})
    if ids := _ids(filters.get("product", [])):
        tickets = tickets.filter(
            pk__in=Ticket.products.through.objects.filter(product_id__in=ids).values("ticket_id")
        )
    return tickets


def export_tickets(user: User, params: ExportParams) -> QuerySet[Ticket]:
    """The tickets ``user`` asked for, within what they may see (``visible_tickets``)."""
    filters = params.filters
    tab = _one(filters, "tab", "all")
    sort = _one(filters, "sort", "created")
    tickets = portal_ticket_list(
        user,
        tab=tab if tab in PORTAL_TABS else "all",
        q=_one(filters, "q")[:200],
        sort=sort if sort in SORTS else "created",
        direction="asc" if _one(filters, "dir") == "asc" else "desc",
        # My tickets shows the person's own tickets unless they chose the organisation's.
        scope="organisation" if _one(filters, "scope") == "organisation" else "mine",
    )
    tz = user_tz(user)
    if params.date_from:
        tickets = tickets.filter(created_at__gte=datetime.combine(params.date_from, time(), tz))
    if params.date_to:
        end = datetime.combine(params.date_to + timedelta(days=1), time(), tz)
        tickets = tickets.filter(created_at__lt=end)
    if user.is_agent:
        tickets = _agent_filters(tickets, filters, user)
    return tickets


# -- rows ---------------------------------------------------------------------------------

_PLAIN = {
    "number": "number",
    "subject": "subject",
    "channel": "channel",
    "created_at": "created_at",
    "updated_at": "updated_at",
    "first_response_at": "first_response_at",
    "resolved_at": "resolved_at",
    "closed_at": "closed_at",
    "organisation": "organisation__name",
    "group": "group__name",
    "requester_email": "requester__email",
    "response_breached": "sla__response_breached",
    "resolution_breached": "sla__resolution_breached",
    "status": "status_id",
    "type": "type_id",
    "priority": "priority_id",
}
_PEOPLE = {
    "requester": ("requester__first_name", "requester__last_name", "requester__email"),
    "assignee": ("assignee__first_name", "assignee__last_name", "assignee__email"),
}


def _joined_names(relation: str, name: str) -> Subquery:
    through = getattr(Ticket, relation).through
    target = relation[:-1]  # products -> product
    # Names in alphabetical order where the database can (SQLite >= 3.44, PostgreSQL).
    field = f"{target}__{name}"
    if connection.features.supports_aggregate_order_by_clause:
        names = StringAgg(field, Value(", "), order_by=field)
    else:
        names = StringAgg(field, Value(", "))
    return Subquery(
        through.objects.filter(ticket_id=OuterRef("pk"))
        .values("ticket_id")
        .annotate(names=names)
        .values("names")[:1]
    )


def _annotations(keys: set[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if "products" in keys:
        found["x_products"] = _joined_names("products", "name")
    if "themes" in keys:
        found["x_themes"] = _joined_names("themes", "name")
    if "description" in keys:
        first = Message.objects.filter(ticket_id=OuterRef("pk"), internal=False)
        found["x_description"] = Subquery(
            first.order_by("created_at", "pk").values("body_text")[:1]
        )
    answered = Survey.objects.filter(ticket_id=OuterRef("pk"), answered_at__isnull=False)
    answered = answered.order_by("-answered_at", "-pk")
    if "satisfaction" in keys:
        found["x_satisfaction"] = Subquery(answered.values("score")[:1])
    if "satisfaction_comment" in keys:
        found["x_satisfaction_comment"] = Subquery(answered.values("comment")[:1])
    return found


def _custom_reader(column: Column) -> Callable[[dict[str, Any]], Any]:
    """The cell of a custom field, from the ticket's ``custom_fields``."""
    custom = column.custom
    assert custom is not None
    key, kind = custom.key, custom.field_type
    choice = kind in (FieldType.CHOICE, FieldType.MULTI_CHOICE)
    labels = dict(custom.choice_pairs()) if choice else {}
    yes, no = _("Yes"), _("No")

    def read(values: dict[str, Any]) -> Any:
        value = values.get(key)
        if value in (None, "", []):
            return ""
        if choice:
            items = value if isinstance(value, list) else [value]
            return ", ".join(labels.get(str(v), str(v)) for v in items)
        if kind == FieldType.CHECKBOX:
            return yes if value else no
        if kind == FieldType.NUMBER and isinstance(value, int | float):
            return value
        return str(value)

    return read


Cell = Callable[[tuple[Any, ...]], Any]


class RowMaker:
    """Turns one ``values_list()`` row into the chosen cells (datetimes stay aware).

    Everything that does not depend on the row is worked out once: each column
    becomes a small function of the row, and the labels of statuses, types,
    priorities, channels and yes/no are read in the current language up front."""

    def __init__(self, user: User, columns: list[Column], fields: list[str]) -> None:
        self.columns = columns
        self.agent = user.is_agent
        self.index = {name: i for i, name in enumerate(fields)}
        self.statuses = {
            s.pk: (s.label if self.agent else s.customer_label) for s in Status.objects.all()
        }
        self.types = {t.pk: t.label for t in TicketType.objects.all()}
        self.priorities = {p.pk: p.label for p in Priority.objects.all()}
        self.channels = {value: str(label) for value, label in Channel.choices}
        self.yes, self.no = _("Yes"), _("No")
        self.cells = [self._cell(c) for c in columns]

    def _cell(self, column: Column) -> Cell:
        key, at = column.key, self.index
        if column.custom is not None:
            i, read = at["custom_fields"], _custom_reader(column)
            return lambda row: read(row[i] or {})
        if key in _PEOPLE:
            first, last, email = (at[name] for name in _PEOPLE[key])

            def person(row: tuple[Any, ...]) -> str:
                name = f"{row[first] or ''} {row[last] or ''}".strip()
                return name or row[email] or ""

            return person
        labels = {
            "status": self.statuses,
            "type": self.types,
            "priority": self.priorities,
        }.get(key)
        if labels is not None:
            i = at[_PLAIN[key]]
            return lambda row: labels.get(row[i], "")
        if key == "channel":
            i, channels = at["channel"], self.channels
            return lambda row: channels.get(row[i], row[i])
        if key in ("response_breached", "resolution_breached"):
            i, yes, no = at[_PLAIN[key]], self.yes, self.no
            return lambda row: "" if row[i] is None else (yes if row[i] else no)
        if key in _PLAIN:
            i = at[_PLAIN[key]]
            return lambda row: row[i]
        i = at[f"x_{key}"]
        return lambda row: row[i] or ""

    def __call__(self, row: tuple[Any, ...]) -> list[Any]:
        return [cell(row) for cell in self.cells]


def chosen_columns(user: User, fields: Iterable[str]) -> list[Column]:
    by_key = {c.key: c for c in available_columns(user)}
    return [by_key[k] for k in dict.fromkeys(fields) if k in by_key]


def export_rows(
    user: User, params: ExportParams
) -> tuple[list[Column], QuerySet[Ticket], Iterator[list[Any]]]:
    """(columns, the rows' queryset for counting, an iterator of rows)."""
    columns = chosen_columns(user, params.fields) or chosen_columns(user, DEFAULT_FIELDS)
    keys = {c.key for c in columns}
    tickets = export_tickets(user, params)
    needed = {"pk"}
    for key in keys:
        if key in _PLAIN:
            needed.add(_PLAIN[key])
        needed.update(_PEOPLE.get(key, ()))
        if key.startswith("cf:"):
            needed.add("custom_fields")
    annotations = _annotations(keys)
    fields = [*sorted(needed), *annotations]
    rows = tickets.annotate(**annotations).values_list(*fields)
    make = RowMaker(user, columns, fields)
    return columns, tickets, map(make, rows.iterator(chunk_size=CHUNK))
