"""Keep the previous login date so the portal home can show it (seed 004)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import update_last_login
from django.contrib.auth.signals import user_logged_in
from django.utils import timezone


def record_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    user.previous_login = user.last_login
    user.last_login = timezone.now()
    user.save(update_fields=["previous_login", "last_login"])


def connect() -> None:
    # Replace Django's receiver: it would overwrite last_login before we read it.
    user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
    user_logged_in.connect(record_login, dispatch_uid="comptoir_record_login")
