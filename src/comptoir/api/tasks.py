"""The API's background work: webhook deliveries and housekeeping."""

from __future__ import annotations

from crontask import cron
from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.tasks import task
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from comptoir.accounts.models import User

from .models import WebhookEndpoint


@task()
def webhook_deliver(*, delivery_id: int) -> bool:
    """One attempt at one delivery. Safe to run twice: a delivered, abandoned or
    already-claimed delivery is left alone."""
    from .webhooks import delivery_attempt

    return delivery_attempt(delivery_id=delivery_id)


@cron("* * * * *")
@task()
def webhooks_retry_due() -> int:
    """Every minute: attempt the deliveries that are due, whatever became of their task."""
    from .webhooks import delivery_attempt, due_deliveries

    return sum(delivery_attempt(delivery_id=pk) for pk in due_deliveries())


@task()
def webhook_disabled_notice(*, endpoint_id: int) -> int:
    """Tell the superusers, by mail, that a webhook was switched off."""
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id).first()
    if endpoint is None:
        return 0
    admins = User.objects.filter(is_superuser=True, is_active=True).exclude(email="")
    link = settings.SITE_URL.rstrip("/") + reverse(
        "admin:api_webhookendpoint_change", args=[endpoint.pk]
    )
    mails = []
    for admin in admins:
        with translation.override(admin.language or settings.LANGUAGE_CODE):
            subject = _("Webhook “%(name)s” was switched off") % {"name": endpoint.name}
            body = _(
                "The webhook “%(name)s” (%(url)s) failed %(count)s times in a row, so "
                "Comptoir stopped sending it events.\n\nCheck the receiving service, then "
                "switch the webhook back on in the administration:\n%(link)s\n"
            ) % {
                "name": endpoint.name,
                "url": endpoint.url,
                "count": endpoint.consecutive_failures,
                "link": link,
            }
        mails.append(EmailMessage(subject=subject, body=body, to=[admin.email]))
    if mails:
        mailers.default.send_messages(mails)
    return len(mails)


@cron("41 4 * * *")
@task()
def purge_idempotency_keys() -> int:
    """Every day: forget stored answers older than a day."""
    from .idempotency import idempotency_keys_purge

    return idempotency_keys_purge()
