"""Background work of the desk: the per-ticket consequences of bulk changes."""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.tasks import task
from django.utils import timezone

from comptoir.accounts.models import User

from .models import BulkFollowUp

# Markers of done follow-ups are kept this long: long enough for any retry.
KEEP_MARKERS = timedelta(days=7)


@task()
def tickets_after_bulk_change(
    *, ticket_ids: list[int], event: str, actor_id: int | None, key: str
) -> int:
    """Run, ticket by ticket, what a single change does after it (notification,
    SLA clocks, reports, webhooks). Each ticket is done in one transaction with
    a marker row, so a retried or repeated task skips what was already done and
    nobody is mailed twice. Returns how many tickets were done by this run."""
    from comptoir.tickets import services

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    done = 0
    for ticket_id in ticket_ids:
        try:
            with transaction.atomic():
                BulkFollowUp.objects.create(key=key, ticket_id=ticket_id)
                services.ticket_after_bulk_change(ticket_id=ticket_id, event=event, actor=actor)
        except IntegrityError:
            continue  # done by an earlier run
        done += 1
    BulkFollowUp.objects.filter(done_at__lt=timezone.now() - KEEP_MARKERS).delete()
    return done
