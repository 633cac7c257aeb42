"""Hours pages: the customer's balance and monthly statements (page, PDF, CSV)
and the agent's time entries on a ticket."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from comptoir.desk.views.common import AgentRequest, agent_required, desk_context
from comptoir.desk.workspace import workspace_context
from comptoir.reports.writers import safe_text
from comptoir.tickets.models import Ticket
from comptoir.tickets.queries import access_ticket

from . import services
from .durations import clock, format_minutes
from .forms import TimeEntryForm
from .models import Contract, TimeEntry
from .queries import (
    Statement,
    access_hours_organisation,
    active_contract,
    hours_organisations,
    monthly_statement,
    statement_months,
)


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise Http404
    return int(value)


def _month_param(value: str) -> date | None:
    try:
        year, month = (int(part) for part in value.split("-"))
        return date(year, month, 1)
    except ValueError:
        return None


def _selection(request: HttpRequest) -> dict[str, Any]:
    """The organisation, contract and month asked for, within what the user may see."""
    organisation = access_hours_organisation(request.user, _int_param(request, "org"))
    contracts = list(Contract.objects.filter(organisation=organisation).order_by("-start"))
    wanted = _int_param(request, "contract")
    contract = next((c for c in contracts if c.pk == wanted), None)
    if contract is None:
        if wanted is not None:
            raise Http404
        current = active_contract(organisation.pk)
        contract = current or (contracts[0] if contracts else None)
    months = statement_months(contract) if contract else []
    month = _month_param(request.GET.get("month", ""))
    if month not in months:
        month = months[0] if months else None
    statement = monthly_statement(contract, month) if contract and month else None
    return {
        "organisation": organisation,
        "contracts": contracts,
        "contract": contract,
        "months": months,
        "month": month,
        "statement": statement,
    }


@login_required
@require_GET
def hours(request: HttpRequest) -> HttpResponse:
    context = _selection(request)
    context["organisations"] = list(hours_organisations(request.user).order_by("name"))
    return render(request, "contracts/hours.html", context)


def _filename(statement: Statement, extension: str) -> str:
    return f"hours-{statement.contract.organisation_id}-{statement.month:%Y-%m}.{extension}"


def _statement_or_404(request: HttpRequest) -> tuple[dict[str, Any], Statement]:
    context = _selection(request)
    if context["statement"] is None:
        raise Http404
    return context, context["statement"]


@login_required
@require_GET
def statement_pdf(request: HttpRequest) -> HttpResponse:
    from weasyprint import HTML

    context, statement = _statement_or_404(request)

    def refuse(url: str, *args: Any, **kwargs: Any) -> Any:
        raise ValueError(f"Not fetched: {url}")

    html = render_to_string("contracts/statement_pdf.html", context, request=request)
    pdf = HTML(string=html, url_fetcher=refuse).write_pdf()
    response = HttpResponse(bytes(pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(statement, "pdf")}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def statement_csv(request: HttpRequest) -> HttpResponse:
    context, s = _statement_or_404(request)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Organisation"), safe_text(context["organisation"].name)])
    writer.writerow([_("Month"), f"{s.month:%Y-%m}"])
    writer.writerow([])
    writer.writerow([_("Line"), _("Hours"), _("Minutes")])
    for label, minutes in (
        (_("Carried over from last month"), s.carried_in),
        (_("Credited this month"), s.credited),
        (_("Used (billable)"), s.used),
        (_("Expired"), s.expired),
        (_("Carried over to next month") if s.complete else _("Balance so far"), s.carried_out),
    ):
        writer.writerow([label, clock(minutes), minutes])
    writer.writerow([])
    writer.writerow(
        [_("Ticket"), _("Subject"), _("Billable"), _("Billable minutes"), _("Not billable")]
    )
    for line in s.tickets:
        writer.writerow(
            [
                f"#{line.number}",
                safe_text(line.subject),
                clock(line.billable),
                line.billable,
                line.not_billable,
            ]
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(s, "csv")}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _desk_url(ticket: Ticket) -> str:
    return reverse("desk:ticket", kwargs={"number": ticket.number}) + "#time"


@agent_required
@require_POST
def time_add(request: AgentRequest, number: int) -> HttpResponse:
    ticket = access_ticket(request.user, number)
    form = TimeEntryForm(request.POST)
    if form.is_valid():
        try:
            services.time_entry_create(
                ticket=ticket,
                agent=request.user,
                minutes=form.cleaned_data["duration"],
                day=form.cleaned_data["day"],
                billable=form.cleaned_data["billable"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(time)s logged on %(ref)s.")
                % {"time": format_minutes(form.cleaned_data["duration"]), "ref": ticket.reference},
            )
            return redirect(_desk_url(ticket))
    # The ticket page comes back with the form as typed and its errors.
    context = {**desk_context(request), **workspace_context(request, ticket), "time_form": form}
    return render(request, "desk/ticket.html", context, status=400)


@agent_required
@require_POST
def time_delete(request: AgentRequest, number: int, pk: int) -> HttpResponse:
    ticket = access_ticket(request.user, number)
    entry = get_object_or_404(TimeEntry, pk=pk, ticket=ticket)
    services.time_entry_delete(entry=entry, actor=request.user)
    messages.success(request, _("Time entry deleted."))
    return redirect(_desk_url(ticket))
