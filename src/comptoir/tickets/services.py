"""Every change to a ticket goes through here.

Each public function is one door: the portal, the desk, mail ingestion, the API
and automations call the same function. Each runs in one transaction, locks
the ticket row it changes, writes its ``TicketEvent`` rows and enqueues the
notifications in that same transaction, so a crash leaves either the old state
or the new one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import BooleanField, F, Field, Func, Q, Value
from django.db.models.signals import m2m_changed, post_delete, post_save
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
from .richtext import sanitise, to_text


class TicketClosedError(ValidationError):
    """A reply on a closed ticket when the helpdesk treats closed tickets as read-only."""


@dataclass(frozen=True)
class ReplyResult:
    message: Message
    # The ticket the message landed on: a follow-up when the closed-reply
    # policy is ``new_ticket``, else the ticket replied to.
    ticket: Ticket
    opened_follow_up: bool = False


# -- configuration read on every change ------------------------------------------

# Configuration rows every change reads (statuses, SLA policies, webhooks, mail
# settings...), kept per process for a few seconds: a change then costs no
# query for them. A save or delete of one of these models in this process
# empties the cache at once; other processes see it within the delay
# (``COMPTOIR_CONFIG_CACHE_SECONDS``, 0 turns the cache off).
CONFIG_MODELS = frozenset(
    {
        "tickets.Status",
        "tickets.TicketType",
        "tickets.Priority",
        "tickets.HelpdeskSettings",
        "tickets.CustomField",
        "desk.RoutingRule",
        "contracts.Contract",
        "sla.SlaPolicy",
        "sla.SlaTarget",
        "sla.BusinessCalendar",
        "sla.AutomationRule",
        "api.WebhookEndpoint",
        "mail.MailSettings",
        "mail.Mailbox",
    }
)
_config: dict[str, tuple[float, Any]] = {}


def config_cached[T](key: str, load: Callable[[], T]) -> T:
    """``load()``, remembered under ``key`` for ``COMPTOIR_CONFIG_CACHE_SECONDS``.
    What it returns is shared: callers read it and never change it."""
    ttl = float(getattr(settings, "COMPTOIR_CONFIG_CACHE_SECONDS", 5))
    if ttl <= 0:
        return load()
    now = time.monotonic()
    hit = _config.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]  # type: ignore[no-any-return]
    value = load()
    _config[key] = (now + ttl, value)
    return value


def config_cache_clear(**_kwargs: Any) -> None:
    _config.clear()


def _config_changed(sender: Any, **kwargs: Any) -> None:
    meta = getattr(sender, "_meta", None)
    if meta is not None and (
        meta.label in CONFIG_MODELS
        or (meta.auto_created and getattr(meta.auto_created, "_meta", meta).label in CONFIG_MODELS)
    ):
        _config.clear()


for _signal in (post_save, post_delete, m2m_changed):
    _signal.connect(_config_changed, dispatch_uid=f"comptoir-config-cache-{id(_signal)}")


def helpdesk_settings() -> HelpdeskSettings:
    return config_cached("tickets:helpdesk-settings", HelpdeskSettings.load)


# -- statuses -----------------------------------------------------------------


def _active_statuses() -> dict[str, list[Status]]:
    by_category: dict[str, list[Status]] = {}
    for status in Status.objects.filter(active=True).order_by("order", "pk"):
        by_category.setdefault(status.category, []).append(status)
    return by_category


def status_for_category(category: str, *, assigned: bool = False) -> Status:
    """The status the system uses when it moves a ticket into ``category``."""
    statuses = config_cached("tickets:statuses", _active_statuses).get(category, [])
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


def _apply_status(
    ticket: Ticket,
    status: Status,
    *,
    actor: User | None,
    at: datetime,
    events: list[TicketEvent] | None = None,
) -> bool:
    """Move ``ticket`` to ``status`` in memory and log it; the caller saves (and,
    given ``events``, writes the event with the others it collects there)."""
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
    if events is None:
        _record(
            ticket, actor, EventKind.STATUS, at=at, field="status", old=old.slug, new=status.slug
        )
    else:
        events.append(
            _event(
                ticket.pk,
                actor,
                EventKind.STATUS,
                at,
                field="status",
                old=old.slug,
                new=status.slug,
            )
        )
    return True


def _after_change(
    ticket: Ticket,
    event: str,
    *,
    actor: User | None,
    message: Message | None = None,
    notify: bool = True,
    reindex: bool = False,
    clocks: Any = None,
) -> None:
    """The consequences of a change, inside the caller's transaction so each one
    happens with the change or not at all: the SLA clocks and event automations,
    reports and webhooks here; notifications (the mail app decides who is told
    and sends them as tasks with retries) and the search index in one task
    enqueued here, which the worker runs once the change is committed.
    ``clocks``: the ticket's ``TicketSla``, when the caller locked it with the ticket."""
    # Imported here: those apps build on this module.
    from comptoir.api.webhooks import webhooks_enqueue
    from comptoir.desk.queues import queue_counts_changed
    from comptoir.mail.outbound import notification_job
    from comptoir.reports.services import report_ticket_changed
    from comptoir.sla.services import sla_ticket_changed

    from .tasks import ticket_follow_up

    queue_counts_changed([actor.pk if actor else None, ticket.assignee_id])
    # One task row for what may wait for the worker (the mails and the search
    # index), written with the change: a rollback drops it, a commit keeps it.
    if notify or reindex:
        ticket_follow_up.enqueue(
            ticket_id=ticket.pk,
            event=event,
            reindex=reindex,
            notification=(
                notification_job(ticket=ticket, event=event, actor=actor, message=message)
                if notify
                else None
            ),
        )
    sla = sla_ticket_changed(
        ticket=ticket, event=event, actor=actor, message=message, locked=clocks
    )
    report_ticket_changed(ticket=ticket, event=event, sla=sla)
    webhooks_enqueue(
        ticket=ticket, event=event, actor=actor, message=message, changed=notify or reindex
    )


