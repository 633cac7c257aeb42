"""Every change to a ticket goes through here.

Each public function is one door: the portal, the desk, mail ingestion, the API
and automations call the same function. Each runs in one transaction, locks
the ticket row it changes, writes its ``TicketEvent`` rows and enqueues the
notifications in that same transaction, so a crash leaves either the old state
or the new one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.accounts.models import Organisation, SupportGroup, User

from .attachments import extract_inline_images
from .models import (
    Attachment,
    Category,
    Channel,
    ClosedReplyPolicy,
    EventKind,
    HelpdeskSettings,
    Message,
    Priority,
    Product,
    Status,
    Theme,
    Ticket,
    TicketCounter,
    TicketEvent,
    TicketType,
)
from .richtext import is_blank, sanitise, to_text


class TicketClosedError(ValidationError):
    """A reply on a closed ticket when the helpdesk treats closed tickets as read-only."""


@dataclass(frozen=True)
class ReplyResult:
    message: Message
    # The ticket the message landed on: a follow-up when the closed-reply
    # policy is ``new_ticket``, else the ticket replied to.
    ticket: Ticket
    opened_follow_up: bool = False


# -- statuses -----------------------------------------------------------------


def status_for_category(category: str, *, assigned: bool = False) -> Status:
    """The status the system uses when it moves a ticket into ``category``."""
    statuses = list(Status.objects.filter(category=category, active=True))
    if not statuses:
        raise LookupError(f"No active status in category {category!r}.")
    if assigned:
        for status in statuses:
            if status.when_assigned:
                return status
    for status in statuses:
        if status.is_default:
            return status
    return statuses[0]


def _record(
    ticket: Ticket,
    actor: User | None,
    kind: str,
    *,
    at: datetime,
    field: str = "",
    old: Any = "",
    new: Any = "",
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        kind=kind,
        field=field,
        old_value="" if old is None else str(old),
        new_value="" if new is None else str(new),
        created_at=at,
    )


def _apply_status(ticket: Ticket, status: Status, *, actor: User | None, at: datetime) -> bool:
    """Move ``ticket`` to ``status`` in memory and log it; the caller saves."""
    if ticket.status_id == status.pk:
        return False
    old = ticket.status
    ticket.status = status
    ticket.category = status.category
    if status.category == Category.RESOLVED:
        ticket.resolved_at = at
        ticket.closed_at = None
    elif status.category == Category.CLOSED:
        ticket.closed_at = at
        ticket.resolved_at = ticket.resolved_at or at
    else:
        ticket.resolved_at = None
        ticket.closed_at = None
    _record(ticket, actor, EventKind.STATUS, at=at, field="status", old=old.slug, new=status.slug)
    return True


def _after_change(
    ticket: Ticket,
    event: str,
    *,
    actor: User | None,
    message: Message | None = None,
    notify: bool = True,
    reindex: bool = False,
) -> None:
    """The consequences of a change, inside the caller's transaction so each one
    happens with the change or not at all: notifications (the mail app decides
    who is told and sends them as tasks with retries), the search index, the
    SLA clocks and event automations."""
    # Imported here: those apps build on this module.
    from comptoir.mail.outbound import notifications_enqueue
    from comptoir.search.index import index_ticket
    from comptoir.sla.services import sla_ticket_changed

    if notify:
        notifications_enqueue(ticket=ticket, event=event, actor=actor, message=message)
    if reindex:
        index_ticket(ticket_id=ticket.pk)
    sla_ticket_changed(ticket=ticket, event=event, actor=actor, message=message)


def _locked(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().select_related("status").get(pk=ticket.pk)


def _next_number() -> int:
    # The UPDATE takes the row lock (and SQLite's write lock) until commit, so
    # two creators can never read the same value.
    updated = TicketCounter.objects.filter(pk=1).update(value=F("value") + 1)
    if not updated:
        TicketCounter.objects.get_or_create(pk=1, defaults={"value": 1000})
        TicketCounter.objects.filter(pk=1).update(value=F("value") + 1)
    return TicketCounter.objects.values_list("value", flat=True).get(pk=1)


# -- creation -------------------------------------------------------------------


def _body(body_html: str, *, user: User) -> tuple[str, str, list[Attachment]]:
    clean = sanitise(body_html)
    clean, inline = extract_inline_images(clean, user=user)
    return clean, to_text(clean), inline


def _attach(attachments: Iterable[Attachment], *, ticket: Ticket, message: Message) -> None:
    ids = [a.pk for a in attachments]
    if ids:
        Attachment.objects.filter(pk__in=ids, ticket__isnull=True).update(
            ticket=ticket, message=message
        )


@transaction.atomic
def ticket_create(
    *,
    requester: User,
    subject: str,
    description_html: str,
    type: TicketType,
    priority: Priority,
    organisation: Organisation | None = None,
    products: Sequence[Product] = (),
    themes: Sequence[Theme] = (),
    custom_fields: dict[str, Any] | None = None,
    attachments: Sequence[Attachment] = (),
    channel: str = Channel.WEB,
    language: str | None = None,
    created_by: User | None = None,
    group: SupportGroup | None = None,
    follows: Ticket | None = None,
) -> Ticket:
    """Open a ticket with its first message. ``attachments`` are draft attachments
    (already stored) that move onto the first message."""
    author = created_by or requester
    body_html, body_text, inline = _body(description_html, user=author)
    subject = " ".join(subject.split())
    if not subject:
        raise ValidationError(_("A subject is required."))
    if is_blank(body_html) and not attachments:
        raise ValidationError(_("A description is required."))
    now = timezone.now()
    status = status_for_category(Category.NEW)
    ticket = Ticket.objects.create(
        number=_next_number(),
        subject=subject[:250],
        requester=requester,
        organisation=organisation,
        type=type,
        priority=priority,
        status=status,
        category=status.category,
        channel=channel,
        # The requester's language, so mail about the ticket reads right by default.
        language=language or requester.language or settings.LANGUAGE_CODE,
        custom_fields=custom_fields or {},
        group=group,
        follows=follows,
        created_at=now,
        updated_at=now,
    )
    if products:
        ticket.products.set(products)
    if themes:
        ticket.themes.set(themes)
    message = Message.objects.create(
        ticket=ticket,
        author=author,
        body_html=body_html,
        body_text=body_text,
        channel=channel,
        created_at=now,
    )
    _attach([*attachments, *inline], ticket=ticket, message=message)
    _record(ticket, author, EventKind.CREATED, at=now)
    if follows is not None:
        _record(follows, author, EventKind.FOLLOW_UP, at=now, field="follow_up", new=ticket.number)
    _after_change(ticket, "created", actor=author, message=message, reindex=True)
    return ticket


# -- conversation -----------------------------------------------------------------


def _customer_reply_target(ticket: Ticket, policy: str) -> Status | None:
    """Where a requester's reply moves the ticket (None: stays where it is)."""
    category = ticket.category
    if category in (Category.PENDING_CUSTOMER, Category.RESOLVED) or (
        category == Category.CLOSED and policy == ClosedReplyPolicy.REOPEN
    ):
        return status_for_category(Category.OPEN, assigned=ticket.assignee_id is not None)
    return None


