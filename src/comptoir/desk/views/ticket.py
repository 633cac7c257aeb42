"""The ticket workspace: conversation, reply or note, requalification, status,
assignment."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from comptoir.tickets import services as ticket_services
from comptoir.tickets.models import Ticket
from comptoir.tickets.queries import access_ticket

from .. import queries
from ..forms import AssignForm, Mode, ReplyForm, RequalifyForm, StatusForm
from ..models import Macro
from ..workspace import workspace_context
from .common import AgentRequest, agent_required, desk_context, store_uploads


def ticket_url(ticket: Ticket, anchor: str = "") -> str:
    url = reverse("desk:ticket", kwargs={"number": ticket.number})
    return f"{url}#{anchor}" if anchor else url


def _render(
    request: AgentRequest, ticket: Ticket, status: int = 200, **parts: object
) -> HttpResponse:
    return render(
        request,
        "desk/ticket.html",
        {**desk_context(request), **workspace_context(request, ticket, **parts)},  # type: ignore[arg-type]
        status=status,
    )


@agent_required
@require_GET
def ticket_detail(request: AgentRequest, number: int) -> HttpResponse:
    ticket = queries.workspace_ticket(request.user, number)
    merged = queries.merged_into(ticket)
    if merged is not None:
        # The old number of a merged duplicate leads to the ticket it went into.
        messages.info(
            request,
            _("Ticket %(old)s was merged into #%(new)s.")
            % {"old": ticket.reference, "new": merged},
        )
        return redirect("desk:ticket", number=merged)
    # A macro applied without JavaScript: the page comes back with it filled in.
    wanted = request.GET.get("macro", "")
    macro = _usable_macro(request, int(wanted)) if wanted.isdigit() else None
    return _render(request, ticket, macro=macro, opened=True)


@agent_required
@require_POST
def reply(request: AgentRequest, number: int) -> HttpResponse:
    ticket = access_ticket(request.user, number)
    form = ReplyForm(request.POST, request.FILES)
    kept = store_uploads(request, form)
    if not form.is_valid():
        return _render(request, ticket, 400, reply_form=form, pending=kept)
    seen = form.cleaned_data.get("seen_message") or 0
    newer = queries.newer_messages(ticket, request.user, seen)
    if newer:
        # Someone wrote while this agent was typing: show it, keep the draft,
        # and send on the next press.
        cast(QueryDict, form.data)["seen_message"] = str(max(m.pk for m in newer))
        return _render(request, ticket, 409, reply_form=form, pending=kept, collision=newer)
    note = form.cleaned_data["mode"] == Mode.NOTE
    try:
        with transaction.atomic():
            result = ticket_services.ticket_reply(
                ticket=ticket,
                author=request.user,
                body_html=form.body_html("body"),
                attachments=kept,
                internal=note,
            )
            if changes := form.changes():
                ticket_services.ticket_update_fields(ticket=ticket, actor=request.user, **changes)
            if status := form.cleaned_data.get("then_status"):
                ticket_services.ticket_change_status(
                    ticket=ticket, actor=request.user, status=status
                )
    except ValidationError as error:
        form.add_error("body", error)
        return _render(request, ticket, 400, reply_form=form, pending=kept)
    messages.success(request, _("Internal note added.") if note else _("Reply sent."))
    return redirect(ticket_url(ticket, f"message-{result.message.pk}"))


@agent_required
@require_POST
def requalify(request: AgentRequest, number: int) -> HttpResponse:
    ticket = access_ticket(request.user, number)
    form = RequalifyForm(request.POST, ticket=ticket)
    if not form.is_valid():
        return _render(request, ticket, 400, requalify_form=form)
    try:
        ticket_services.ticket_update_fields(
            ticket=ticket, actor=request.user, **form.changes(ticket)
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _render(request, ticket, 400, requalify_form=form)
    messages.success(request, _("Ticket data saved."))
    return redirect(ticket_url(ticket))


@agent_required
@require_POST
def assign(request: AgentRequest, number: int) -> HttpResponse:
    ticket = access_ticket(request.user, number)
    form = AssignForm(request.POST, agents=queries.agents())
    if not form.is_valid():
        messages.error(request, _("That agent or group cannot be chosen."))
        return redirect(ticket_url(ticket))
    assignee = request.user if "me" in request.POST else form.cleaned_data["assignee"]
    group = form.cleaned_data["group"]
    try:
        with transaction.atomic():
            if group != ticket.group:
                ticket_services.ticket_update_fields(ticket=ticket, actor=request.user, group=group)
            if assignee != ticket.assignee:
                ticket_services.ticket_assign(ticket=ticket, actor=request.user, assignee=assignee)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(ticket_url(ticket))
    if assignee is None:
        messages.success(request, _("The ticket is assigned to nobody."))
    else:
        messages.success(
            request, _("The ticket is assigned to %(name)s.") % {"name": assignee.display_name}
        )
    return redirect(ticket_url(ticket))


@agent_required
@require_POST
def change_status(request: AgentRequest, number: int) -> HttpResponse:
    ticket = access_ticket(request.user, number)
    form = StatusForm(request.POST)
    if form.is_valid():
        status = form.cleaned_data["status"]
        ticket_services.ticket_change_status(ticket=ticket, actor=request.user, status=status)
        messages.success(request, _("Status changed to “%(status)s”.") % {"status": status.label})
    else:
        messages.error(request, _("Choose a status."))
    return redirect(ticket_url(ticket))


def _usable_macro(request: AgentRequest, macro_id: int) -> Macro | None:
    return next((m for m in queries.usable_macros(request.user) if m.pk == macro_id), None)