def _locked(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().select_related("status").get(pk=ticket.pk)


def _locked_with_clocks(ticket: Ticket) -> tuple[Ticket, Any]:
    """``_locked``, with the ticket's SLA row (``TicketSla``) locked and read in
    the same statement, ticket first as when locked one after the other: the
    SLA update of the change then costs no read. A ticket without that row
    (None) is locked alone, and its clocks are read later as usual."""
    try:
        found = (
            Ticket.objects.select_for_update(of=("self", "sla"))
            .select_related("status", "sla")
            .get(pk=ticket.pk, sla__isnull=False)
        )
    except Ticket.DoesNotExist:
        return _locked(ticket), None
    return found, found.sla  # type: ignore[attr-defined]


def _next_number() -> int:
    # The UPDATE takes the row lock (and SQLite's write lock) until commit, so
    # two creators can never read the same value; RETURNING (PostgreSQL, SQLite
    # 3.35+) reads it in the same statement.
    table = connection.ops.quote_name(TicketCounter._meta.db_table)
    column = connection.ops.quote_name("value")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = {column} + 1 WHERE id = 1 RETURNING {column}"
        )
        row = cursor.fetchone()
    if row is not None:
        return int(row[0])
    TicketCounter.objects.get_or_create(pk=1, defaults={"value": 1000})
    TicketCounter.objects.filter(pk=1).update(value=F("value") + 1)
    return TicketCounter.objects.values_list("value", flat=True).get(pk=1)


# -- creation -------------------------------------------------------------------


