"""A ticket's history, read from its audit trail (``TicketEvent``), in words.

Events store codes (a status's code, an agent's email); they are turned into
the labels of today, read in a few queries for the whole timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.tickets.models import EventKind, Ticket, TicketEvent
from comptoir.tickets.services import MERGED_FROM, MERGED_INTO

from .reference import Reference, reference

MAX_EVENTS = 500


@dataclass(frozen=True)
class Entry:
    at: datetime
    actor: str
    text: str
    old: str = ""
    new: str = ""
    # A ticket number or a message id the entry points to.
    ticket_number: int | None = None
    message_id: int | None = None
    internal: bool = False


def _field_names() -> dict[str, str]:
    return {
        "subject": _("Subject"),
        "type": _("Type"),
        "priority": _("Priority"),
        "organisation": _("Organisation"),
        "group": _("Group"),
        "products": _("Products"),
        "themes": _("Themes"),
        "assignee": _("Assigned agent"),
        "status": _("Status"),
        "time_entry": _("Time logged"),
    }


class _Labels:
    """Today's labels for the codes found in events, loaded once."""

    def __init__(self, events: list[TicketEvent], ref: Reference) -> None:
        self.by_field = {
            "status": {s.slug: s.label for s in ref.statuses},
            "type": {t.slug: t.label for t in ref.types},
            "priority": {p.slug: p.label for p in ref.priorities},
        }
        emails = {
            value
            for e in events
            if e.field == "assignee"
            for value in (e.old_value, e.new_value)
            if value
        }
        self.by_field["assignee"] = (
            {u.email: u.display_name for u in User.objects.filter(email__in=emails)}
            if emails
            else {}
        )
        self.custom = {c.key: c.label for c in ref.custom_fields}

    def value(self, field: str, value: str) -> str:
        return self.by_field.get(field, {}).get(value, value)


def _actor(event: TicketEvent) -> str:
    return event.actor.display_name if event.actor else _("System")


def _entry(event: TicketEvent, labels: _Labels, names: dict[str, str]) -> Entry:
    base: dict[str, Any] = {"at": event.created_at, "actor": _actor(event)}
    if event.kind == EventKind.CREATED:
        return Entry(**base, text=_("Ticket created"))
    if event.kind in (EventKind.REPLY, EventKind.NOTE):
        note = event.kind == EventKind.NOTE
        message = int(event.new_value) if event.new_value.isdigit() else None
        text = _("Internal note") if note else _("Public reply")
        return Entry(**base, text=text, message_id=message, internal=note)
    number = int(event.new_value) if event.new_value.isdigit() else None
    if event.field == MERGED_INTO:
        return Entry(**base, text=_("Merged into ticket"), ticket_number=number)
    if event.field == MERGED_FROM:
        return Entry(**base, text=_("Ticket merged into this one"), ticket_number=number)
    if event.field == "follow_up":
        return Entry(**base, text=_("Follow-up ticket opened"), ticket_number=number)
    if event.field.startswith("custom:"):
        key = event.field.split(":", 1)[1]
        label = labels.custom.get(key, key)
    else:
        label = names.get(event.field, event.field)
    return Entry(
        **base,
        text=label,
        old=labels.value(event.field, event.old_value),
        new=labels.value(event.field, event.new_value),
    )


def _events_query(ticket: Ticket) -> QuerySet[TicketEvent]:
    return (
        TicketEvent.objects.filter(ticket=ticket)
        .select_related("actor")
        .order_by("-pk")[:MAX_EVENTS]
    )


def ticket_history(ticket: Ticket, ref: Reference | None = None) -> list[Entry]:
    """The latest ``MAX_EVENTS`` events of ``ticket``, oldest first, in words:
    one query for the events, one more when agents were (un)assigned."""
    from comptoir.core.compiled import (
        MARK_TICKET,
        compiled_instances,
        compiled_query,
        run_compiled,
    )

    compiled = compiled_query(
        TicketEvent,
        ("ticket_history", MAX_EVENTS),
        lambda: _events_query(Ticket(pk=MARK_TICKET)),
        (MARK_TICKET,),
    )
    if compiled is None:
        events = list(_events_query(ticket))
    else:
        events = compiled_instances(compiled, run_compiled(compiled, {MARK_TICKET: ticket.pk}))
    events.reverse()
    labels = _Labels(events, ref or reference())
    names = _field_names()
    return [_entry(event, labels, names) for event in events]