@transaction.atomic
def ticket_reply(
    *,
    ticket: Ticket,
    author: User,
    body_html: str,
    attachments: Sequence[Attachment] = (),
    internal: bool = False,
    channel: str = Channel.WEB,
) -> ReplyResult:
    """Add a public reply or an internal note and apply the lifecycle rules:

    - an agent's public reply moves the ticket to waiting-for-customer;
    - the customer's reply on a waiting or resolved ticket moves it to open;
    - on a closed ticket, the customer's reply follows the helpdesk setting:
      reopen, open a linked follow-up ticket, or refuse (TicketClosedError);
    - internal notes never change the status and are for agents only.
    """
    if internal and not author.is_agent:
        raise ValidationError(_("Only agents can write internal notes."))
    ticket = _locked(ticket)
    if not author.is_agent and ticket.category == Category.CLOSED:
        policy = HelpdeskSettings.load().closed_reply_policy
        if policy == ClosedReplyPolicy.REFUSE:
            raise TicketClosedError(
                _("This ticket is closed and can no longer be answered. Please open a new ticket.")
            )
        if policy == ClosedReplyPolicy.NEW_TICKET:
            follow_up = ticket_create(
                requester=ticket.requester,
                subject=ticket.subject,
                description_html=body_html,
                type=ticket.type,
                priority=ticket.priority,
                organisation=ticket.organisation,
                products=list(ticket.products.all()),
                themes=list(ticket.themes.all()),
                custom_fields=ticket.custom_fields,
                attachments=attachments,
                channel=channel,
                language=ticket.language,
                created_by=author,
                group=ticket.group,
                follows=ticket,
            )
            first = follow_up.messages.get()
            return ReplyResult(message=first, ticket=follow_up, opened_follow_up=True)

    body, text, inline = _body(body_html, user=author)
    if is_blank(body) and not attachments:
        raise ValidationError(_("The message is empty."))
    now = timezone.now()
    message = Message.objects.create(
        ticket=ticket,
        author=author,
        internal=internal,
        body_html=body,
        body_text=text,
        channel=channel,
        created_at=now,
    )
    _attach([*attachments, *inline], ticket=ticket, message=message)
    _record(ticket, author, EventKind.NOTE if internal else EventKind.REPLY, at=now, new=message.pk)
    if not internal:
        if author.is_agent:
            if ticket.first_response_at is None:
                ticket.first_response_at = now
            _apply_status(
                ticket, status_for_category(Category.PENDING_CUSTOMER), actor=author, at=now
            )
        else:
            policy = HelpdeskSettings.load().closed_reply_policy
            target = _customer_reply_target(ticket, policy)
            if target is not None:
                _apply_status(ticket, target, actor=author, at=now)
    ticket.updated_at = now
    ticket.save()
    event = "note" if internal else "reply"
    # Internal notes are not indexed: nothing of them may reach a customer's search.
    _after_change(ticket, event, actor=author, message=message, reindex=not internal)
    return ReplyResult(message=message, ticket=ticket)


