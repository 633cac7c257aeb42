"""Personal tokens (created on a page, shown once, stored hashed, revocable,
expiring), the browser session with its CSRF check, rate limits and the
error format."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from comptoir.api.models import ApiToken
from comptoir.api.tokens import api_token_create
from tests.factories import PASSWORD, make_ticket

pytestmark = pytest.mark.django_db


def bearer(plain: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
    return client


def test_tokens_page_shows_a_new_token_once_and_stores_only_a_hash(customer, client):
    # Given Claire logged in on the tokens page
    client.force_login(customer)
    page = client.get("/api/tokens/")
    assert page.status_code == 200
    assert "You have no token yet." in page.content.decode()
    # When she creates a token
    created = client.post("/api/tokens/", {"name": "CRM sync", "expires": "90"})
    html = created.content.decode()
    plain = re.search(r'value="(cpt_[^"]+)"', html).group(1)
    assert created.status_code == 201
    assert created["Cache-Control"] == "no-store"
    # Then the token works, is not stored as such, and is not shown again
    token = ApiToken.objects.get(user=customer)
    assert plain not in (token.secret_hash, token.prefix)
    assert token.expires_at.date() == (timezone.now() + datetime.timedelta(days=90)).date()
    assert bearer(plain).get("/api/v1/me/").json()["email"] == customer.email
    again = client.get("/api/tokens/").content.decode()
    assert plain not in again and "CRM sync" in again
    assert "Last used" in again


def test_a_revoked_token_stops_working(customer, client):
    client.force_login(customer)
    new = api_token_create(user=customer, name="Zapier")
    api = bearer(new.plain)
    assert api.get("/api/v1/me/").status_code == 200
    response = client.post(f"/api/tokens/{new.token.pk}/revoke/", follow=True)
    assert "is revoked" in response.content.decode()
    refused = api.get("/api/v1/me/")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "authentication_failed"
    assert refused["WWW-Authenticate"].startswith("Bearer")


def test_nobody_revokes_someone_elses_token(customer, other_customer, client):
    new = api_token_create(user=customer, name="Mine")
    client.force_login(other_customer)
    assert client.post(f"/api/tokens/{new.token.pk}/revoke/").status_code == 404
    assert bearer(new.plain).get("/api/v1/me/").status_code == 200


def test_an_expired_token_is_refused_and_last_use_is_recorded(customer):
    new = api_token_create(
        user=customer, name="Short", expires_at=timezone.now() + datetime.timedelta(days=1)
    )
    assert bearer(new.plain).get("/api/v1/me/").status_code == 200
    new.token.refresh_from_db()
    assert new.token.last_used_at is not None
    with time_machine.travel(timezone.now() + datetime.timedelta(days=2)):
        assert bearer(new.plain).get("/api/v1/me/").status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Bearer cpt_abc_def", "Bearer nonsense", "Bearer", "Token cpt_x_y extra", "Bearer cpt_\u00e9"],
)
def test_bad_tokens_are_refused_in_the_error_format(db, header):
    client = APIClient()
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert set(response.json()["error"]) == {"code", "message", "fields"}


def test_a_deactivated_user_token_is_refused(customer):
    new = api_token_create(user=customer, name="x")
    customer.is_active = False
    customer.save()
    assert bearer(new.plain).get("/api/v1/me/").status_code == 401


def test_without_credentials_the_api_answers_401(db):
    response = APIClient().get("/api/v1/tickets/")
    assert response.status_code == 401


def test_session_callers_need_the_csrf_token_to_change_anything(customer):
    ticket = make_ticket(customer)
    browser = Client(enforce_csrf_checks=True)
    assert browser.login(email=customer.email, password=PASSWORD)
    # Reading with the session works
    assert browser.get(f"/api/v1/tickets/{ticket.number}/").status_code == 200
    # Writing without the CSRF token does not
    url = f"/api/v1/tickets/{ticket.number}/reply/"
    refused = browser.post(url, {"body": "hi"}, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["error"]["message"]
    # With it, it does
    browser.get("/api/tokens/")
    csrf = browser.cookies["csrftoken"].value
    done = browser.post(url, {"body": "hi"}, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert done.status_code == 201


def test_rate_limit_is_per_token(customer, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": "3/min"},
    }
    cache.clear()
    first = bearer(api_token_create(user=customer, name="a").plain)
    second = bearer(api_token_create(user=customer, name="b").plain)
    for _ in range(3):
        assert first.get("/api/v1/me/").status_code == 200
    limited = first.get("/api/v1/me/")
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "throttled"
    assert int(limited["Retry-After"]) > 0
    # Another token of the same person has its own budget.
    assert second.get("/api/v1/me/").status_code == 200
    cache.clear()


def test_error_messages_follow_accept_language_then_the_profile(customer, customer_api):
    french = customer_api.get("/api/v1/tickets/424242/", HTTP_ACCEPT_LANGUAGE="fr")
    assert french.status_code == 404
    assert french.json()["error"] == {"code": "not_found", "message": "Introuvable.", "fields": {}}
    customer.language = "es"
    customer.save()
    spanish = customer_api.get("/api/v1/tickets/424242/")
    assert spanish.json()["error"]["message"] == "No encontrado."


def test_unknown_api_addresses_answer_in_the_error_format(customer_api):
    response = customer_api.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_dates_are_given_in_utc(customer, customer_api):
    customer.time_zone = "America/Montreal"
    customer.save()
    ticket = make_ticket(customer)
    created = customer_api.get(f"/api/v1/tickets/{ticket.number}/").json()["created_at"]
    assert created.endswith("Z")
