"""Side effects of ticket changes, run by the task worker after commit."""

from __future__ import annotations

from datetime import timedelta

from crontask import cron
from django.tasks import task
from django.utils import timezone

from .models import Attachment


@task()
def notify_ticket_event(
    *, ticket_id: int, event: str, actor_id: int | None, message_id: int | None
) -> int:
    """Kept for jobs queued before notifications moved to the mail app."""
    from comptoir.mail.tasks import notify_ticket_event as mail_notify

    return int(
        mail_notify.call(ticket_id=ticket_id, event=event, actor_id=actor_id, message_id=message_id)
    )


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
