"""Administrators create integrations, see each secret once, rotate it, and read
the entry log."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comptoir.integrations.models import Integration, IntegrationLogEntry, Outcome
from tests.integrations.helpers import claims_for, link, make_integration, sign
from tests.portal.helpers import text

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:integrations_integration_changelist")
ADD = reverse("admin:integrations_integration_add")
SECRET = re.compile(r'<code class="integration-secret">([^<]+)</code>')


@pytest.fixture
def admin_user(db):
    from comptoir.accounts.models import User

    return User.objects.create_superuser("root@support.test", "long-password-42")


@pytest.fixture
def admin(client, admin_user):
    client.force_login(admin_user)
    return client


def test_creating_an_integration_shows_its_secret_once(admin, client):
    response = admin.post(
        ADD,
        {
            "name": "Planning app",
            "slug": "planning-app",
            "active": "on",
            "max_lifetime": "300",
            "allowed_domains": "",
            "organisation_policy": "create",
            "rotation_overlap_hours": "24",
        },
    )

    assert response.status_code == 200
    assert "it will not be shown again" in text(response)
    secret = SECRET.search(response.content.decode()).group(1)
    integration = Integration.objects.get(slug="planning-app")
    assert integration.secrets_for(timezone.now()) == [secret]
    # The secret signs links Comptoir accepts.
    client.logout()
    assert client.get(link(sign(secret, claims_for()))).status_code == 302

    # And no page of the admin shows it again.
    admin.force_login(integration_admin())
    for url in (
        CHANGELIST,
        reverse("admin:integrations_integration_change", args=[integration.pk]),
    ):
        page = admin.get(url)
        assert page.status_code == 200
        assert secret not in page.content.decode()
        assert integration.secret_sealed not in page.content.decode()


def integration_admin():
    from comptoir.accounts.models import User

    return User.objects.get(email="root@support.test")


def test_rotating_shows_the_new_secret_and_keeps_the_old_one_for_the_overlap(admin):
    integration, old_secret = make_integration(rotation_overlap_hours=6)

    response = admin.post(
        CHANGELIST, {"action": "rotate_secret", "_selected_action": [integration.pk]}
    )

    assert response.status_code == 200
    new_secret = SECRET.search(response.content.decode()).group(1)
    integration.refresh_from_db()
    now = timezone.now()
    assert integration.secrets_for(now) == [new_secret, old_secret]
    assert 5.9 * 3600 < (integration.previous_valid_until - now).total_seconds() <= 6 * 3600
    assert "no-store" in response["Cache-Control"]


def test_ending_the_overlap_from_the_admin(admin):
    integration, _secret = make_integration()
    admin.post(CHANGELIST, {"action": "rotate_secret", "_selected_action": [integration.pk]})

    admin.post(CHANGELIST, {"action": "end_overlap", "_selected_action": [integration.pk]})

    integration.refresh_from_db()
    assert len(integration.secrets_for(timezone.now())) == 1


def make_log_entries(count: int) -> None:
    integration = Integration.objects.first() or make_integration()[0]
    IntegrationLogEntry.objects.bulk_create(
        IntegrationLogEntry(
            integration=integration,
            outcome=Outcome.REFUSED,
            reason="expired",
            email=f"p{i}@x.test",
            remote_ip="192.0.2.1",
        )
        for i in range(count)
    )


def test_the_entry_log_lists_refusals_in_a_constant_number_of_queries(admin):
    url = reverse("admin:integrations_integrationlogentry_changelist")
    make_log_entries(2)
    with CaptureQueriesContext(connection) as few:
        page = admin.get(url)
    assert page.status_code == 200
    assert "p1@x.test" in text(page)
    assert "192.0.2.1" in text(page)

    make_log_entries(40)
    with CaptureQueriesContext(connection) as many:
        assert admin.get(url).status_code == 200

    assert len(many) == len(few)


def test_the_entry_log_is_read_only(admin):
    make_log_entries(1)
    entry = IntegrationLogEntry.objects.get()
    url = reverse("admin:integrations_integrationlogentry_change", args=[entry.pk])

    assert admin.get(reverse("admin:integrations_integrationlogentry_add")).status_code == 403
    admin.post(url, {"reason": "changed"})
    entry.refresh_from_db()
    assert entry.reason == "expired"