def _body(body_html: str, *, user: User) -> tuple[str, str, list[Attachment]]:
    clean = sanitise(body_html)
    inline: list[Attachment] = []
    # The sanitiser writes tag names in lower case: no "<img", no image to handle.
    if "<img" in clean:
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
    priority: Priority | None = None,
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
    (already stored) that move onto the first message. Without ``priority`` (the
    customer chose none), the organisation's contract decides, else the default."""
    # Imported here: the contracts app builds on this module.
    from comptoir.contracts.queries import (
        NO_TERMS,
        contract_terms,
        helpdesk_today,
        priority_from_terms,
        remember_contract_terms,
    )

    author = created_by or requester
    now = timezone.now()
    terms = None
    if priority is None:
        # Read once: the SLA clocks started below take their policy from them.
        terms = (
            contract_terms(organisation.pk, helpdesk_today())
            if organisation is not None
            else NO_TERMS
        )
        priority = priority_from_terms(terms)
        if priority is None:
            raise ValidationError(_("No active priority: an administrator must activate one."))
    body_html, body_text, inline = _body(description_html, user=author)
    subject = " ".join(subject.split())
    if not subject:
        raise ValidationError(_("A subject is required."))
    # is_blank() without working out the text a second time.
    if not body_text and "<img" not in body_html and not attachments:
        raise ValidationError(_("A description is required."))
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
    if terms is not None:
        remember_contract_terms(ticket, terms)
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
    events = [_event(ticket.pk, author, EventKind.CREATED, now)]
    if follows is not None:
        events.append(
            _event(
                follows.pk, author, EventKind.FOLLOW_UP, now, field="follow_up", new=ticket.number
            )
        )
    TicketEvent.objects.bulk_create(events)
    # The first message, for callers that need it (mail ingestion) without a query.
    ticket.opening_message = message  # type: ignore[attr-defined]
    # Imported here: the desk builds on this module. Routing runs before the
    # consequences so that they see the ticket's group, priority and agent.
    from comptoir.desk.routing import route_new_ticket

    route_new_ticket(
        ticket=ticket,
        products={p.pk for p in products},
        themes={t.pk for t in themes},
    )
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
    ticket, clocks = _locked_with_clocks(ticket)
    if not author.is_agent and ticket.category == Category.CLOSED:
        policy = helpdesk_settings().closed_reply_policy
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
    # is_blank() without working out the text a second time.
    if not text and "<img" not in body and not attachments:
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
    events = [
        _event(
            ticket.pk, author, EventKind.NOTE if internal else EventKind.REPLY, now, new=message.pk
        )
    ]
    if not internal:
        if author.is_agent:
            if ticket.first_response_at is None:
                ticket.first_response_at = now
            _apply_status(
                ticket,
                status_for_category(Category.PENDING_CUSTOMER),
                actor=author,
                at=now,
                events=events,
            )
        else:
            policy = helpdesk_settings().closed_reply_policy
            target = _customer_reply_target(ticket, policy)
            if target is not None:
                _apply_status(ticket, target, actor=author, at=now, events=events)
    TicketEvent.objects.bulk_create(events)
    ticket.updated_at = now
    ticket.save(update_fields=_REPLY_FIELDS)
    event = "note" if internal else "reply"
    # Internal notes are not indexed: nothing of them may reach a customer's search.
    _after_change(ticket, event, actor=author, message=message, reindex=not internal, clocks=clocks)
    return ReplyResult(message=message, ticket=ticket)


# What a reply may change on the ticket (its status through ``_apply_status``).
_REPLY_FIELDS = (
    "status",
    "category",
    "resolved_at",
    "closed_at",
    "first_response_at",
    "updated_at",
)


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


# -- routing, merging, several tickets at once (the agent desk) ----------------------

# Field names of the events that tie a merged ticket to the one it went into.
MERGED_INTO = "merged_into"
MERGED_FROM = "merged_from"
# Bulk changes: rows written per statement, tickets per follow-up task.
BULK_CHUNK = 500
BULK_CHUNK_POSTGRESQL = 10_000
BULK_FOLLOW_UP_BATCH = 100


