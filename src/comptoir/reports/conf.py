"""Settings of surveys, exports and reports, read when used (never at import time).

Each can be set in the Django settings or, failing that, in the environment.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings


def _int(name: str, default: int) -> int:
    value: Any = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    return int(value)


def export_sync_max_rows() -> int:
    """Exports with more rows than this run as a background task."""
    return _int("COMPTOIR_EXPORT_SYNC_MAX_ROWS", 5000)


def export_expiry_hours() -> int:
    """How long the file of a background export can be downloaded."""
    return _int("COMPTOIR_EXPORT_EXPIRY_HOURS", 24)


def export_max_rows() -> int:
    """The largest export accepted (a guard against a runaway request)."""
    return _int("COMPTOIR_EXPORT_MAX_ROWS", 1_000_000)
