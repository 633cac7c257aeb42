"""Deciding what one stored mail becomes, and doing it through the ticket services.

Tickets and messages are only ever made by ``tickets.services.ticket_create``
and ``ticket_reply`` (channel email), so the lifecycle rules hold for mail as
for the web: a customer's answer on a waiting ticket reopens it, a closed
ticket follows the helpdesk's closed-reply policy. Every decision is written
on the ``InboundMail`` with its reason and the ticket it concerns.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.accounts.services import user_join_by_domain
from comptoir.tickets import services
from comptoir.tickets.models import Channel, Ticket, TicketType
from comptoir.tickets.richtext import is_blank, text_to_html, to_text

from .content import Content, build_content
from .lookups import Lookups
from .models import (
    InboundMail,
    Mailbox,
    MailSettings,
    Outcome,
    TicketMail,
    UnknownSenders,
)
from .noise import auto_reply_reason, detect_bounce
from .parsing import ParsedMail, parse, parse_headers
from .threads import find_thread, is_participant, strip_token

# The incoming mail being routed, so notifications can answer it in-thread.
current_inbound: ContextVar[int | None] = ContextVar("current_inbound", default=None)

MAX_CC = 20


class AlreadyRouted(Exception):
    """Another process routed this mail first: this routing must roll back."""


class Decision(Exception):
    """Ends routing with an outcome and its reason."""

    def __init__(self, outcome: str, reason: str, ticket: Ticket | None = None) -> None:
        super().__init__(reason)
        self.outcome, self.reason, self.ticket = outcome, reason, ticket


@contextlib.contextmanager
def _routing(inbound: InboundMail) -> Iterator[None]:
    token = current_inbound.set(inbound.pk)
    try:
        yield
    finally:
        current_inbound.reset(token)


def mail_settings() -> MailSettings:
    """The email settings, read once per process for a few seconds."""
    return services.config_cached("mail:settings", MailSettings.load)


def _mailboxes() -> list[Mailbox]:
    return list(Mailbox.objects.select_related("default_type", "default_group").order_by("pk"))


def mailboxes() -> list[Mailbox]:
    """Every mailbox (with its default type and group), read once per process
    for a few seconds: routing each mail looks them up several times."""
    return services.config_cached("mail:mailboxes", _mailboxes)


# What routing writes on the mail's row, once, at its end.
_ROUTED_FIELDS = (
    "mailbox",
    "from_address",
    "from_name",
    "subject",
    "outcome",
    "reason",
    "ticket",
    "ticket_message",
    "attachment_count",
    "auto_submitted",
    "full_html",
    "full_text",
    "processed_at",
)


def route(
    inbound: InboundMail,
    raw: bytes | None = None,
    lookups: Lookups | None = None,
    headers: ParsedMail | None = None,
) -> None:
    """Called inside a transaction, with ``inbound`` still pending or failed as
    far as the caller knows. Its last statement writes the outcome only if the
    row is still pending or failed: if another process routed the mail in the
    meantime, it raises ``AlreadyRouted`` and the caller rolls back. ``raw`` is
    the stored mail when the caller has it at hand (and ``headers`` its parsed
    headers); ``lookups`` answers the questions about senders and tickets (per
    batch when given)."""
    if raw is None:
        raw = inbound.raw.open("rb").read()
        inbound.raw.close()
    lookups = lookups or Lookups()
    limit = mail_settings().max_message_mb * 1024 * 1024
    too_large = len(raw) > limit
    parsed = parse_headers(raw) if too_large else parse(raw, headers)
    seen = (inbound.from_address, inbound.from_name, inbound.subject, inbound.mailbox_id)
    inbound.from_address = parsed.from_address[:254]
    inbound.from_name = parsed.from_name[:200]
    inbound.subject = parsed.subject[:500]
    if inbound.mailbox_id is None:
        inbound.mailbox = mailbox_for(parsed)
    else:
        known = next((m for m in mailboxes() if m.pk == inbound.mailbox_id), None)
        inbound.mailbox = known or inbound.mailbox
    if seen != (inbound.from_address, inbound.from_name, inbound.subject, inbound.mailbox_id):
        # Saved now: notifications written during routing look the sender up.
        inbound.save(update_fields=["from_address", "from_name", "subject", "mailbox"])
    try:
        with _routing(inbound):
            _decide(inbound, parsed, too_large=too_large, lookups=lookups)
    except Decision as decision:
        inbound.outcome, inbound.reason = decision.outcome, decision.reason
        inbound.ticket = decision.ticket or inbound.ticket
    inbound.processed_at = timezone.now()
    if lookups.grouped:
        lookups.routed(inbound)
        return
    attnames = (f.attname for f in InboundMail._meta.concrete_fields if f.name in _ROUTED_FIELDS)
    # The claim and the write in one statement: no lock taken before routing.
    still_open = InboundMail.objects.filter(
        pk=inbound.pk, outcome__in=(Outcome.PENDING, Outcome.FAILED)
    ).update(**{attname: getattr(inbound, attname) for attname in attnames})
    if not still_open:
        raise AlreadyRouted(inbound.pk)


def write_group(lookups: Lookups) -> None:
    """End of a group of mails routed in one transaction (see ``Lookups.start_group``)."""
    lookups.write_group(_ROUTED_FIELDS)


def mailbox_for(parsed: ParsedMail) -> Mailbox | None:
    """The mailbox a mail was sent to (by its recipients), else the default one."""
    addresses = {strip_token(a) for a in parsed.recipients}
    boxes = mailboxes()
    mailbox = next((m for m in boxes if m.active and m.address in addresses), None)
    return mailbox or next((m for m in boxes if m.is_default), None)


def _our_addresses() -> set[str]:
    ours = {m.address.lower() for m in mailboxes()}
    ours.add(settings.DEFAULT_FROM_EMAIL.rsplit("<", 1)[-1].strip(">").lower())
    return ours


def _decide(inbound: InboundMail, parsed: ParsedMail, *, too_large: bool, lookups: Lookups) -> None:
    if not parsed.from_address or "@" not in parsed.from_address:
        raise Decision(Outcome.IGNORED, "No sender address.")
    if strip_token(parsed.from_address) in _our_addresses() or parsed.header("x-comptoir-loop"):
        raise Decision(Outcome.IGNORED, "Mail from one of our own addresses (loop).")
    bounce = detect_bounce(parsed)
    if bounce is not None:
        from .bounces import bounce_record

        ticket = bounce_record(bounce=bounce, inbound=inbound)
        lookups.bounce_recorded()
        raise Decision(Outcome.IGNORED, f"Delivery failure: {bounce.reason}", ticket)
    auto = auto_reply_reason(parsed)
    if auto:
        inbound.auto_submitted = True
        thread = find_thread(parsed, lookups)
        raise Decision(
            Outcome.IGNORED, f"Automatic reply ({auto}).", thread.ticket if thread else None
        )
    _check_rate(inbound, lookups)
    lookups.clear_bouncing(parsed.from_address)
    sender = _sender(inbound, parsed, lookups)
    content = _content(parsed, sender, too_large=too_large, size=inbound.raw_size)
    inbound.full_html, inbound.full_text = content.full_html, content.full_text
    inbound.attachment_count = len(content.attachments)
    thread = find_thread(parsed, lookups)
    if thread is not None and is_participant(
        thread.ticket, sender, parsed.from_address, lookups.link
    ):
        _append(inbound, parsed, sender, content, thread.ticket, rule=thread.rule, lookups=lookups)
        return
    follows = thread.ticket if thread is not None and thread.rule != "subject" else None
    reason = "New conversation."
    if thread is not None:
        reason = (
            f"Refers to ticket #{thread.ticket.number} by {thread.rule}, but the sender "
            "does not take part in it: new ticket."
        )
    _create(inbound, parsed, sender, content, follows=follows, reason=reason, lookups=lookups)


def _check_rate(inbound: InboundMail, lookups: Lookups) -> None:
    conf = mail_settings()
    recent = lookups.recent_mails(inbound, minutes=conf.rate_limit_minutes)
    if recent >= conf.rate_limit_count:
        raise Decision(
            Outcome.IGNORED,
            f"Rate limit: more than {conf.rate_limit_count} mails in "
            f"{conf.rate_limit_minutes} minutes from this sender.",
        )


def _sender(inbound: InboundMail, parsed: ParsedMail, lookups: Lookups) -> User:
    user = lookups.user(parsed.from_address)
    if user is not None:
        if not user.is_active:
            raise Decision(Outcome.REJECTED, "The sender's account is deactivated.")
        return user
    mailbox = inbound.mailbox
    if mailbox is not None and mailbox.unknown_senders == UnknownSenders.REFUSE:
        from .outbound import refusal_enqueue

        refusal_enqueue(inbound=inbound, kind="refused_unknown", ticket=None)
        raise Decision(Outcome.REJECTED, "Unknown sender, and this mailbox refuses them.")
    user = _create_contact(parsed, mailbox)
    lookups.user_created(user, parsed.from_address)
    return user


def _create_contact(parsed: ParsedMail, mailbox: Mailbox | None) -> User:
    first, _sp, last = (parsed.from_name or "").strip().strip("\"'").partition(" ")
    languages = {code for code, _name in settings.LANGUAGES}
    language = parsed.language if parsed.language in languages else ""
    user = User.objects.create_user(
        email=parsed.from_address,
        first_name=first[:150] if "@" not in first else "",
        last_name=last[:150],
        language=language or (mailbox.language if mailbox else ""),
    )
    # Organisations that own the sender's domain and accept new contacts that way.
    user_join_by_domain(user=user)
    return user


def _content(parsed: ParsedMail, sender: User, *, too_large: bool, size: int) -> Content:
    if too_large:
        note = _(
            "This message (%(size)s MB) is larger than the helpdesk processes. "
            "The original is kept: an administrator can see it in the incoming mail."
        ) % {"size": round(size / 1024 / 1024, 1)}
        html = text_to_html(note)
        return Content(visible_html=html, full_html=html, full_text=note)
    content = build_content(parsed, user=sender)
    if content.skipped:
        note = _("Attachments not kept (empty or too large): %(names)s") % {
            "names": ", ".join(content.skipped)
        }
        content.visible_html += text_to_html(note)
    return content


def _cc_of(parsed: ParsedMail, sender: str) -> list[str]:
    ours = _our_addresses()
    seen: list[str] = []
    for address in [*parsed.to, *parsed.cc]:
        address = address.lower()
        if strip_token(address) in ours or address == sender or address in seen:
            continue
        seen.append(address)
    return seen[:MAX_CC]


def _new_link(ticket: Ticket, mailbox: Mailbox | None, cc: list[str], lookups: Lookups) -> None:
    link = TicketMail(ticket=ticket, mailbox=mailbox, cc=cc)
    if lookups.grouped:
        lookups.link_made(link)
    else:
        link.save(force_insert=True)


def _remember_cc(ticket: Ticket, mailbox: Mailbox | None, cc: list[str], lookups: Lookups) -> None:
    """Called with ``ticket`` locked (by the reply): no other routing writes its
    link meanwhile, so reading then writing needs no savepoint."""
    link = lookups.link(ticket)
    merged = list(dict.fromkeys([*(link.cc if link else []), *cc]))[:MAX_CC]
    if link is None:
        _new_link(ticket, mailbox, merged, lookups)
    elif merged != link.cc:
        link.cc = merged
        if not link._state.adding:  # one made in this group is written with it
            link.save(update_fields=["cc"])


def _create(
    inbound: InboundMail,
    parsed: ParsedMail,
    sender: User,
    content: Content,
    *,
    follows: Ticket | None,
    reason: str,
    lookups: Lookups,
) -> None:
    mailbox = inbound.mailbox
    body = content.visible_html
    # Remote images are dropped on the way in: they do not make a description.
    if is_blank(body) or (not to_text(body) and "/attachments/" not in body):
        body = text_to_html(_("(This mail has no text.)"))
    ticket = services.ticket_create(
        requester=sender,
        subject=parsed.subject or _("(no subject)"),
        description_html=body,
        type=(mailbox.default_type if mailbox else None) or _default_type(),
        # None: the organisation's contract decides, else the default priority.
        priority=None,
        organisation=lookups.organisation(sender),
        attachments=content.attachments,
        channel=Channel.EMAIL,
        language=sender.language or (mailbox.language if mailbox else "fr"),
        group=mailbox.default_group if mailbox else None,
        follows=follows,
    )
    # A ticket made just now in this transaction: nothing has linked it to a mailbox yet.
    _new_link(ticket, mailbox, _cc_of(parsed, sender.email.lower()), lookups)
    inbound.ticket_message = getattr(ticket, "opening_message", None) or (
        ticket.messages.order_by("pk").first()
    )
    lookups.tickets_made([ticket])
    raise Decision(Outcome.CREATED, reason, ticket)


def _find_default_type() -> TicketType:
    found = TicketType.objects.filter(slug="help", active=True).first()
    return found or TicketType.objects.filter(active=True).order_by("order", "pk")[0]


def _default_type() -> TicketType:
    return services.config_cached("mail:default-type", _find_default_type)


def _append(
    inbound: InboundMail,
    parsed: ParsedMail,
    sender: User,
    content: Content,
    ticket: Ticket,
    *,
    rule: str,
    lookups: Lookups,
) -> None:
    try:
        result = services.ticket_reply(
            ticket=ticket,
            author=sender,
            body_html=content.visible_html,
            attachments=content.attachments,
            channel=Channel.EMAIL,
        )
    except services.TicketClosedError:
        from .outbound import refusal_enqueue

        refusal_enqueue(inbound=inbound, kind="refused_closed", ticket=ticket)
        raise Decision(
            Outcome.REJECTED,
            f"Ticket #{ticket.number} is closed and closed tickets are read-only; "
            "the sender was told to open a new ticket.",
            ticket,
        ) from None
    inbound.ticket_message = result.message
    if sender.pk == ticket.requester_id or not sender.is_agent:
        _remember_cc(result.ticket, inbound.mailbox, _cc_of(parsed, sender.email.lower()), lookups)
    if result.opened_follow_up:
        lookups.tickets_made([result.ticket])
        # The follow-up is new: linked above, or not linked yet.
        if lookups.link(result.ticket) is None:
            _new_link(result.ticket, inbound.mailbox, [], lookups)
        raise Decision(
            Outcome.CREATED,
            f"Answer to closed ticket #{ticket.number} (matched by {rule}): "
            f"opened follow-up #{result.ticket.number}.",
            result.ticket,
        )
    raise Decision(
        Outcome.APPENDED, f"Matched ticket #{ticket.number} by {rule}; sender takes part.", ticket
    )
