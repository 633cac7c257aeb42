"""Side effects of ticket changes, run by the task worker after commit."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from crontask import cron
from django.tasks import task
from django.utils import timezone

from .models import Attachment

logger = logging.getLogger(__name__)


@task()
def notify_ticket_event(
    *, ticket_id: int, event: str, actor_id: int | None, message_id: int | None
) -> int:
    """Kept for jobs queued before notifications moved to the mail app."""
    from comptoir.mail.tasks import notify_ticket_event as mail_notify

    return int(
        mail_notify.call(ticket_id=ticket_id, event=event, actor_id=actor_id, message_id=message_id)
    )


@task()
def ticket_follow_up(
    *, ticket_id: int, event: str, reindex: bool, notification: dict[str, Any] | None
) -> int:
    """What a ticket change leaves for the worker, enqueued with the change (one
    task row per change): the notifications (``notification`` holds the
    arguments of ``mail.tasks.notify_ticket_event``) and the search document.
    Both are safe to run again; one failing does not keep the other from running."""
    from comptoir.mail.tasks import notify_ticket_event as mail_notify
    from comptoir.search.index import index_ticket

    failure: Exception | None = None
    sent = 0
    if notification is not None:
        try:
            sent = int(mail_notify.call(**notification))
        except Exception as error:
            logger.exception("Notifications of ticket %s (%s) failed", ticket_id, event)
            failure = error
    if reindex:
        try:
            index_ticket(ticket_id=ticket_id)
        except Exception as error:
            logger.exception("Search index of ticket %s failed", ticket_id)
            failure = failure or error
    if failure is not None:
        raise failure
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
