"""Everything the ticket workspace shows, gathered in one place for its views."""

from __future__ import annotations

from typing import Any

from comptoir.kb.related import related_for_ticket_form
from comptoir.portal.views import _custom_display
from comptoir.sla.queries import ticket_sla_state
from comptoir.tickets import queries as ticket_queries
from comptoir.tickets.models import Attachment, Ticket

from . import queries
from .forms import AssignForm, ReplyForm, RequalifyForm, StatusForm, TicketNumberForm
from .history import ticket_history
from .macros import PLACEHOLDERS, render_macro
from .models import Macro
from .views.common import AgentRequest


def reply_form_for(
    ticket: Ticket, user: Any, *, macro: Macro | None = None, last_message: int = 0
) -> ReplyForm:
    """A fresh reply form, filled from ``macro`` when one is applied without JavaScript."""
    initial: dict[str, Any] = {"seen_message": last_message}
    if macro is not None:
        initial.update(
            body=render_macro(macro, ticket=ticket, agent=user),
            body_format="html",
            mode="note" if macro.as_note else "reply",
            then_status=macro.set_status_id,
            set_type=macro.set_type_id,
            set_priority=macro.set_priority_id,
            set_group=macro.set_group_id,
        )
    return ReplyForm(initial=initial)


def _macro_payloads(macros: list[Macro], ticket: Ticket, user: Any) -> list[dict[str, Any]]:
    """Each macro filled in for this ticket, for the page's script to insert."""
    return [
        {
            "macro": macro,
            "html": render_macro(macro, ticket=ticket, agent=user),
            "mode": "note" if macro.as_note else "reply",
            "status": macro.set_status_id or "",
            "type": macro.set_type_id or "",
            "priority": macro.set_priority_id or "",
            "group": macro.set_group_id or "",
        }
        for macro in macros
    ]


def _related_articles(user: Any, ticket: Ticket, conversation: list[Any]) -> list[Any]:
    first = conversation[0].body_text if conversation else ""
    related = related_for_ticket_form(
        user=user,
        subject=ticket.subject,
        description=first,
        product_ids=[str(p.pk) for p in ticket.products.all()],
        theme_ids=[str(t.pk) for t in ticket.themes.all()],
        type_id=str(ticket.type_id),
    )
    return related.articles


def workspace_context(
    request: AgentRequest,
    ticket: Ticket,
    *,
    reply_form: ReplyForm | None = None,
    pending: list[Attachment] | None = None,
    requalify_form: RequalifyForm | None = None,
    macro: Macro | None = None,
    collision: list[Any] | None = None,
) -> dict[str, Any]:
    user = request.user
    conversation = list(
        ticket_queries.visible_messages(user, ticket).prefetch_related("attachments")
    )
    last_message = conversation[-1].pk if conversation else 0
    agents = queries.agents()
    macros = queries.usable_macros(user)
    followers = queries.followers(ticket)
    return {
        "ticket": ticket,
        "conversation": conversation,
        "last_message": last_message,
        "history": ticket_history(ticket),
        "reply_form": reply_form
        or reply_form_for(ticket, user, macro=macro, last_message=last_message),
        "pending": pending or [],
        "collision": collision or [],
        "macros": _macro_payloads(macros, ticket, user),
        "placeholders": [(name, help_text) for name, (help_text, _f) in PLACEHOLDERS.items()],
        "requalify_form": requalify_form or RequalifyForm(ticket=ticket),
        "assign_form": AssignForm(
            initial={"group": ticket.group_id, "assignee": ticket.assignee_id}, agents=agents
        ),
        "status_form": StatusForm(initial={"status": ticket.status.slug}),
        "number_form": TicketNumberForm(),
        "custom_values": _custom_display(ticket, user),
        "sla": ticket_sla_state(ticket),
        "requester_tickets": queries.requester_tickets(user, ticket),
        "requester_organisations": list(ticket.requester.organisations.all()),
        "followers": followers,
        "following": any(f.pk == user.pk for f in followers),
        "links": queries.linked_tickets(user, ticket),
        "articles": _related_articles(user, ticket, conversation),
        "present": queries.others_present(ticket, user),
    }
