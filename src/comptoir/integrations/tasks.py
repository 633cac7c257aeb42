"""Periodic clean-up of in-app entry: spent tokens and old log entries."""

from __future__ import annotations

from crontask import cron
from django.conf import settings
from django.tasks import task

from . import services


@cron("41 * * * *")
@task()
def purge_used_tokens() -> dict[str, int]:
    """Forget spent links once they have expired anyway (a replay would be refused
    as expired), and entry log lines older than COMPTOIR_INAPP_LOG_DAYS (90)."""
    return services.purge_expired(log_days=getattr(settings, "COMPTOIR_INAPP_LOG_DAYS", 90))
