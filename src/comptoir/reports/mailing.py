"""Mails of this app (survey, bad rating) through the email channel: stored as an
``OutboundMail`` with the ticket's threading headers and reply address, in the
recipient's language, then sent by the mail app's task with its retries."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.mail import outbound
from comptoir.mail.models import OutboundMail
from comptoir.mail.threads import reply_address
from comptoir.tickets.models import Ticket


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def ticket_mail_store(
    *,
    ticket: Ticket,
    person: User,
    kind: str,
    dedup: str,
    render: Callable[[], tuple[str, str]],
) -> OutboundMail | None:
    """Write one mail to ``person`` about ``ticket`` and enqueue its sending.

    ``render`` returns (text, html) and is called in the recipient's language.
    Returns None when a mail with the same ``dedup`` key exists (a task that
    runs twice sends once)."""
    from comptoir.mail.tasks import outbound_send

    if not person.email or OutboundMail.objects.filter(dedup_key=dedup).exists():
        return None
    mailbox = outbound.mailbox_of(ticket)
    with translation.override(outbound._language(person, ticket, mailbox)):
        text, html = render()
        # The words of every mail of the ticket: clients grouping by subject keep one thread.
        subject = _("[%(ref)s] Request: %(subject)s") % {
            "ref": ticket.reference,
            "subject": ticket.subject,
        }
    in_reply_to, references = outbound._thread_headers(ticket, person.email, None)
    mail = OutboundMail.objects.create(
        ticket=ticket,
        kind=kind,
        dedup_key=dedup[:120],
        recipient=person,
        from_address=outbound._sender(mailbox),
        to_address=person.email,
        reply_to=reply_address(mailbox.address, ticket.number) if mailbox else "",
        subject=subject[:500],
        body_text=text,
        body_html=html,
        message_id=outbound._new_message_id(mailbox, ticket),
        in_reply_to=in_reply_to,
        references=references,
        created_at=timezone.now(),
    )
    outbound_send.enqueue(outbound_id=mail.pk)
    return mail
