"""Notifications: rendered once per recipient, in their language, stored, then sent.

An ``OutboundMail`` row is written for each mail before anything is sent: its
Message-ID (ours, so answers thread back), In-Reply-To/References to the
previous mail of the conversation as the recipient saw it, and Reply-To with
the ticket's signed token address. The sending task only reads that row, so
retrying sends the very same mail.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from email.utils import formataddr
from typing import Any

from django.conf import settings
from django.contrib.sites.models import Site
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.tickets.models import ClosedReplyPolicy, HelpdeskSettings, Message, Ticket

from .models import InboundMail, Mailbox, OutboundMail, TicketMail
from .recipients import Recipient, recipients
from .routing import current_inbound
from .threads import reply_address

MAX_REFERENCES = 20


def notification_job(
    *, ticket: Ticket, event: str, actor: User | None, message: Message | None
) -> dict[str, Any]:
    """The arguments of ``tasks.notify_ticket_event`` for this event. The ticket
    services put them in the one task they enqueue per change, inside their
    transaction: the task row is written with the change, so a rollback sends nothing."""
    return {
        "ticket_id": ticket.pk,
        "event": event,
        "actor_id": actor.pk if actor else None,
        "message_id": message.pk if message else None,
        # The incoming mail being routed, so the answer threads under it.
        "inbound_id": current_inbound.get(),
        "key": uuid.uuid4().hex,
    }


def notifications_enqueue(
    *, ticket: Ticket, event: str, actor: User | None, message: Message | None
) -> None:
    """The notifications of an event as a task of their own, in the caller's transaction."""
    from .tasks import notify_ticket_event

    notify_ticket_event.enqueue(
        **notification_job(ticket=ticket, event=event, actor=actor, message=message)
    )


def mailbox_of(ticket: Ticket | None) -> Mailbox | None:
    if ticket is not None:
        link = TicketMail.objects.filter(ticket=ticket).select_related("mailbox").first()
        if link is not None and link.mailbox is not None:
            return link.mailbox
    return Mailbox.objects.filter(is_default=True).first() or Mailbox.objects.first()


def _sender(mailbox: Mailbox | None) -> str:
    if mailbox is None:
        return settings.DEFAULT_FROM_EMAIL
    name = mailbox.display_name or Site.objects.get_current().name
    return formataddr((name, mailbox.address))


def _new_message_id(mailbox: Mailbox | None, ticket: Ticket | None) -> str:
    address = mailbox.address if mailbox else settings.DEFAULT_FROM_EMAIL
    domain = address.rsplit("@", 1)[-1].strip(">") or "comptoir.localhost"
    prefix = f"t{ticket.number}." if ticket else ""
    return f"comptoir.{prefix}{uuid.uuid4().hex}@{domain}"


def _thread_headers(ticket: Ticket, address: str, inbound_id: int | None) -> tuple[str, str]:
    """In-Reply-To and References: the last mail of this conversation the recipient
    saw or wrote, so their mail client shows one thread."""
    address = address.lower()
    last_out = (
        OutboundMail.objects.filter(ticket=ticket, to_address__iexact=address)
        .order_by("-created_at", "-pk")
        .values_list("message_id", "references", "created_at")
        .first()
    )
    inbound = InboundMail.objects.filter(
        duplicate_of__isnull=True, from_address=address, message_id__gt=""
    )
    if inbound_id is not None:
        inbound = inbound.filter(pk=inbound_id) | inbound.filter(ticket=ticket)
    else:
        inbound = inbound.filter(ticket=ticket)
    last_in = (
        inbound.order_by("-received_at", "-pk").values_list("message_id", "received_at").first()
    )
    if last_out is None and last_in is None:
        return "", ""
    if last_in is not None and (last_out is None or last_in[1] >= last_out[2]):
        previous, chain = last_in[0], (last_out[1].split() if last_out else [])
    else:
        assert last_out is not None
        previous, chain = last_out[0], last_out[1].split()
    references = [f"<{previous}>"] if not chain else [*chain, f"<{previous}>"]
    if len(references) > MAX_REFERENCES:
        references = [references[0], *references[-(MAX_REFERENCES - 1) :]]
    return f"<{previous}>", " ".join(dict.fromkeys(references))


def _ticket_url(ticket: Ticket) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(
        "portal:ticket", kwargs={"number": ticket.number}
    )


def _absolute(html: str) -> str:
    # Mail clients have no base URL: links and images must name the site.
    base = settings.SITE_URL.rstrip("/")
    return html.replace(' src="/', f' src="{base}/').replace(' href="/', f' href="{base}/')


