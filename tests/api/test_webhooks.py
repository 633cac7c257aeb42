"""Webhooks: a receiver on 127.0.0.1, started by the test, checks each delivery's
signature; a 500 is retried later; repeated failures switch the webhook off
and the superusers are told by mail."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from comptoir.api import tasks
from comptoir.api.models import DeliveryState, WebhookDelivery, WebhookEndpoint, WebhookEvent
from comptoir.tickets import services
from tests.factories import make_ticket

pytestmark = pytest.mark.django_db


@dataclass
class Receiver:
    """A webhook receiver: answers each POST with the next planned code."""

    secret: str = "s3cret-shared-with-the-receiver"
    codes: list[int] = field(default_factory=list)
    received: list[dict] = field(default_factory=list)
    url: str = ""

    def verify(self, headers: dict[str, str], body: bytes) -> bool:
        timestamp = headers["X-Comptoir-Timestamp"]
        expected = hmac.new(
            self.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
        ).hexdigest()
        return hmac.compare_digest(headers["X-Comptoir-Signature"], f"sha256={expected}")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            headers = {k: v for k, v in self.headers.items()}
            state.received.append(
                {"headers": headers, "body": body, "valid": state.verify(headers, body)}
            )
            code = state.codes.pop(0) if state.codes else 200
            self.send_response(code)
            self.end_headers()
            self.wfile.write(b"ok" if code < 300 else b"boom")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_port}/hooks/comptoir"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def register(receiver: Receiver, *events: str) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        name="CRM", url=receiver.url, events=list(events), secret=receiver.secret
    )


def test_ticket_created_is_delivered_signed(receiver, customer, customer_api):
    register(receiver, WebhookEvent.TICKET_CREATED)
    response = customer_api.post(
        "/api/v1/tickets/",
        {"subject": "Printer", "description": "Jammed", "type": "help"},
        format="json",
    )
    assert len(receiver.received) == 1
    delivery = receiver.received[0]
    assert delivery["valid"] is True
    assert delivery["headers"]["X-Comptoir-Event"] == "ticket.created"
    payload = json.loads(delivery["body"])
    assert payload["event"] == "ticket.created"
    assert payload["ticket"]["number"] == response.json()["number"]
    assert payload["message"]["body_text"] == "Jammed"
    logged = WebhookDelivery.objects.get()
    assert logged.state == DeliveryState.DELIVERED
    assert list(logged.attempt_log.values_list("status_code", flat=True)) == [200]


def test_a_500_is_retried_later_with_the_same_body(receiver, customer, agent):
    # Given a receiver that fails once, then works
    register(receiver, WebhookEvent.TICKET_REPLIED)
    receiver.codes = [500, 200]
    ticket = make_ticket(customer)
    # When an agent replies
    services.ticket_reply(ticket=ticket, author=agent, body_html="<p>Fixed in 4.2</p>")
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.RETRYING
    assert delivery.last_status_code == 500
    # Not yet due: the sweep leaves it alone
    assert tasks.webhooks_retry_due.call() == 0
    # Then, once the backoff has passed, the sweep delivers it
    with time_machine.travel(delivery.next_attempt_at + datetime.timedelta(seconds=1)):
        assert tasks.webhooks_retry_due.call() == 1
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED
    assert delivery.attempts == 2
    assert list(delivery.attempt_log.values_list("status_code", flat=True)) == [500, 200]
    first, second = receiver.received
    assert first["body"] == second["body"]
    assert first["valid"] and second["valid"]
    assert json.loads(second["body"])["message"]["body_text"] == "Fixed in 4.2"
    # Delivered: running its task again sends nothing more.
    tasks.webhook_deliver.call(delivery_id=delivery.pk)
    assert len(receiver.received) == 2


def test_a_reply_that_moves_the_status_also_says_so(receiver, customer, agent):
    register(receiver, WebhookEvent.TICKET_REPLIED, WebhookEvent.TICKET_STATUS)
    ticket = make_ticket(customer)
    services.ticket_reply(ticket=ticket, author=agent, body_html="<p>Which version?</p>")
    events = [r["headers"]["X-Comptoir-Event"] for r in receiver.received]
    assert sorted(events) == ["ticket.replied", "ticket.status_changed"]


def test_internal_notes_go_only_to_webhooks_that_ask_for_them(receiver, customer, agent):
    register(receiver, WebhookEvent.TICKET_REPLIED)
    ticket = make_ticket(customer)
    services.ticket_reply(ticket=ticket, author=agent, body_html="<p>x</p>", internal=True)
    assert receiver.received == []


def test_a_rolled_back_change_sends_nothing(receiver, customer):
    from django.db import transaction

    register(receiver, WebhookEvent.TICKET_CREATED)
    with pytest.raises(RuntimeError), transaction.atomic():
        make_ticket(customer)
        raise RuntimeError("the change fails after the service ran")
    assert not WebhookDelivery.objects.exists()


def test_repeated_failures_switch_the_webhook_off_and_tell_admins(
    receiver, customer, agent, admin_user, settings
):
    settings.COMPTOIR_WEBHOOKS = {"disable_after": 3, "attempts": 10}
    endpoint = register(receiver, WebhookEvent.TICKET_UPDATED)
    receiver.codes = [500] * 10
    ticket = make_ticket(customer)
    services.ticket_update_fields(ticket=ticket, actor=agent, subject="First")
    services.ticket_update_fields(ticket=ticket, actor=agent, subject="Second")
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.consecutive_failures == 2
    services.ticket_update_fields(ticket=ticket, actor=agent, subject="Third")
    endpoint.refresh_from_db()
    assert not endpoint.active
    assert endpoint.disabled_at is not None
    # Waiting deliveries are dropped and nothing more is sent.
    assert not WebhookDelivery.objects.filter(
        state__in=[DeliveryState.PENDING, DeliveryState.RETRYING]
    ).exists()
    services.ticket_update_fields(ticket=ticket, actor=agent, subject="Fourth")
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1)):
        tasks.webhooks_retry_due.call()
    assert len(receiver.received) == 3
    notices = [m for m in mail.outbox if admin_user.email in m.to]
    assert len(notices) == 1
    assert "CRM" in notices[0].subject
    assert f"/admin/api/webhookendpoint/{endpoint.pk}/change/" in notices[0].body


def test_redirects_are_not_followed(receiver, customer):
    register(receiver, WebhookEvent.TICKET_CREATED)
    receiver.codes = [302]
    make_ticket(customer)
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.RETRYING
    assert delivery.last_status_code == 302
    assert len(receiver.received) == 1


def test_an_unreachable_receiver_is_logged_as_an_error(customer):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    WebhookEndpoint.objects.create(
        name="Down", url=f"http://127.0.0.1:{port}/", events=[WebhookEvent.TICKET_CREATED]
    )
    make_ticket(customer)
    attempt = WebhookDelivery.objects.get().attempt_log.get()
    assert attempt.status_code is None
    assert "refused" in attempt.error.lower()


def test_without_webhooks_a_change_costs_one_query(customer, agent, django_assert_num_queries):
    from comptoir.api.webhooks import webhooks_enqueue

    ticket = make_ticket(customer)
    with django_assert_num_queries(1):
        webhooks_enqueue(ticket=ticket, event="reply", actor=agent)


def test_only_http_addresses_are_ever_called(customer):
    WebhookEndpoint.objects.create(
        name="Odd", url="file:///etc/passwd", events=[WebhookEvent.TICKET_CREATED]
    )
    make_ticket(customer)
    attempt = WebhookDelivery.objects.get().attempt_log.get()
    assert attempt.status_code is None
    assert "Only http" in attempt.error
