"""The email channel's background work: notifications, sending, polling."""

from __future__ import annotations

from crontask import cron
from django.tasks import task
from django.utils import timezone

from comptoir.accounts.models import User
from comptoir.tickets.models import Message, Ticket

from .models import Mailbox, OutboundMail


@task()
def notify_ticket_event(
    *,
    ticket_id: int,
    event: str,
    actor_id: int | None,
    message_id: int | None,
    inbound_id: int | None = None,
    key: str = "",
    extra: dict[str, str] | None = None,
) -> int:
    """Write one mail per person concerned, then send each. Safe to run twice:
    ``key`` identifies the event, so a second run writes nothing new."""
    from .outbound import notifications_create

    ticket = (
        Ticket.objects.select_related("requester", "assignee", "status", "group")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        return 0
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    message = (
        Message.objects.select_related("author").filter(pk=message_id).first()
        if message_id
        else None
    )
    created = notifications_create(
        ticket=ticket,
        event=event,
        actor=actor,
        message=message,
        inbound_id=inbound_id,
        key=key or f"{event}:{ticket_id}:{message_id}:{timezone.now().timestamp()}",
        extra=extra,
    )
    for outbound in created:
        outbound_send.enqueue(outbound_id=outbound.pk)
    return len(created)


@task()
def outbound_send(*, outbound_id: int) -> bool:
    """Send one stored mail; a failure schedules the next attempt with backoff."""
    from .sending import mail_send

    outbound = OutboundMail.objects.filter(pk=outbound_id).first()
    if outbound is None:
        return False
    sent = mail_send(outbound=outbound)
    outbound.refresh_from_db()
    backend = outbound_send.get_backend()
    if not sent and outbound.next_attempt_at is not None and backend.supports_defer:
        outbound_send.using(run_after=outbound.next_attempt_at).enqueue(outbound_id=outbound_id)
    return sent


@cron("* * * * *")
@task()
def outbound_retry_due() -> int:
    """Every minute: send mail whose next attempt is due (whatever became of its task)."""
    from .sending import due_mail, mail_send

    sent = 0
    for pk in due_mail():
        outbound = OutboundMail.objects.filter(pk=pk).first()
        if outbound is not None and mail_send(outbound=outbound):
            sent += 1
    return sent


@cron("* * * * *")
@task()
def poll_mailboxes() -> int:
    """Every minute: poll each mailbox that is due. A broken mailbox backs off
    on its own; the others are polled all the same."""
    from .imap import mailbox_poll, mailboxes_due

    polled = 0
    for mailbox_id in mailboxes_due():
        mailbox = Mailbox.objects.get(pk=mailbox_id)
        mailbox_poll(mailbox=mailbox)
        polled += 1
    return polled
