"""Sending one stored mail, with retries that back off: an SMTP server that is
down delays mail, it never loses it."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.mail import EmailMultiAlternatives, mailers
from django.db.models import Q
from django.utils import timezone

from .models import DeliveryState, MailSettings, OutboundMail

logger = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=1)
# Attachments beyond this total are named in the mail, not attached.
MAX_ATTACHED_BYTES = 15 * 1024 * 1024


def backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def build(outbound: OutboundMail) -> EmailMultiAlternatives:
    headers = {
        "Message-ID": f"<{outbound.message_id}>",
        "Auto-Submitted": outbound.auto_submitted,
        # Asks Exchange and Outlook not to answer with out-of-office replies.
        "X-Auto-Response-Suppress": "All",
        "X-Comptoir-Loop": "1",
    }
    if outbound.in_reply_to:
        headers["In-Reply-To"] = outbound.in_reply_to
    if outbound.references:
        headers["References"] = outbound.references
    mail = EmailMultiAlternatives(
        subject=outbound.subject,
        body=outbound.body_text,
        from_email=outbound.from_address,
        to=[outbound.to_address],
        cc=list(outbound.cc),
        reply_to=[outbound.reply_to] if outbound.reply_to else None,
        headers=headers,
    )
    if outbound.body_html:
        mail.attach_alternative(outbound.body_html, "text/html")
    if outbound.ticket_message is not None:
        total = 0
        for attachment in outbound.ticket_message.attachments.filter(inline=False):
            total += attachment.size
            if total > MAX_ATTACHED_BYTES:
                break
            with attachment.file.open("rb") as handle:
                mail.attach(attachment.filename, handle.read(), attachment.content_type)
    return mail


def mail_send(*, outbound: OutboundMail) -> bool:
    """Send ``outbound`` unless already sent; on failure, schedule the next try.
    Returns whether it went."""
    outbound.refresh_from_db()
    if outbound.state in (DeliveryState.SENT, DeliveryState.FAILED, DeliveryState.BOUNCED):
        return outbound.state == DeliveryState.SENT
    now = timezone.now()
    try:
        mailers.default.send_messages([build(outbound)])
    except Exception as error:  # any transport failure: try again later
        attempts = outbound.attempts + 1
        give_up = attempts >= MailSettings.load().max_send_attempts
        OutboundMail.objects.filter(pk=outbound.pk).update(
            attempts=attempts,
            state=DeliveryState.FAILED if give_up else DeliveryState.RETRYING,
            last_error=f"{type(error).__name__}: {error}"[:2000],
            next_attempt_at=None if give_up else now + backoff(attempts),
        )
        logger.warning("Mail %s not sent (attempt %s): %s", outbound.pk, attempts, error)
        return False
    OutboundMail.objects.filter(pk=outbound.pk).update(
        state=DeliveryState.SENT,
        attempts=outbound.attempts + 1,
        sent_at=now,
        next_attempt_at=None,
        last_error="",
    )
    return True


def due_mail(limit: int = 200) -> list[int]:
    """Mail waiting for its next try, oldest first (queued mail whose task was
    lost counts after five minutes)."""
    now = timezone.now()
    due = Q(state=DeliveryState.RETRYING, next_attempt_at__lte=now) | Q(
        state=DeliveryState.QUEUED, created_at__lte=now - timedelta(minutes=5)
    )
    return list(
        OutboundMail.objects.filter(due).order_by("created_at").values_list("pk", flat=True)[:limit]
    )
