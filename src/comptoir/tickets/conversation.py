"""The rendered conversation of a ticket, kept in the cache.

Messages never change once written, and every new message (or merge) moves
``ticket.updated_at``: a rendering is kept under the ticket's version and what
shapes it for the viewer (notes or not, language, time zone, date format), so
a page seen again costs neither the queries nor the rendering. The portal and
the desk each render their own conversation through ``cached_rendering``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation


def conversation_ttl() -> float:
    """How long a rendering is kept: ``COMPTOIR_CONVERSATION_CACHE_SECONDS``,
    else 10 minutes wherever the configuration cache is on (off in the test
    settings)."""
    ttl = getattr(settings, "COMPTOIR_CONVERSATION_CACHE_SECONDS", None)
    if ttl is None:
        ttl = 600 if float(getattr(settings, "COMPTOIR_CONFIG_CACHE_SECONDS", 5)) > 0 else 0
    return float(ttl)


def cached_rendering[T](prefix: str, user: Any, ticket: Any, render: Callable[[], T]) -> T:
    """``render()`` for ``user`` on ``ticket``, from the cache when this version
    of the ticket was rendered for the same kind of viewer."""
    ttl = conversation_ttl()
    if ttl <= 0:
        return render()
    shape = "|".join(
        str(part)
        for part in (
            ticket.updated_at.isoformat(),
            int(bool(user.is_agent)),
            translation.get_language(),
            timezone.get_current_timezone_name(),
            user.date_format,
        )
    )
    key = f"{prefix}:conversation:{ticket.pk}:{hashlib.sha1(shape.encode()).hexdigest()}"
    found: T | None = cache.get(key)
    if found is None:
        found = render()
        cache.set(key, found, ttl)
    return found