# -- status and fields --------------------------------------------------------------


@transaction.atomic
def ticket_change_status(*, ticket: Ticket, actor: User | None, status: Status) -> Ticket:
    """Set an explicit status (agents, automations)."""
    ticket = _locked(ticket)
    now = timezone.now()
    changed = _apply_status(ticket, status, actor=actor, at=now)
    if changed:
        ticket.updated_at = now
        ticket.save()
    _after_change(ticket, "status", actor=actor, notify=changed)
    return ticket


def ticket_close(*, ticket: Ticket, actor: User) -> Ticket:
    """Either side closes: nothing more is expected from the customer or support."""
    return ticket_change_status(
        ticket=ticket, actor=actor, status=status_for_category(Category.CLOSED)
    )


@transaction.atomic
def ticket_assign(*, ticket: Ticket, actor: User | None, assignee: User | None) -> Ticket:
    """Give the ticket to an agent (or nobody). A new ticket becomes assigned."""
    if assignee is not None and not assignee.is_agent:
        raise ValidationError(_("Tickets can only be assigned to agents."))
    ticket = _locked(ticket)
    if ticket.assignee_id == (assignee.pk if assignee else None):
        return ticket
    now = timezone.now()
    old = ticket.assignee.email if ticket.assignee else ""
    ticket.assignee = assignee
    _record(
        ticket,
        actor,
        EventKind.FIELD,
        at=now,
        field="assignee",
        old=old,
        new=assignee.email if assignee else "",
    )
    if assignee is not None and ticket.category in (Category.NEW, Category.OPEN):
        _apply_status(
            ticket, status_for_category(Category.OPEN, assigned=True), actor=actor, at=now
        )
    ticket.updated_at = now
    ticket.save()
    _after_change(ticket, "assigned", actor=actor)
    return ticket


_SIMPLE_FIELDS = ("subject", "type", "priority", "organisation", "group")


@transaction.atomic
def ticket_update_fields(*, ticket: Ticket, actor: User | None, **changes: Any) -> Ticket:
    """Requalify a ticket: subject, type, priority, organisation, group,
    products, themes, custom fields. Each changed field is logged."""
    unknown = set(changes) - {*_SIMPLE_FIELDS, "products", "themes", "custom_fields"}
    if unknown:
        raise TypeError(f"Unknown ticket fields: {sorted(unknown)}")
    ticket = _locked(ticket)
    now = timezone.now()
    changed = False
    for name in _SIMPLE_FIELDS:
        if name not in changes:
            continue
        old, new = getattr(ticket, name), changes[name]
        if old != new:
            setattr(ticket, name, new)
            _record(
                ticket,
                actor,
                EventKind.FIELD,
                at=now,
                field=name,
                old=getattr(old, "slug", old),
                new=getattr(new, "slug", new),
            )
            changed = True
    for name in ("products", "themes"):
        if name not in changes:
            continue
        manager = getattr(ticket, name)
        old_names = sorted(str(o) for o in manager.all())
        new_names = sorted(str(o) for o in changes[name])
        if old_names != new_names:
            manager.set(changes[name])
            _record(
                ticket,
                actor,
                EventKind.FIELD,
                at=now,
                field=name,
                old=", ".join(old_names),
                new=", ".join(new_names),
            )
            changed = True
    if "custom_fields" in changes:
        merged = {**ticket.custom_fields, **changes["custom_fields"]}
        for key in sorted(set(merged) | set(ticket.custom_fields)):
            if merged.get(key) != ticket.custom_fields.get(key):
                _record(
                    ticket,
                    actor,
                    EventKind.FIELD,
                    at=now,
                    field=f"custom:{key}",
                    old=ticket.custom_fields.get(key, ""),
                    new=merged.get(key, ""),
                )
                changed = True
        ticket.custom_fields = merged
    if changed:
        ticket.updated_at = now
        ticket.save()
    _after_change(ticket, "updated", actor=actor, notify=changed, reindex="subject" in changes)
    return ticket
