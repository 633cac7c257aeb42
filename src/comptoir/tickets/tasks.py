"""Side effects of ticket changes, run by the task worker after commit."""

from __future__ import annotations

from datetime import timedelta

from crontask import cron
from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from comptoir.accounts.models import User

from .models import Attachment, Message, Ticket

# Which events tell the requester, and which tell the agent in charge.
_REQUESTER_EVENTS = {"created", "reply", "status", "assigned"}
_AGENT_EVENTS = {"reply"}


def _recipients(
    ticket: Ticket, event: str, actor: User | None, message: Message | None
) -> list[User]:
    people: list[User] = []
    if message is not None and message.internal:
        return people
    actor_is_agent = actor is not None and actor.is_agent
    if event in _REQUESTER_EVENTS and (actor_is_agent or event == "created"):
        people.append(ticket.requester)
    if event in _AGENT_EVENTS and not actor_is_agent and ticket.assignee is not None:
        people.append(ticket.assignee)
    return [p for p in people if p.is_active and p.email and (p != actor or event == "created")]


@task()
def notify_ticket_event(
    *, ticket_id: int, event: str, actor_id: int | None, message_id: int | None
) -> int:
    """Email the people a change concerns, each in their own language.

    Idempotent enough to run twice: it only sends mail, never changes data.
    Returns the number of mails sent.
    """
    ticket = (
        Ticket.objects.select_related("requester", "assignee", "status")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        return 0
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    message = Message.objects.filter(pk=message_id).first() if message_id else None
    sent = 0
    for person in _recipients(ticket, event, actor, message):
        with translation.override(person.language or ticket.language or settings.LANGUAGE_CODE):
            context = {
                "ticket": ticket,
                "event": event,
                "message": message,
                "recipient": person,
                "url": settings.SITE_URL.rstrip("/")
                + reverse("portal:ticket", kwargs={"number": ticket.number}),
            }
            subject = render_to_string("tickets/email/subject.txt", context).strip()
            body = render_to_string("tickets/email/body.txt", context)
        sent += send_mail(" ".join(subject.split()), body, None, [person.email])
    return sent


DRAFT_ATTACHMENT_LIFETIME = timedelta(days=2)


@cron("17 3 * * *")
@task()
def purge_draft_attachments() -> int:
    """Delete files uploaded on a form that was never completed.

    A failed submit keeps its uploads as drafts so the person need not send
    them again; after two days nobody is coming back for them.
    """
    stale = Attachment.objects.filter(
        ticket__isnull=True, created_at__lt=timezone.now() - DRAFT_ATTACHMENT_LIFETIME
    )
    removed = 0
    for attachment in stale.iterator(chunk_size=500):
        attachment.file.delete(save=False)
        attachment.delete()
        removed += 1
    return removed