@transaction.atomic
def ticket_route(
    *,
    ticket: Ticket,
    group: SupportGroup | None = None,
    priority: Priority | None = None,
    assignee: User | None = None,
) -> Ticket:
    """Apply the routing of a ticket being created: its group, its priority, its
    agent (None leaves a field as it is). Each change is logged with no actor (the
    system) at the creation instant.

    Unlike ``ticket_assign``, the status stays New: an agent picked by a rule has
    not taken the ticket in hand yet, so the SLA response clock keeps running
    until someone does. Called by ``ticket_create`` (through the desk's routing)
    before its own consequences run, so it runs none itself."""
    if assignee is not None and not assignee.is_agent:
        raise ValidationError(_("Tickets can only be assigned to agents."))
    at = ticket.created_at
    changed: list[str] = []
    events: list[TicketEvent] = []
    if group is not None and ticket.group_id != group.pk:
        events.append(
            _event(ticket.pk, None, EventKind.FIELD, at, field="group", old=ticket.group, new=group)
        )
        ticket.group = group
        changed.append("group")
    if priority is not None and ticket.priority_id != priority.pk:
        events.append(
            _event(
                ticket.pk,
                None,
                EventKind.FIELD,
                at,
                field="priority",
                old=ticket.priority.slug,
                new=priority.slug,
            )
        )
        ticket.priority = priority
        changed.append("priority")
    if assignee is not None and ticket.assignee_id != assignee.pk:
        old_email = ticket.assignee.email if ticket.assignee else ""
        events.append(
            _event(
                ticket.pk,
                None,
                EventKind.FIELD,
                at,
                field="assignee",
                old=old_email,
                new=assignee.email,
            )
        )
        ticket.assignee = assignee
        changed.append("assignee")
    if changed:
        # One INSERT for the events, in the order the fields were looked at.
        TicketEvent.objects.bulk_create(events)
        ticket.save(update_fields=changed)
    return ticket


def merged_into_number(ticket: Ticket) -> int | None:
    """The number of the ticket ``ticket`` was merged into, if it was."""
    value = (
        TicketEvent.objects.filter(ticket=ticket, field=MERGED_INTO)
        .order_by("-pk")
        .values_list("new_value", flat=True)
        .first()
    )
    return int(value) if value and value.isdigit() else None


def _merge_notice(source: Ticket, target: Ticket) -> str:
    """The public message left on the merged ticket, in its requester's language."""
    from django.urls import reverse
    from django.utils import translation
    from django.utils.html import format_html

    with translation.override(source.language or settings.LANGUAGE_CODE):
        return str(
            format_html(
                '<p>{} <a href="{}">{}</a></p>',
                _(
                    "This request duplicates another one: it has been merged into ticket "
                    "%(ref)s, where the conversation continues. Please follow it there."
                )
                % {"ref": target.reference},
                reverse("portal:ticket", kwargs={"number": target.number}),
                target.reference,
            )
        )


@transaction.atomic
def ticket_merge(*, source: Ticket, target: Ticket, actor: User) -> Ticket:
    """Merge the duplicate ``source`` into ``target``.

    The messages of ``source`` (notes included) move to ``target`` with their
    attachments and keep their dates; ``source`` gets a public message pointing
    at ``target`` (its requester is mailed it) and is closed; both tickets log
    the merge (``merged_into`` / ``merged_from``), which is how the old number
    leads to the new one. Only tickets of the same requester merge: moving a
    conversation to another customer's ticket would show it to them. Both rows
    are locked, in id order so that two merges never wait on each other."""
    if not actor.is_agent:
        raise ValidationError(_("Only agents can merge tickets."))
    if source.pk == target.pk:
        raise ValidationError(_("A ticket cannot be merged into itself."))
    locked = {
        t.pk: t
        for t in Ticket.objects.select_for_update()
        .select_related("status", "requester")
        .filter(pk__in=[source.pk, target.pk])
        .order_by("pk")
    }
    source, target = locked[source.pk], locked[target.pk]
    if source.requester_id != target.requester_id:
        raise ValidationError(
            _("Only tickets of the same requester can be merged; link them instead.")
        )
    for ticket in (source, target):
        into = merged_into_number(ticket)
        if into is not None:
            raise ValidationError(
                _("Ticket %(ref)s has already been merged into #%(into)s.")
                % {"ref": ticket.reference, "into": into}
            )
    now = timezone.now()
    Message.objects.filter(ticket=source).update(ticket=target)
    Attachment.objects.filter(ticket=source).update(ticket=target)
    _record(target, actor, EventKind.FIELD, at=now, field=MERGED_FROM, new=source.number)
    _record(source, actor, EventKind.FIELD, at=now, field=MERGED_INTO, new=target.number)
    body, text, _inline = _body(_merge_notice(source, target), user=actor)
    notice = Message.objects.create(
        ticket=source, author=actor, body_html=body, body_text=text, created_at=now
    )
    _apply_status(source, status_for_category(Category.CLOSED), actor=actor, at=now)
    source.updated_at = target.updated_at = now
    source.save()
    target.save()
    # The requester hears about it as an agent's public reply on the old ticket.
    _after_change(source, "reply", actor=actor, message=notice, reindex=True)
    _after_change(target, "updated", actor=actor, notify=False, reindex=True)
    return target


