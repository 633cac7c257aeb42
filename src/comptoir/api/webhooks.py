"""Webhooks: events of the ticket services POSTed to the addresses admins register.

``webhooks_enqueue`` is called by ``tickets.services._after_change`` inside the
change's transaction: the delivery rows and their tasks are written with the
change, so a rolled-back change sends nothing. Each delivery's body is built
then, once; every attempt sends those same bytes, signed anew:

    X-Comptoir-Timestamp: 1767225600
    X-Comptoir-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>

A failed attempt (no answer, or a code other than 2xx) is logged and tried
again later with a growing delay; after too many failures in a row the
webhook is switched off and the superusers are told by mail.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from comptoir.accounts.models import User
from comptoir.tickets.models import EventKind, Message, Ticket, TicketEvent

from .models import DeliveryState, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent

# Ticket service events and the webhook event each one is.
SERVICE_EVENTS = {
    "created": WebhookEvent.TICKET_CREATED,
    "reply": WebhookEvent.TICKET_REPLIED,
    "note": WebhookEvent.TICKET_NOTE,
    "status": WebhookEvent.TICKET_STATUS,
}
USER_AGENT = "Comptoir-Webhooks/1"
# A runner claims a delivery for this long; if it dies, the sweep takes it again.
LEASE = timedelta(minutes=5)
DEFAULTS = {"attempts": 8, "delay": 60, "max_delay": 6 * 3600, "disable_after": 15, "timeout": 10}


def webhook_settings() -> dict[str, int]:
    return {**DEFAULTS, **getattr(settings, "COMPTOIR_WEBHOOKS", {})}


def backoff(attempts: int) -> timedelta:
    """Delay after the ``attempts``-th failure: 1 min, 2, 4, 8... up to 6 hours."""
    conf = webhook_settings()
    return timedelta(seconds=min(conf["delay"] * 2 ** max(attempts - 1, 0), conf["max_delay"]))


def _event_names(ticket: Ticket, event: str, subscribed: set[str]) -> list[str]:
    names = [SERVICE_EVENTS.get(event, WebhookEvent.TICKET_UPDATED)]
    # A reply or an assignment may move the status too: say so to those who listen.
    if event != "status" and WebhookEvent.TICKET_STATUS in subscribed:
        moved = TicketEvent.objects.filter(
            ticket=ticket, kind=EventKind.STATUS, created_at=ticket.updated_at
        ).exists()
        if moved:
            names.append(WebhookEvent.TICKET_STATUS)
    return [name for name in names if name in subscribed]


def build_payload(
    *, name: str, ticket: Ticket, actor: User | None, message: Message | None, at: datetime
) -> dict[str, Any]:
    """The event as the receiver gets it: the ticket (as an agent sees it through
    the API), the message if any, and who acted."""
    from rest_framework.renderers import JSONRenderer

    from .serializers.common import PersonSerializer
    from .serializers.tickets import MessageSerializer, TicketSerializer

    context = {"agent": True}
    data = {
        "event": name,
        "occurred_at": at,
        "ticket": TicketSerializer(ticket, context=context).data,
        "message": MessageSerializer(message, context=context).data if message else None,
        "actor": PersonSerializer(actor, context=context).data if actor else None,
    }
    return json.loads(JSONRenderer().render(data))  # type: ignore[no-any-return]


def webhooks_enqueue(
    *,
    ticket: Ticket,
    event: str,
    actor: User | None,
    message: Message | None = None,
    changed: bool = True,
) -> list[WebhookDelivery]:
    """One delivery (and its task) per active webhook listening to the event.
    Costs no query when no webhook is registered."""
    from comptoir.tickets.services import config_cached

    from .tasks import webhook_deliver

    if not changed:
        return []
    # Read once per process for a few seconds (saving a webhook clears it).
    endpoints = config_cached(
        "api:webhooks", lambda: list(WebhookEndpoint.objects.filter(active=True))
    )
    if not endpoints:
        return []
    subscribed = {name for endpoint in endpoints for name in endpoint.events}
    names = _event_names(ticket, event, subscribed)
    if not names:
        return []
    now = timezone.now()
    payloads = {
        name: build_payload(name=name, ticket=ticket, actor=actor, message=message, at=now)
        for name in names
    }
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint=endpoint,
            event=name,
            payload=payloads[name],
            created_at=now,
            next_attempt_at=now,
        )
        for endpoint in endpoints
        for name in names
        if name in endpoint.events
    )
    for delivery in deliveries:
        webhook_deliver.enqueue(delivery_id=delivery.pk)
    return deliveries


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Deliveries go to the registered address only: a redirect is an answer, not a hop."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


# No proxy from the environment either: the request goes straight to the address.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def _post(
    url: str, body: bytes, headers: dict[str, str], timeout: int
) -> tuple[int | None, str, str]:
    """(status code, response excerpt, error) of one POST."""
    if not url.lower().startswith(("http://", "https://")):
        return None, "", "Only http and https addresses are called."
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=timeout) as response:
            return response.status, response.read(500).decode("utf-8", "replace"), ""
    except urllib.error.HTTPError as error:
        excerpt = error.read(500).decode("utf-8", "replace") if error.fp else ""
        return error.code, excerpt, ""
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return None, "", f"{type(error).__name__}: {reason}"[:500]


def _claim(delivery_id: int, now: datetime) -> WebhookDelivery | None:
    """Take a due delivery for one attempt; None if delivered, given up or taken."""
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    taken = WebhookDelivery.objects.filter(
        due, pk=delivery_id, state__in=[DeliveryState.PENDING, DeliveryState.RETRYING]
    ).update(next_attempt_at=now + LEASE)
    if not taken:
        return None
    return WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)


def delivery_attempt(*, delivery_id: int) -> bool:
    """Make one attempt at a delivery if it is due; returns whether it arrived."""
    now = timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return False
    endpoint = delivery.endpoint
    if not endpoint.active:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            state=DeliveryState.CANCELLED, next_attempt_at=None
        )
        return False
    conf = webhook_settings()
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Comptoir-Event": delivery.event,
        "X-Comptoir-Delivery": str(delivery.pk),
        "X-Comptoir-Timestamp": str(timestamp),
        "X-Comptoir-Signature": sign(endpoint.secret, timestamp, body),
    }
    started = time.monotonic()
    code, excerpt, error = _post(endpoint.url, body, headers, conf["timeout"])
    WebhookAttempt.objects.create(
        delivery=delivery,
        attempted_at=now,
        status_code=code,
        error=error,
        duration_ms=int((time.monotonic() - started) * 1000),
        response_excerpt=excerpt,
    )
    ok = code is not None and 200 <= code < 300
    _record_outcome(delivery, ok=ok, code=code, now=timezone.now())
    return ok


def _record_outcome(
    delivery: WebhookDelivery, *, ok: bool, code: int | None, now: datetime
) -> None:
    from .tasks import webhook_deliver, webhook_disabled_notice

    conf = webhook_settings()
    attempts = delivery.attempts + 1
    endpoints = WebhookEndpoint.objects.filter(pk=delivery.endpoint_id)
    if ok:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            state=DeliveryState.DELIVERED,
            attempts=attempts,
            last_status_code=code,
            delivered_at=now,
            next_attempt_at=None,
        )
        endpoints.update(consecutive_failures=0)
        return
    give_up = attempts >= conf["attempts"]
    retry_at = None if give_up else now + backoff(attempts)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state=DeliveryState.FAILED if give_up else DeliveryState.RETRYING,
        attempts=attempts,
        last_status_code=code,
        next_attempt_at=retry_at,
    )
    with transaction.atomic():
        endpoints.update(consecutive_failures=F("consecutive_failures") + 1)
        # Only the attempt that crosses the limit switches it off (and tells admins once).
        disabled = endpoints.filter(
            active=True, consecutive_failures__gte=conf["disable_after"]
        ).update(active=False, disabled_at=now)
        if disabled:
            WebhookDelivery.objects.filter(
                endpoint_id=delivery.endpoint_id,
                state__in=[DeliveryState.PENDING, DeliveryState.RETRYING],
            ).update(state=DeliveryState.CANCELLED, next_attempt_at=None)
            webhook_disabled_notice.enqueue(endpoint_id=delivery.endpoint_id)
            return
    if retry_at is not None and webhook_deliver.get_backend().supports_defer:
        webhook_deliver.using(run_after=retry_at).enqueue(delivery_id=delivery.pk)


def due_deliveries(*, now: datetime | None = None, limit: int = 200) -> list[int]:
    """Deliveries waiting for an attempt (their own task lost or not yet run)."""
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(
            state__in=[DeliveryState.PENDING, DeliveryState.RETRYING], next_attempt_at__lte=now
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
