"""Around a ticket: merging a duplicate, followers, linked tickets, presence."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.tickets import services as ticket_services
from comptoir.tickets.queries import access_ticket

from .. import queries, services
from ..forms import TicketNumberForm
from .common import AgentRequest, agent_required
from .ticket import ticket_url


@agent_required
@require_POST
def merge(request: AgentRequest, number: int) -> HttpResponse:
    """Merge this ticket (a duplicate) into the ticket whose number is given."""
    ticket = access_ticket(request.user, number)
    form = TicketNumberForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors["number"]))
        return redirect(ticket_url(ticket))
    try:
        target = access_ticket(request.user, form.cleaned_data["number"])
    except Http404:
        messages.error(
            request, _("There is no ticket #%(n)s.") % {"n": form.cleaned_data["number"]}
        )
        return redirect(ticket_url(ticket))
    try:
        ticket_services.ticket_merge(source=ticket, target=target, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(ticket_url(ticket))
    messages.success(
        request,
        _("Ticket %(old)s was merged into %(new)s; its requester has been told.")
        % {"old": ticket.reference, "new": target.reference},
    )
    return redirect(ticket_url(target))


@agent_required
@require_POST
def follow(request: AgentRequest, number: int) -> HttpResponse:
    ticket = access_ticket(request.user, number)
    if services.follower_toggle(ticket=ticket, user=request.user):
        messages.success(request, _("You follow this ticket."))
    else:
        messages.success(request, _("You no longer follow this ticket."))
    return redirect(ticket_url(ticket))


@agent_required
@require_POST
def link_add(request: AgentRequest, number: int) -> HttpResponse:
    ticket = access_ticket(request.user, number)
    form = TicketNumberForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors["number"]))
        return redirect(ticket_url(ticket))
    try:
        other = access_ticket(request.user, form.cleaned_data["number"])
        services.link_add(ticket=ticket, other=other, user=request.user)
    except Http404:
        messages.error(
            request, _("There is no ticket #%(n)s.") % {"n": form.cleaned_data["number"]}
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Linked to %(ref)s.") % {"ref": other.reference})
    return redirect(ticket_url(ticket))


@agent_required
@require_POST
def link_remove(request: AgentRequest, number: int, other: int) -> HttpResponse:
    ticket = access_ticket(request.user, number)
    services.link_remove(ticket=ticket, other=access_ticket(request.user, other), user=request.user)
    messages.success(request, _("Link removed."))
    return redirect(ticket_url(ticket))


@agent_required
@require_POST
def presence(request: AgentRequest, number: int) -> JsonResponse:
    """Called by the open page every few seconds: says who else is here, who is
    typing, and whether a message arrived since the page was loaded."""
    ticket = access_ticket(request.user, number)
    services.presence_touch(
        ticket=ticket, user=request.user, typing=request.POST.get("typing") == "1"
    )
    seen = request.POST.get("seen", "")
    newer = queries.newer_messages(ticket, request.user, int(seen)) if seen.isdigit() else []
    return JsonResponse(
        {
            "others": [
                {"name": p.name, "typing": p.typing}
                for p in queries.others_present(ticket, request.user)
            ],
            "newer": [{"author": m.author.display_name, "internal": m.internal} for m in newer],
        }
    )
