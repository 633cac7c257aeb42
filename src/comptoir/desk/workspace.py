"""Everything the ticket workspace shows, gathered in one place for its views.

A constant number of queries whatever the length of the conversation: the
messages come with their authors and files, the ticket with its products,
themes and SLA clocks, and the reference data (statuses, types, groups...)
from ``reference``. The rendered conversation is kept in the cache under the
ticket's version (``conversation``); the related articles depend only on the
ticket's subject, first message and tags: they are kept in the cache under
those. Side panels read two things at once where they can (followers and
presence, products and themes).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Prefetch, prefetch_related_objects
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from comptoir.kb.related import related_for_ticket_form
from comptoir.sla.models import TicketSla
from comptoir.sla.queries import ticket_sla_state
from comptoir.tickets import queries as ticket_queries
from comptoir.tickets.conversation import cached_rendering
from comptoir.tickets.models import Attachment, FieldType, Message, Ticket

from . import queries, services
from .forms import AssignForm, ReplyForm, RequalifyForm, StatusForm, TicketNumberForm
from .history import ticket_history
from .macros import PLACEHOLDERS, render_macro
from .models import Macro
from .reference import Reference, reference
from .views.common import AgentRequest

# Related articles are searched again after this long even if the ticket did
# not change (new articles may fit).
RELATED_TTL = 600


def reply_form_for(
    ticket: Ticket,
    user: Any,
    *,
    macro: Macro | None = None,
    last_message: int = 0,
    ref: Reference | None = None,
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
    return ReplyForm(initial=initial, ref=ref)


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


@dataclass(frozen=True)
class Conversation:
    """The messages as the desk shows them, rendered, and the ids the page needs."""

    html: SafeString
    first_message: int  # 0 without messages
    last_message: int


def conversation(user: Any, ticket: Ticket) -> Conversation:
    """Every message of the ticket (agents read notes too), rendered.

    Kept in the cache under the ticket's version (``tickets.conversation``)."""

    def render() -> tuple[str, int, int]:
        messages = list(
            ticket_queries.visible_messages(user, ticket).prefetch_related("attachments")
        )
        html = render_to_string("desk/_conversation.html", {"conversation": messages, "user": user})
        if not messages:
            return html, 0, 0
        return html, messages[0].pk, messages[-1].pk

    html, first, last = cached_rendering("desk", user, ticket, render)
    return Conversation(mark_safe(html), first, last)


@dataclass(frozen=True)
class RelatedArticle:
    slug: str
    title: str


def _related_articles(
    user: Any, ticket: Ticket, first: int, tags: tuple[list[int], list[int]]
) -> list[RelatedArticle]:
    """Articles like the ticket, from the cache when its subject, first
    message (``first``: its id, 0 without one), tags and the reader's language
    are the same as last time."""
    products = [str(pk) for pk in sorted(tags[0])]
    themes = [str(pk) for pk in sorted(tags[1])]
    inputs = "\x1f".join(
        [
            ticket.subject,
            str(first),
            ",".join(products),
            ",".join(themes),
            str(ticket.type_id),
            translation.get_language() or "",
        ]
    )
    key = f"desk:related:{ticket.pk}:{hashlib.sha1(inputs.encode()).hexdigest()}"
    found = cache.get(key)
    if found is None:
        description = (
            Message.objects.filter(pk=first).values_list("body_text", flat=True).first() or ""
            if first
            else ""
        )
        related = related_for_ticket_form(
            user=user,
            subject=ticket.subject,
            description=description,
            product_ids=products,
            theme_ids=themes,
            type_id=str(ticket.type_id),
        )
        found = [RelatedArticle(card.article.slug, card.title) for card in related.articles]
        cache.set(key, found, RELATED_TTL)
    return found


def _custom_display(ticket: Ticket, ref: Reference) -> list[tuple[str, str]]:
    """The ticket's custom field values as agents read them (all fields)."""
    rows = []
    for field in ref.custom_fields:
        if field.key not in ticket.custom_fields:
            continue
        value = ticket.custom_fields[field.key]
        if field.field_type in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
            labels = dict(field.choice_pairs())
            values = value if isinstance(value, list) else [value]
            value = ", ".join(labels.get(str(v), str(v)) for v in values)
        elif field.field_type == FieldType.CHECKBOX:
            value = _("Yes") if value else _("No")
        rows.append((field.label, str(value)))
    return rows


def workspace_context(
    request: AgentRequest,
    ticket: Ticket,
    *,
    reply_form: ReplyForm | None = None,
    pending: list[Attachment] | None = None,
    requalify_form: RequalifyForm | None = None,
    macro: Macro | None = None,
    collision: list[Any] | None = None,
    opened: bool = False,
) -> dict[str, Any]:
    """The page's context. ``opened``: the agent opened the ticket (not a form
    coming back), which notes their presence."""
    user = request.user
    ref = reference()
    prefetch_related_objects(
        [ticket], Prefetch("sla", queryset=TicketSla.objects.select_related("policy__calendar"))
    )
    tags = queries.ticket_tags(ticket)
    messages = conversation(user, ticket)
    last_message = messages.last_message
    agents = ref.agents
    macros = queries.usable_macros(user, related=False)
    presence = queries.followers_and_presence(ticket, user)
    followers, present = presence.followers, presence.others
    if opened:
        # Read before written: the others shown leave the viewer out either way.
        services.presence_seen(ticket=ticket, user=user, seen_at=presence.own_seen_at)
    organisations = queries.ticket_organisations(ticket)
    theirs, links = queries.requester_and_linked_tickets(user, ticket)
    return {
        "ticket": ticket,
        "conversation_html": messages.html,
        "last_message": last_message,
        "history": ticket_history(ticket, ref),
        "reply_form": reply_form
        or reply_form_for(ticket, user, macro=macro, last_message=last_message, ref=ref),
        "pending": pending or [],
        "collision": collision or [],
        "macros": _macro_payloads(macros, ticket, user),
        "placeholders": [(name, help_text) for name, (help_text, _f) in PLACEHOLDERS.items()],
        "requalify_form": requalify_form
        or RequalifyForm(ticket=ticket, organisations=organisations, tags=tags, ref=ref),
        "assign_form": AssignForm(
            initial={"group": ticket.group_id, "assignee": ticket.assignee_id},
            agents=agents,
            ref=ref,
        ),
        "status_form": StatusForm(initial={"status": ticket.status.slug}, ref=ref),
        "number_form": TicketNumberForm(),
        "custom_values": _custom_display(ticket, ref),
        "sla": ticket_sla_state(ticket),
        "requester_tickets": theirs,
        "requester_organisations": [o for o in organisations if o.requester_member],  # type: ignore[attr-defined]
        "followers": followers,
        "following": any(f.pk == user.pk for f in followers),
        "links": links,
        "articles": _related_articles(user, ticket, messages.first_message, tags),
        "present": present,
    }
