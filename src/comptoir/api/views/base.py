"""What every API view shares: the caller's language, UTC dates, the agent flag
for serializers, and the agents-only permission."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from rest_framework import permissions
from rest_framework.request import Request


def is_agent(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_agent)


class IsAgent(permissions.BasePermission):
    message = _("Only agents can do this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_agent(request.user)


class ApiViewMixin:
    """Mixed into every API view."""

    request: Request

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Dates go out in UTC whatever the profile says; programs convert them.
        self._previous_zone = timezone.get_current_timezone()
        timezone.activate(datetime.UTC)
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        # Token callers have no session: their preferred language applies unless
        # the request names one (Accept-Language, read by LocaleMiddleware).
        language = getattr(request.user, "language", "")
        supported = {code for code, _name in settings.LANGUAGES}
        if language in supported and "HTTP_ACCEPT_LANGUAGE" not in request.META:
            translation.activate(language)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        if hasattr(self, "_previous_zone"):
            timezone.activate(self._previous_zone)
        return response

    def get_serializer_context(self) -> dict[str, Any]:
        context: dict[str, Any] = super().get_serializer_context()  # type: ignore[misc]
        context["agent"] = is_agent(self.request.user)
        return context
