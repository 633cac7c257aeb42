"""The supervisors' dashboard and each of its tables as CSV."""

from __future__ import annotations

import csv
from datetime import timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from . import charts, metrics
from .forms import ReportFilterForm
from .metrics import Scope, Table
from .surveys import is_supervisor
from .writers import safe_text


def _scope(request: HttpRequest) -> tuple[ReportFilterForm, Scope]:
    if not is_supervisor(request.user):
        raise PermissionDenied(_("Reports are for supervisors."))
    form = ReportFilterForm(request.GET or None)
    first, last = form.period()
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}

    def pk(name: str) -> int | None:
        value = data.get(name)
        return value.pk if value is not None else None

    scope = Scope.for_days(
        first,
        last,
        timezone.get_current_timezone(),  # type: ignore[arg-type]
        granularity=form.granularity_value(),
        group_id=pk("group"),
        agent_id=pk("agent"),
        product_id=pk("product"),
        type_id=pk("type"),
        organisation_id=pk("organisation"),
    )
    return form, scope


def _day_format(request: HttpRequest) -> str:
    # The user's date format without its time: "d/m/Y H:i" -> "d/m/Y".
    return str(getattr(request.user, "date_format", "Y-m-d H:i")).split(" ")[0]


def _cell(value: Any, day_format: str) -> str:
    if value is None:
        return "—"
    if hasattr(value, "total_seconds"):
        minutes = int(value.total_seconds() // 60)
        return f"{minutes // 60} h {minutes % 60:02d}"
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return dateformat.format(value, day_format)
    return str(value)


def _display(table: Table, day_format: str) -> dict[str, Any]:
    rows = [[_cell(v, day_format) for v in row] for row in table.rows]
    chart = ""
    if table.chart == "line":
        chart = charts.line_chart(
            table.key,
            table.title,
            [r[0] for r in rows],
            [
                (name, [charts.number(r[i + 1]) for r in table.rows])
                for i, name in enumerate(table.series)
            ],
        )
    elif table.chart == "bar" and table.rows:
        chart = charts.bar_chart(
            table.key,
            table.title,
            [
                (shown[0], charts.number(raw[1]))
                for shown, raw in zip(rows, table.rows, strict=True)
            ],
        )
    return {"table": table, "rows": rows, "chart": chart}


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    form, scope = _scope(request)
    day_format = _day_format(request)
    tables = metrics.all_tables(scope)
    summary, distribution, comments = metrics.satisfaction(scope)
    sections = [_display(t, day_format) for t in tables.values()]
    sections += [_display(summary, day_format), _display(distribution, day_format)]
    return render(
        request,
        "reports/dashboard.html",
        {
            "form": form,
            "scope": scope,
            "sections": sections,
            "comments": comments,
            "query": request.GET.urlencode(),
            "first": scope.start,
            "last": scope.end - timedelta(seconds=1),
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def table_csv(request: HttpRequest, key: str) -> HttpResponse:
    _form, scope = _scope(request)
    table = metrics.table_named(scope, key)
    if table is None:
        raise Http404
    day_format = _day_format(request)
    writer = csv.writer(_Echo())
    lines = [writer.writerow([safe_text(h) for h in table.headers])]
    lines += [
        writer.writerow(
            [safe_text(_cell(v, day_format)) if not isinstance(v, int | float) else v
             for v in row]
        )
        for row in table.rows
    ]  # fmt: skip
    response = HttpResponse("\ufeff" + "".join(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="report-{key}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