def render(kind: str, context: dict[str, object]) -> tuple[str, str]:
    """(text, html) of one mail; the caller has set the recipient's language."""
    message = context.get("message")
    context = {
        **context,
        "kind": kind,
        "marker": reply_marker(),
        "message_html": _absolute(message.body_html) if isinstance(message, Message) else "",
        "closed_refused": HelpdeskSettings.load().closed_reply_policy == ClosedReplyPolicy.REFUSE,
    }
    return (
        render_to_string("mail/email/notification.txt", context).strip() + "\n",
        render_to_string("mail/email/notification.html", context),
    )


def reply_marker() -> str:
    return "##- " + _("Please type your reply above this line") + " -##"


def _language(person: User | None, ticket: Ticket | None, mailbox: Mailbox | None) -> str:
    return (
        (person.language if person else "")
        or (ticket.language if ticket else "")
        or (mailbox.language if mailbox else "")
        or settings.LANGUAGE_CODE
    )


def notifications_create(
    *,
    ticket: Ticket,
    event: str,
    actor: User | None,
    message: Message | None,
    inbound_id: int | None,
    key: str,
    extra: dict[str, str] | None = None,
) -> list[OutboundMail]:
    """One stored mail per recipient; running twice with the same key creates none."""
    mailbox = mailbox_of(ticket)
    created = []
    for item in recipients(ticket, event, actor=actor, message=message):
        dedup = f"{key}:{item.user.pk}"[:120]
        if OutboundMail.objects.filter(dedup_key=dedup).exists():
            continue
        created.append(
            _create(ticket, item, message, mailbox, inbound_id, dedup, actor, extra or {})
        )
    return created


def _create(
    ticket: Ticket,
    item: Recipient,
    message: Message | None,
    mailbox: Mailbox | None,
    inbound_id: int | None,
    dedup: str,
    actor: User | None,
    extra: dict[str, str],
) -> OutboundMail:
    person = item.user
    with translation.override(_language(person, ticket, mailbox)):
        text, html = render(
            item.kind,
            {
                "ticket": ticket,
                "message": message,
                "recipient": person,
                "actor": actor,
                "url": _ticket_url(ticket),
                "attachments": list(message.attachments.filter(inline=False)) if message else [],
                **extra,
            },
        )
        # The same words on every mail of a ticket (in one language): mail
        # clients that group by subject keep showing one conversation.
        subject = _("[%(ref)s] Request: %(subject)s") % {
            "ref": ticket.reference,
            "subject": ticket.subject,
        }
    in_reply_to, references = _thread_headers(ticket, person.email, inbound_id)
    return OutboundMail.objects.create(
        ticket=ticket,
        ticket_message=message,
        inbound_id=inbound_id,
        kind=item.kind,
        dedup_key=dedup,
        recipient=person,
        from_address=_sender(mailbox),
        to_address=person.email,
        cc=item.cc,
        reply_to=reply_address(mailbox.address, ticket.number) if mailbox else "",
        subject=subject[:500],
        body_text=text,
        body_html=html,
        message_id=_new_message_id(mailbox, ticket),
        in_reply_to=in_reply_to,
        references=references,
        created_at=timezone.now(),
    )


def refusal_enqueue(
    *, inbound: InboundMail, kind: str, ticket: Ticket | None
) -> OutboundMail | None:
    """A polite answer to a refused mail, at most one an hour per address, so a
    loop with another robot cannot start."""
    from .tasks import outbound_send

    address = inbound.from_address
    hour_ago = timezone.now() - timedelta(hours=1)
    if (
        not address
        or OutboundMail.objects.filter(
            to_address__iexact=address, kind__startswith="refused", created_at__gte=hour_ago
        ).exists()
    ):
        return None
    mailbox = inbound.mailbox or mailbox_of(ticket)
    person = User.objects.filter(email__iexact=address).first()
    with translation.override(_language(person, ticket, mailbox)):
        text, html = render(
            kind,
            {
                "ticket": ticket,
                "recipient": person,
                "subject": inbound.subject,
                "url": settings.SITE_URL.rstrip("/") + reverse("portal:ticket_new"),
            },
        )
    original = f"<{inbound.message_id}>" if inbound.message_id else ""
    outbound = OutboundMail.objects.create(
        ticket=ticket,
        inbound=inbound,
        kind=kind,
        dedup_key=f"refusal:{inbound.pk}",
        recipient=person,
        from_address=_sender(mailbox),
        to_address=address,
        subject=("Re: " + inbound.subject if inbound.subject else _("Your message"))[:500],
        body_text=text,
        body_html=html,
        message_id=_new_message_id(mailbox, None),
        in_reply_to=original,
        references=original,
        auto_submitted="auto-replied",
        created_at=timezone.now(),
    )
    outbound_send.enqueue(outbound_id=outbound.pk)
    return outbound
