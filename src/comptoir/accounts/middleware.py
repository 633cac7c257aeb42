"""Show every page in the viewer's language and time zone."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation


class UserPreferencesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        tz_name = getattr(user, "time_zone", "") if user and user.is_authenticated else ""
        if tz_name:
            try:
                timezone.activate(zoneinfo.ZoneInfo(tz_name))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        # An explicit choice (language switch cookie) wins over the profile, and
        # only languages the helpdesk speaks are taken from either.
        language = getattr(user, "language", "") if user and user.is_authenticated else ""
        supported = {code for code, _name in settings.LANGUAGES}
        if language in supported and not request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
