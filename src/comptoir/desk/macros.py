"""Macros: placeholders filled for one ticket and one agent.

Placeholders are a fixed list of names in braces, replaced by escaped values
(links become links). No template language runs on what agents type, so a
macro can never reach anything but these values.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.translation import gettext_lazy as _

from comptoir.accounts.models import User
from comptoir.tickets.models import Ticket

from .models import Macro

PLACEHOLDER = re.compile(r"\{\s*([a-z_]+)\s*\}")


def _portal_url(ticket: Ticket) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(
        "portal:ticket", kwargs={"number": ticket.number}
    )


def _link(url: str) -> str:
    return str(format_html('<a href="{}">{}</a>', url, url))


# name -> (help text, value as HTML for a ticket and an agent)
PLACEHOLDERS: dict[str, tuple[object, Callable[[Ticket, User], str]]] = {
    "requester_name": (_("the requester's name"), lambda t, a: escape(t.requester.display_name)),
    "requester_first_name": (
        _("the requester's first name"),
        lambda t, a: escape(t.requester.first_name or t.requester.display_name),
    ),
    "ticket_number": (_("the ticket's number, such as #1042"), lambda t, a: escape(t.reference)),
    "ticket_subject": (_("the ticket's subject"), lambda t, a: escape(t.subject)),
    "ticket_link": (_("a link to the ticket on the portal"), lambda t, a: _link(_portal_url(t))),
    "organisation": (
        _("the ticket's organisation"),
        lambda t, a: escape(t.organisation.name if t.organisation else ""),
    ),
    "agent_name": (_("your name"), lambda t, a: escape(a.display_name)),
    "agent_first_name": (
        _("your first name"),
        lambda t, a: escape(a.first_name or a.display_name),
    ),
    "portal_link": (
        _("a link to the portal's home page"),
        lambda t, a: _link(settings.SITE_URL.rstrip("/") + reverse("portal:home")),
    ),
    "kb_link": (
        _("a link to the knowledge base"),
        lambda t, a: _link(settings.SITE_URL.rstrip("/") + reverse("kb:home")),
    ),
}


def render_macro(macro: Macro, *, ticket: Ticket, agent: User) -> str:
    """The macro's text for ``ticket`` written by ``agent``; unknown names stay as typed."""

    def replace(match: re.Match[str]) -> str:
        entry = PLACEHOLDERS.get(match.group(1))
        return entry[1](ticket, agent) if entry else match.group(0)

    return PLACEHOLDER.sub(replace, macro.body_html)
