from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def accounts(request: HttpRequest) -> dict[str, object]:
    """What account links every page may need: the sign-up link on the login page."""
    return {"signup_open": bool(getattr(settings, "COMPTOIR_SIGNUP_OPEN", False))}
