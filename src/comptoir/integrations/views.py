"""Entering the portal from a vendor's application, and the script that adds a
"Support" button to the application's pages."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import time

from django.conf import settings
from django.contrib.auth import login
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from . import services

LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"
EMBED_MAX_AGE = 3600


def _remote_ip(request: HttpRequest) -> str | None:
    value = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _rate_limited(ip: str | None) -> bool:
    """A light limit per address and minute, counted in the shared cache."""
    limit = getattr(settings, "COMPTOIR_INAPP_RATE_PER_MINUTE", 60)
    if not limit:
        return False
    key = f"integrations:entry:{ip or '-'}:{int(time.time() // 60)}"
    cache.add(key, 0, 120)
    try:
        return cache.incr(key) > limit
    except ValueError:
        return False


def _refused(request: HttpRequest, reason: str, status: int) -> HttpResponse:
    response = render(request, "integrations/refused.html", {"reason": reason}, status=status)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@csrf_exempt  # The signed token is the proof; it comes from another site on purpose.
@require_http_methods(["GET", "POST"])
def enter(request: HttpRequest) -> HttpResponse:
    """Log the application's user in from a signed link and open the new-ticket form
    (or the page the link names), pre-filled with what the application sent."""
    ip = _remote_ip(request)
    if _rate_limited(ip):
        services.logger.warning("In-app entry rate limited: ip=%s", ip or "-")
        return _refused(request, "rate_limited", 429)
    token = request.POST.get("token") if request.method == "POST" else request.GET.get("token")
    try:
        entry = services.enter_with_token(token or "", remote_ip=ip)
    except services.EntryRefused as refusal:
        return _refused(request, refusal.reason, refusal.status)
    login(request, entry.user, backend=LOGIN_BACKEND)
    # After login: logging in starts a new session.
    request.session[services.SESSION_PREFILL] = entry.prefill
    response = redirect(entry.next_path or reverse("portal:ticket_new"))
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _labels() -> dict[str, str]:
    labels = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            labels[code] = _("Support")
    return labels


@require_GET
def embed_js(request: HttpRequest) -> HttpResponse:
    """The same script for everyone: cacheable by browsers and proxies."""
    body = render_to_string(
        "integrations/embed.js",
        {
            "labels": json.dumps(_labels(), ensure_ascii=True),
            "default_lang": json.dumps(settings.LANGUAGE_CODE),
            "portal_path": json.dumps(reverse("portal:home")),
        },
    )
    etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["ETag"] = etag
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    patch_cache_control(response, public=True, max_age=EMBED_MAX_AGE)
    return response
