"""Report numbers, each computed by the database (aggregates, GROUP BY, ORDER BY
with OFFSET for percentiles): the cost of a report grows with the number of
groups shown, never with the number of tickets.

Percentiles use the nearest-rank method: the p-th percentile of n sorted
values is the value at rank ceil(p * n) (the median of 1, 2, 3, 4 is 2).
"""

from __future__ import annotations

import math
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import Trunc
from django.utils.translation import gettext as _

from comptoir.sla.models import ClockState, TicketSla
from comptoir.tickets.models import (
    DONE_CATEGORIES,
    Channel,
    Message,
    Status,
    Ticket,
    TicketType,
)

from .models import Survey, TicketTiming
from .surveys import SUPERVISOR_ROLES, face_of

TOP = 50  # rows of a breakdown table (largest first)
AGENT_ROLES = ("agent", *SUPERVISOR_ROLES)


@dataclass(frozen=True)
class Scope:
    """The report's filters. ``end`` is exclusive; dates are in ``tz``."""

    start: datetime
    end: datetime
    tz: zoneinfo.ZoneInfo
    granularity: str = "day"
    group_id: int | None = None
    agent_id: int | None = None
    product_id: int | None = None
    type_id: int | None = None
    organisation_id: int | None = None

    @classmethod
    def for_days(cls, first: date, last: date, tz: zoneinfo.ZoneInfo, **kw: Any) -> Scope:
        return cls(
            start=datetime.combine(first, time(), tz),
            end=datetime.combine(last + timedelta(days=1), time(), tz),
            tz=tz,
            **kw,
        )

    def tickets(self, queryset: QuerySet[Any], prefix: str = "") -> QuerySet[Any]:
        """``queryset`` limited by group, agent, product, type and organisation;
        ``prefix`` reaches the ticket from another model (``"ticket__"``)."""
        conditions: dict[str, Any] = {}
        for name, value in (
            ("group_id", self.group_id),
            ("assignee_id", self.agent_id),
            ("type_id", self.type_id),
            ("organisation_id", self.organisation_id),
        ):
            if value is not None:
                conditions[prefix + name] = value
        if self.product_id is not None:
            with_product = Ticket.products.through.objects.filter(product_id=self.product_id)
            conditions[prefix + ("id__in" if prefix else "pk__in")] = with_product.values(
                "ticket_id"
            )
        return queryset.filter(**conditions)

    def during(self, name: str) -> Q:
        return Q(**{f"{name}__gte": self.start, f"{name}__lt": self.end})


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    chart: str = ""  # "line", "bar" or ""
    note: str = ""
    series: list[str] = field(default_factory=list)


# -- volumes ----------------------------------------------------------------------------


def buckets(scope: Scope) -> list[date]:
    """Every day, week (from Monday) or month start in the period, empty ones too."""
    first = scope.start.astimezone(scope.tz).date()
    last = (scope.end - timedelta(microseconds=1)).astimezone(scope.tz).date()
    if scope.granularity == "month":
        day, found = first.replace(day=1), []
        while day <= last:
            found.append(day)
            day = (day + timedelta(days=32)).replace(day=1)
        return found
    if scope.granularity == "week":
        first -= timedelta(days=first.weekday())
        step = timedelta(days=7)
    else:
        step = timedelta(days=1)
    found, day = [], first
    while day <= last:
        found.append(day)
        day += step
    return found


