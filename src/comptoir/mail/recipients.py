"""Who hears about a ticket event, and in which kind of mail.

Customer notifications are each a helpdesk setting (``MailSettings``) and a
personal choice (``NotificationPreference``); agent ones a personal choice.
The person who made the change is not told about it, except the
acknowledgement of a ticket they opened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from comptoir.accounts.models import Role, User
from comptoir.tickets.models import Category, Message, Ticket

from .models import MailSettings, NotificationPreference, TicketMail

# kind -> (MailSettings switch or None, NotificationPreference field)
KINDS: dict[str, tuple[str | None, str]] = {
    "received": ("notify_received", "received"),
    "assigned": ("notify_assigned", "assigned"),
    "reply": ("notify_reply", "reply"),
    "status": ("notify_status", "status"),
    "resolved": ("notify_resolved", "resolved"),
    "closed": ("notify_closed", "resolved"),
    "agent_new_ticket": (None, "agent_new_ticket"),
    "agent_assigned": (None, "agent_assigned"),
    "agent_customer_reply": (None, "agent_customer_reply"),
    "agent_mentioned": (None, "agent_mentioned"),
    "agent_bounce": (None, "agent_customer_reply"),
}


@dataclass
class Recipient:
    user: User
    kind: str
    cc: list[str] = field(default_factory=list)


def _group_agents(ticket: Ticket) -> list[User]:
    if ticket.group_id is None:
        return []
    return list(ticket.group.agents.filter(is_active=True))  # type: ignore[union-attr]


def _handlers(ticket: Ticket) -> list[User]:
    """The agent in charge, else the agents of the ticket's group."""
    return [ticket.assignee] if ticket.assignee is not None else _group_agents(ticket)


def _mentioned(ticket: Ticket, message: Message | None) -> list[User]:
    if message is None or "@" not in message.body_text:
        return []
    text = message.body_text.lower()
    agents = User.objects.filter(role__in=[Role.AGENT, Role.ADMIN], is_active=True)
    found = []
    for agent in agents.only("pk", "email", "first_name", "last_name", "language", "role"):
        names = [agent.email.lower()]
        full = agent.get_full_name().lower()
        if full:
            names.append(full)
        if any(re.search(r"@" + re.escape(n) + r"\b", text) for n in names):
            found.append(agent)
    return found


def _participants(ticket: Ticket) -> list[User]:
    return list(User.objects.filter(participations__ticket=ticket, is_active=True))


def _customer_cc(ticket: Ticket) -> list[str]:
    link = TicketMail.objects.filter(ticket=ticket).first()
    return list(link.cc) if link else []


def plan(
    ticket: Ticket, event: str, *, actor: User | None, message: Message | None
) -> list[Recipient]:
    """The mails an event calls for, before settings and preferences."""
    requester = ticket.requester
    actor_is_agent = actor is not None and actor.is_agent
    planned: list[Recipient] = []
    if event == "created":
        planned.append(Recipient(requester, "received"))
        planned += [Recipient(a, "agent_new_ticket") for a in _group_agents(ticket)]
    elif event == "reply" and message is not None and not message.internal:
        if actor_is_agent:
            planned.append(Recipient(requester, "reply", _customer_cc(ticket)))
        else:
            planned += [Recipient(a, "agent_customer_reply") for a in _handlers(ticket)]
            planned.append(Recipient(requester, "reply"))
    elif event == "note":
        planned += [Recipient(a, "agent_mentioned") for a in _mentioned(ticket, message)]
    elif event == "status":
        kinds: dict[str, str] = {Category.RESOLVED: "resolved", Category.CLOSED: "closed"}
        kind = kinds.get(ticket.category, "status")
        planned.append(Recipient(requester, kind))
    elif event == "assigned" and ticket.assignee is not None:
        planned.append(Recipient(requester, "assigned"))
        planned.append(Recipient(ticket.assignee, "agent_assigned"))
    elif event == "bounce":
        planned += [Recipient(a, "agent_bounce") for a in _handlers(ticket)]
    # People added to the conversation hear what the requester hears.
    told = [r.kind for r in planned if r.user.pk == requester.pk and r.kind != "received"]
    if told:
        planned += [Recipient(p, told[0]) for p in _participants(ticket)]
    return planned


def recipients(
    ticket: Ticket, event: str, *, actor: User | None, message: Message | None
) -> list[Recipient]:
    """Who is mailed, once each, after settings and personal preferences."""
    conf = MailSettings.load()
    planned = plan(ticket, event, actor=actor, message=message)
    prefs = {
        p.user_id: p
        for p in NotificationPreference.objects.filter(user__in=[r.user for r in planned])
    }
    chosen: list[Recipient] = []
    seen: set[int] = set()
    for item in planned:
        person = item.user
        if person.pk in seen or not person.is_active or not person.email:
            continue
        if actor is not None and person.pk == actor.pk and item.kind != "received":
            continue
        switch, pref_field = KINDS[item.kind]
        if switch and not getattr(conf, switch):
            continue
        pref = prefs.get(person.pk)
        if pref is not None and not getattr(pref, pref_field):
            continue
        seen.add(person.pk)
        chosen.append(item)
    return chosen
