"""``seed_demo``: the demo data set a first visitor sees."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import transaction
from django.db.models import Count, F
from django.test.utils import override_settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from comptoir.accounts.models import Role, SupportGroup, User
from comptoir.core.demo import ALL_SCRIPTS, PASSWORD
from comptoir.tickets import queries
from comptoir.tickets.models import Category, Message, Status, Ticket
from tests.core.helpers import LOGINS, counts, seed

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    """The demo data set, loaded once for the module and rolled back after it.

    Loaded with the database task backend the project runs with, to see that
    seeding leaves no notification job behind."""
    database_tasks = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(TASKS=database_tasks):
            output = seed()
        yield output
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_data, db):
    return demo_data


def test_demo_covers_every_status_with_real_conversations(demo):
    assert 25 <= Ticket.objects.count() <= 40
    statuses = set(Ticket.objects.values_list("status__slug", flat=True))
    assert statuses == set(Status.objects.values_list("slug", flat=True))
    assert set(Ticket.objects.values_list("category", flat=True)) == set(Category.values)
    assert not Ticket.objects.exclude(category=F("status__category")).exists()
    assert Message.objects.filter(internal=True).exists()
    assert Message.objects.filter(
        internal=False, author__role__in=[Role.AGENT, Role.ADMIN]
    ).exists()
    assert Ticket.objects.exclude(assignee=None).exists()
    assert Ticket.objects.filter(language="en").exists()
    assert Ticket.objects.exclude(custom_fields={}).filter(type__slug="bug").exists()
    for script in ALL_SCRIPTS:
        ticket = Ticket.objects.get(requester__email=script.requester, subject=script.subject)
        assert ticket.status.slug == script.expect, script.subject


def test_demo_history_is_spread_over_weeks_in_order(demo):
    created = sorted(Ticket.objects.values_list("created_at", flat=True))
    assert (created[-1] - created[0]).days >= 40
    by_number = list(Ticket.objects.order_by("number").values_list("created_at", flat=True))
    assert by_number == created  # numbers follow the dates
    for ticket in Ticket.objects.prefetch_related("messages", "events"):
        messages = [m.created_at for m in ticket.messages.all()]
        events = [e.created_at for e in ticket.events.all()]
        assert messages == sorted(messages) and messages[0] == ticket.created_at
        assert events[0] == ticket.created_at
        assert ticket.updated_at == max(messages + events)
        if ticket.first_response_at:
            assert ticket.created_at < ticket.first_response_at <= ticket.updated_at


def test_demo_logins_work(demo, client):
    for email in LOGINS:
        user = User.objects.get(email=email)
        assert user.check_password(PASSWORD)
        assert EmailAddress.objects.filter(user=user, verified=True, primary=True).exists()
    assert User.objects.get(email=LOGINS[2]).role == Role.AGENT
    admin = User.objects.get(email=LOGINS[3])
    assert admin.role == Role.ADMIN and admin.is_superuser and admin.is_staff
    assert User.objects.filter(role=Role.AGENT).count() >= 3
    assert SupportGroup.objects.annotate(n=Count("agents")).filter(n__gt=0).count() >= 2
    response = client.post(reverse("account_login"), {"login": LOGINS[0], "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(email=LOGINS[0]).pk)


def test_claire_has_tickets_in_every_portal_tab(demo):
    claire = User.objects.get(email="claire.martin@exemple.fr")
    assert claire.organisations.count() == 2
    tabs = queries.tab_counts(claire)
    assert tabs["open"] and tabs["waiting"] and tabs["done"]
    julien = User.objects.get(email="julien.roux@exemple.fr")
    assert all(queries.tab_counts(julien)[tab] for tab in ("open", "waiting", "done"))


def test_second_run_creates_nothing(demo):
    before = counts()
    assert "nothing to add" in seed()
    assert counts() == before


def test_seeding_leaves_no_task_and_sends_no_mail(demo):
    assert "Demo data loaded" in demo
    assert DBTaskResult.objects.count() == 0
    assert mail.outbox == []