def _ids_to_change(tickets: Iterable[Ticket] | Any) -> list[int]:
    """Ids of ``tickets`` (a queryset the caller has already limited to what the
    actor may see), read before locking: a visibility filter may use DISTINCT,
    which a locking read refuses."""
    if hasattr(tickets, "values_list"):
        return list(tickets.values_list("pk", flat=True))
    return [t.pk for t in tickets]


class _IdIsAny(Func):
    """``id = ANY(%s::bigint[])``: the ids as one array parameter (PostgreSQL)."""

    arg_joiner = " = ANY("
    template = "%(expressions)s::bigint[])"
    output_field = BooleanField()


def ids_condition(ids: Sequence[int], field: str = "pk") -> Q | _IdIsAny:
    """A filter "``field`` is one of ``ids``". On PostgreSQL the ids travel as one
    array, so the statement's text, its parsing and the ORM's work per id stay
    small whatever their number; elsewhere it is ``field__in``."""
    if connection.vendor == "postgresql":
        return _IdIsAny(F(field), Value(list(ids), output_field=Field()))
    return Q(**{f"{field}__in": ids})


def _id_slices(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    """``ids`` in slices of one statement each: PostgreSQL takes a sweep's chunk
    at once, other databases ``BULK_CHUNK`` ids (their limit on parameters)."""
    size = BULK_CHUNK_POSTGRESQL if connection.vendor == "postgresql" else BULK_CHUNK
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _lock_rows(ids: Sequence[int], *fields: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for chunk in _id_slices(ids):
        # In id order, so that two bulk changes lock their common rows in the same order.
        locked = Ticket.objects.select_for_update().filter(ids_condition(chunk)).order_by("pk")
        rows += locked.values("pk", *fields)
    return rows


def _update_rows(ids: Sequence[int], **values: Any) -> None:
    for chunk in _id_slices(ids):
        Ticket.objects.filter(ids_condition(chunk)).update(**values)


def _status_values(status: Status, now: datetime) -> dict[str, Any]:
    """Column values for moving tickets to ``status``: ``_apply_status`` as one UPDATE."""
    from django.db.models import DateTimeField
    from django.db.models.functions import Coalesce

    values: dict[str, Any] = {"status": status, "category": status.category, "updated_at": now}
    if status.category == Category.RESOLVED:
        values.update(resolved_at=now, closed_at=None)
    elif status.category == Category.CLOSED:
        values.update(
            closed_at=now,
            resolved_at=Coalesce(F("resolved_at"), Value(now, output_field=DateTimeField())),
        )
    else:
        values.update(resolved_at=None, closed_at=None)
    return values


def _event(ticket_id: int, actor: User | None, kind: str, at: datetime, **data: Any) -> TicketEvent:
    return TicketEvent(
        ticket_id=ticket_id,
        actor=actor,
        kind=kind,
        field=data.get("field", ""),
        old_value="" if data.get("old") is None else str(data.get("old")),
        new_value="" if data.get("new") is None else str(data.get("new")),
        created_at=at,
    )


def enqueue_many(task: Any, calls: Sequence[dict[str, Any]]) -> None:
    """``task.enqueue(**kwargs)`` for each ``kwargs`` of ``calls``, in the caller's
    transaction. With the database task backend the rows are written in one
    INSERT, each as ``enqueue`` writes it (same columns, same signal)."""
    from django.tasks.signals import task_enqueued
    from django.utils.json import normalize_json
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult, get_date_max

    backend = task.get_backend()
    if type(backend) is not DatabaseBackend or len(calls) < 2:
        for kwargs in calls:
            task.enqueue(**kwargs)
        return
    backend.validate_task(task)
    rows = DBTaskResult.objects.bulk_create(
        DBTaskResult(
            id=backend._get_id(),
            args_kwargs=normalize_json({"args": (), "kwargs": kwargs}),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            # What the backend's pre_save handler sets, which a bulk insert skips.
            run_after=task.run_after if task.run_after is not None else get_date_max(),
            backend_name=backend.alias,
        )
        for kwargs in calls
    )
    for row in rows:
        task_enqueued.send(type(backend), task_result=row.task_result)


def _after_bulk_change(ids: Sequence[int], event: str, actor: User | None) -> None:
    """Enqueue, with the change, what each ticket's change causes (notification,
    SLA clocks, event automations), a task per batch of tickets, all written in
    one statement: the request pays a few statements whatever the number of tickets."""
    import uuid

    from comptoir.desk.queues import queue_counts_changed
    from comptoir.desk.tasks import tickets_after_bulk_change

    queue_counts_changed([actor.pk if actor else None])
    key = f"bulk:{uuid.uuid4().hex}"
    actor_id = actor.pk if actor else None
    enqueue_many(
        tickets_after_bulk_change,
        [
            {
                "ticket_ids": list(ids[start : start + BULK_FOLLOW_UP_BATCH]),
                "event": event,
                "actor_id": actor_id,
                "key": key,
            }
            for start in range(0, len(ids), BULK_FOLLOW_UP_BATCH)
        ],
    )


@transaction.atomic
def ticket_after_bulk_change(*, ticket_id: int, event: str, actor: User | None) -> None:
    """For one ticket of a bulk change, what a single change does after it
    (``_after_change``: notification, SLA clocks, reports, webhooks), in the
    ticket's own transaction. Run by the bulk change's task, which makes sure it
    runs once per ticket."""
    ticket = (
        Ticket.objects.select_for_update().select_related("status").filter(pk=ticket_id).first()
    )
    if ticket is None:
        return
    # Field changes tell nobody, as in ticket_update_fields.
    _after_change(ticket, event, actor=actor, notify=event != "updated")


def _log_status_changes(
    ids: Sequence[int], actor: User | None, status: Status, at: datetime
) -> list[int]:
    """Log the move to ``status`` of each ticket of ``ids`` not in it yet: one
    ``INSERT ... SELECT`` per slice, which reads each row's current status itself
    (the rows are locked). The ids logged, in increasing order."""
    qn = connection.ops.quote_name

    def col(model: Any, name: str) -> str:
        return qn(model._meta.get_field(name).column)

    columns = ", ".join(
        col(TicketEvent, name)
        for name in ("ticket", "actor", "kind", "field", "old_value", "new_value", "created_at")
    )
    tid, current = f"t.{col(Ticket, 'id')}", f"t.{col(Ticket, 'status')}"
    head = (
        f"INSERT INTO {qn(TicketEvent._meta.db_table)} ({columns}) "
        f"SELECT {tid}, %s, %s, %s, s.{col(Status, 'slug')}, %s, %s "
        f"FROM {qn(Ticket._meta.db_table)} t "
        f"JOIN {qn(Status._meta.db_table)} s ON s.{col(Status, 'id')} = {current} "
        f"WHERE {current} <> %s AND {tid} "
    )
    tail = f" ORDER BY {tid} RETURNING {col(TicketEvent, 'ticket')}"
    params: list[Any] = [
        actor.pk if actor else None,
        EventKind.STATUS.value,
        "status",
        status.slug,
        connection.ops.adapt_datetimefield_value(at),
        status.pk,
    ]
    logged: list[int] = []
    with connection.cursor() as cursor:
        for chunk in _id_slices(ids):
            if connection.vendor == "postgresql":
                cursor.execute(f"{head}= ANY(%s){tail}", [*params, list(chunk)])
            else:
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"{head}IN ({marks}){tail}", [*params, *chunk])
            logged += (row[0] for row in cursor.fetchall())
    return sorted(logged)


@transaction.atomic
def tickets_bulk_change_status(
    *, tickets: Any, actor: User | None, status: Status, locked: bool = False
) -> list[int]:
    """``ticket_change_status`` for many tickets in a few statements: the rows are
    locked, logged with one ``INSERT ... SELECT`` and moved with one UPDATE (per
    slice of ids), and their consequences enqueued as batch tasks in one
    statement. ``locked``: the caller already holds the rows' locks in this
    transaction (an automation sweep), so they are not locked again. Returns the
    ids that changed, in increasing order."""
    now = timezone.now()
    ids = _ids_to_change(tickets)
    if not locked:
        ids = [row["pk"] for row in _lock_rows(ids)]
    # Logged first: the statement reads the old status that the UPDATE replaces.
    ids = _log_status_changes(ids, actor, status, now)
    if not ids:
        return []
    _update_rows(ids, **_status_values(status, now))
    _after_bulk_change(ids, "status", actor)
    return ids


@transaction.atomic
def tickets_bulk_assign(*, tickets: Any, actor: User | None, assignee: User | None) -> list[int]:
    """``ticket_assign`` for many tickets in a few statements (new and open
    tickets move to the status used for assigned tickets, as one by one)."""
    if assignee is not None and not assignee.is_agent:
        raise ValidationError(_("Tickets can only be assigned to agents."))
    now = timezone.now()
    wanted = assignee.pk if assignee else None
    rows = _lock_rows(_ids_to_change(tickets), "assignee_id", "status_id", "category")
    rows = [r for r in rows if r["assignee_id"] != wanted]
    if not rows:
        return []
    ids = [r["pk"] for r in rows]
    emails = dict(
        User.objects.filter(pk__in={r["assignee_id"] for r in rows}).values_list("pk", "email")
    )
    events = [
        _event(
            r["pk"],
            actor,
            EventKind.FIELD,
            now,
            field="assignee",
            old=emails.get(r["assignee_id"], ""),
            new=assignee.email if assignee else "",
        )
        for r in rows
    ]
    _update_rows(ids, assignee=assignee, updated_at=now)
    if assignee is not None:
        status = status_for_category(Category.OPEN, assigned=True)
        moving = [
            r
            for r in rows
            if r["category"] in (Category.NEW, Category.OPEN) and r["status_id"] != status.pk
        ]
        slugs = dict(Status.objects.values_list("pk", "slug"))
        _update_rows([r["pk"] for r in moving], **_status_values(status, now))
        events += [
            _event(
                r["pk"],
                actor,
                EventKind.STATUS,
                now,
                field="status",
                old=slugs.get(r["status_id"]),
                new=status.slug,
            )
            for r in moving
        ]
    TicketEvent.objects.bulk_create(events, batch_size=BULK_CHUNK)
    _after_bulk_change(ids, "assigned", actor)
    return ids


_BULK_FIELDS: dict[str, Any] = {"type": TicketType, "priority": Priority, "group": SupportGroup}


@transaction.atomic
def tickets_bulk_update_fields(*, tickets: Any, actor: User | None, **changes: Any) -> list[int]:
    """``ticket_update_fields`` for many tickets, for type, priority and group
    (None clears the group), in a few statements. Returns the ids that changed."""
    unknown = set(changes) - set(_BULK_FIELDS)
    if unknown:
        raise TypeError(f"Fields not changed in bulk: {sorted(unknown)}")
    now = timezone.now()
    columns = [f"{name}_id" for name in changes]
    rows = _lock_rows(_ids_to_change(tickets), *columns)
    events: list[TicketEvent] = []
    changed: set[int] = set()
    for name, new in changes.items():
        model = _BULK_FIELDS[name]
        # Events name a type or priority by its code and a group by its name.
        names = {o.pk: getattr(o, "slug", str(o)) for o in model.objects.all()}
        new_pk = new.pk if new is not None else None
        moving = [r for r in rows if r[f"{name}_id"] != new_pk]
        _update_rows([r["pk"] for r in moving], **{name: new, "updated_at": now})
        events += [
            _event(
                r["pk"],
                actor,
                EventKind.FIELD,
                now,
                field=name,
                old=names.get(r[f"{name}_id"], ""),
                new=names.get(new_pk, ""),
            )
            for r in moving
        ]
        changed.update(r["pk"] for r in moving)
    TicketEvent.objects.bulk_create(events, batch_size=BULK_CHUNK)
    ids = sorted(changed)
    if ids:
        _after_bulk_change(ids, "updated", actor)
    return ids