def _per_bucket(scope: Scope, queryset: QuerySet[Ticket], name: str) -> dict[date, int]:
    rows = (
        queryset.filter(scope.during(name))
        .annotate(bucket=Trunc(name, scope.granularity, tzinfo=scope.tz))
        .values("bucket")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {r["bucket"].astimezone(scope.tz).date(): r["n"] for r in rows}


def volume(scope: Scope) -> Table:
    tickets = scope.tickets(Ticket.objects.all())
    created = _per_bucket(scope, tickets, "created_at")
    solved = _per_bucket(scope, tickets, "resolved_at")
    rows = [[day, created.get(day, 0), solved.get(day, 0)] for day in buckets(scope)]
    return Table(
        "volume",
        _("Tickets created and solved"),
        [_("Period"), _("Created"), _("Solved")],
        rows,
        chart="line",
        series=[_("Created"), _("Solved")],
    )


# -- breakdowns ---------------------------------------------------------------------------


def _counted(queryset: QuerySet[Any], by: str, label: Callable[[Any], str]) -> list[list[Any]]:
    rows = queryset.values(by).annotate(n=Count("pk")).order_by("-n", by)[:TOP]
    return [[label(r[by]), r["n"]] for r in rows]


def _named(names: dict[Any, str]) -> Callable[[Any], str]:
    return lambda value: names.get(value, "") if value is not None else _("None")


def backlog(scope: Scope, by: str) -> Table:
    """Tickets not yet resolved, now, by status, group or agent."""
    open_now = scope.tickets(Ticket.objects.exclude(category__in=DONE_CATEGORIES))
    titles = {
        "status": _("Backlog by status"),
        "group": _("Backlog by group"),
        "agent": _("Backlog by agent"),
    }
    if by == "status":
        labels = {s.pk: s.label for s in Status.objects.all()}
        rows = _counted(open_now, "status_id", _named(labels))
    elif by == "group":
        rows = _counted(open_now, "group__name", lambda v: v or _("No group"))
    else:
        rows = _people(open_now.values("assignee_id"), "assignee", _("Not assigned"))
    header = {"status": _("Status"), "group": _("Group"), "agent": _("Agent")}[by]
    return Table(f"backlog_{by}", titles[by], [header, _("Tickets")], rows, "bar")


def _people(queryset: QuerySet[Any], prefix: str, nobody: str) -> list[list[Any]]:
    rows = (
        queryset.values(f"{prefix}_id", f"{prefix}__first_name", f"{prefix}__last_name",
                        f"{prefix}__email")
        .annotate(n=Count("pk"))
        .order_by("-n", f"{prefix}__email")[:TOP]
    )  # fmt: skip
    return [[_person_name(r, prefix) or nobody, r["n"]] for r in rows]


def _person_name(row: dict[str, Any], prefix: str) -> str:
    name = f"{row[prefix + '__first_name'] or ''} {row[prefix + '__last_name'] or ''}".strip()
    return name or row[prefix + "__email"] or ""


def created_by(scope: Scope, dimension: str) -> Table:
    """Tickets created in the period, by type, product, theme, organisation or channel."""
    tickets = scope.tickets(Ticket.objects.filter(scope.during("created_at")))
    titles = {
        "type": _("Type"),
        "product": _("Product"),
        "theme": _("Theme"),
        "organisation": _("Organisation"),
        "channel": _("Channel"),
    }
    if dimension == "type":
        names = {t.pk: t.label for t in TicketType.objects.all()}
        rows = _counted(tickets, "type_id", _named(names))
    elif dimension == "channel":
        channels = dict(Channel.choices)
        rows = _counted(tickets, "channel", lambda v: str(channels.get(v, v)))
    else:
        # Through the many-to-many join: a ticket counts once for each of its products.
        by = {"product": "products__name", "theme": "themes__name"}.get(
            dimension, "organisation__name"
        )
        rows = _counted(tickets, by, lambda v: v or _("None"))
    title = titles[dimension]
    return Table(
        f"by_{dimension}",
        _("Tickets created by %(dimension)s") % {"dimension": title.lower()},
        [title, _("Tickets")],
        rows,
        "bar",
    )


# -- times and SLA -------------------------------------------------------------------------


def percentile(queryset: QuerySet[Any], name: str, count: int, p: float) -> Any:
    """Nearest-rank percentile of ``name``, read by the database (ORDER BY ... OFFSET)."""
    if count == 0:
        return None
    rank = max(math.ceil(p * count) - 1, 0)
    found = list(queryset.order_by(name).values_list(name, flat=True)[rank : rank + 1])
    return found[0] if found else None


def _distribution(queryset: QuerySet[Any], name: str) -> list[Any]:
    count = queryset.count()
    return [count, percentile(queryset, name, count, 0.5), percentile(queryset, name, count, 0.9)]


def times(scope: Scope) -> Table:
    """First response (tickets created in the period) and resolution (tickets
    solved in the period), in business time; paused time is not counted."""
    responses = scope.tickets(
        TicketTiming.objects.filter(scope.during("ticket__created_at")), "ticket__"
    )
    resolutions = scope.tickets(
        TicketSla.objects.filter(
            scope.during("ticket__resolved_at"),
            resolution_state=ClockState.STOPPED,
            responded_at__isnull=False,
        ),
        "ticket__",
    )
    return Table(
        "times",
        _("Response and resolution times (business time)"),
        [_("Measure"), _("Tickets"), _("Median"), _("90th percentile")],
        [
            [_("First response"), *_distribution(responses, "response_business")],
            [_("Resolution"), *_distribution(resolutions, "resolution_elapsed")],
        ],
        note=_(
            "First response: from creation to the first answer or handling. Resolution: from "
            "then to the resolution, without the time spent waiting for the customer."
        ),
    )


def sla_compliance(scope: Scope) -> Table:
    slas = scope.tickets(TicketSla.objects.all(), "ticket__")
    response = slas.filter(
        scope.during("ticket__created_at"), response_target__isnull=False
    ).filter(Q(responded_at__isnull=False) | Q(response_breached=True))
    resolution = slas.filter(
        scope.during("ticket__resolved_at"),
        resolution_target__isnull=False,
        resolution_state=ClockState.STOPPED,
    )
    rows = []
    for label, queryset, flag in (
        (_("First response"), response, "response_breached"),
        (_("Resolution"), resolution, "resolution_breached"),
    ):
        counts = queryset.aggregate(total=Count("pk"), met=Count("pk", filter=Q(**{flag: False})))
        total, met = counts["total"], counts["met"]
        rows.append([label, total, met, total - met, _percent(met, total)])
    return Table(
        "sla",
        _("SLA compliance"),
        [_("Target"), _("Tickets with a target"), _("Met"), _("Missed"), _("Met (%)")],
        rows,
    )


def _percent(part: int, whole: int) -> float | None:
    return None if not whole else round(100 * part / whole, 1)


# -- satisfaction ---------------------------------------------------------------------------


def satisfaction(scope: Scope) -> tuple[Table, Table, list[Survey]]:
    """(summary, distribution, latest comments) of answers given in the period."""
    surveys = scope.tickets(Survey.objects.all(), "ticket__")
    answered = surveys.filter(scope.during("answered_at"), score__isnull=False)
    summary = answered.aggregate(n=Count("pk"), average=Avg("score"))
    sent = surveys.filter(scope.during("created_at")).count()
    average = summary["average"]
    table = Table(
        "satisfaction",
        _("Satisfaction"),
        [_("Surveys sent"), _("Answers"), _("Average (1 to 5)"), _("Answer rate (%)")],
        [[sent, summary["n"], None if average is None else round(average, 2),
          _percent(summary["n"], sent)]],
    )  # fmt: skip
    counts = dict(answered.values_list("score").annotate(n=Count("pk")).order_by())
    distribution = Table(
        "satisfaction_distribution",
        _("Ratings"),
        [_("Rating"), _("Answers")],
        [[_face_label(score), counts.get(score, 0)] for score in (5, 4, 3, 2, 1)],
        "bar",
    )
    comments = list(
        answered.exclude(comment="").select_related("ticket").order_by("-answered_at", "-pk")[:20]
    )
    return table, distribution, comments


def _face_label(score: int) -> str:
    face = face_of(score)
    return f"{score} {face.emoji} {face.label}" if face else str(score)


# -- workload ---------------------------------------------------------------------------------


def workload(scope: Scope) -> Table:
    """Per agent: tickets in hand now, tickets solved and public replies in the period."""
    open_now = scope.tickets(Ticket.objects.exclude(category__in=DONE_CATEGORIES))
    solved = scope.tickets(Ticket.objects.filter(scope.during("resolved_at")))
    replies = scope.tickets(
        Message.objects.filter(
            scope.during("created_at"), internal=False, author__role__in=AGENT_ROLES
        ),
        "ticket__",
    )
    table: dict[int, list[Any]] = {}
    names: dict[int, str] = {}
    for index, (queryset, prefix) in enumerate(
        ((open_now, "assignee"), (solved, "assignee"), (replies, "author"))
    ):
        rows = (
            queryset.filter(**{f"{prefix}__isnull": False})
            .values(f"{prefix}_id", f"{prefix}__first_name", f"{prefix}__last_name",
                    f"{prefix}__email")
            .annotate(n=Count("pk"))
            .order_by()
        )  # fmt: skip
        for row in rows:
            pk = row[f"{prefix}_id"]
            names[pk] = _person_name(row, prefix)
            table.setdefault(pk, [0, 0, 0])[index] = row["n"]
    ordered = sorted(table.items(), key=lambda item: (-sum(item[1]), names[item[0]]))[:TOP]
    return Table(
        "workload",
        _("Agent workload"),
        [_("Agent"), _("Open tickets now"), _("Solved in the period"), _("Public replies")],
        [[names[pk], *counts] for pk, counts in ordered],
        "bar",
    )


def all_tables(scope: Scope) -> dict[str, Table]:
    tables = [
        volume(scope),
        backlog(scope, "status"),
        backlog(scope, "group"),
        backlog(scope, "agent"),
        *(created_by(scope, d) for d in ("type", "product", "theme", "organisation", "channel")),
        times(scope),
        sla_compliance(scope),
        workload(scope),
    ]
    return {t.key: t for t in tables}


def table_named(scope: Scope, key: str) -> Table | None:
    """One table by key (for its CSV) without computing the others."""
    makers: dict[str, Callable[[], Table]] = {
        "volume": lambda: volume(scope),
        "times": lambda: times(scope),
        "sla": lambda: sla_compliance(scope),
        "workload": lambda: workload(scope),
        "satisfaction": lambda: satisfaction(scope)[0],
        "satisfaction_distribution": lambda: satisfaction(scope)[1],
    }
    for by in ("status", "group", "agent"):
        makers[f"backlog_{by}"] = lambda by=by: backlog(scope, by)  # type: ignore[misc]
    for dim in ("type", "product", "theme", "organisation", "channel"):
        makers[f"by_{dim}"] = lambda dim=dim: created_by(scope, dim)  # type: ignore[misc]
    maker = makers.get(key)
    return maker() if maker else None
