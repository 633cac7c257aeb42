"""Statuses edited in the admin stay consistent with the tickets that use them."""

import pytest

from comptoir.tickets.models import Category, Status, Ticket
from tests.factories import UserFactory, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(role="admin", is_staff=True, is_superuser=True))
    return client


def status_form(status, **changes):
    data = {
        "slug": status.slug,
        "category": status.category,
        "colour": status.colour,
        "label_en": status.label_en,
        "label_fr": status.label_fr,
        "label_es": status.label_es,
        "order": status.order,
        "active": "on" if status.active else "",
        "visible_to_customer": "on",
        "is_default": "on" if status.is_default else "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_last_active_status_of_a_category_cannot_be_deactivated(admin_client):
    closed = Status.objects.get(slug="closed")
    response = admin_client.post(
        f"/admin/tickets/status/{closed.pk}/change/", status_form(closed, active="")
    )
    assert response.status_code == 200
    assert "last active status of its category" in response.content.decode()
    closed.refresh_from_db()
    assert closed.active


def test_moving_a_status_to_another_category_moves_its_tickets(admin_client, customer):
    ticket = make_ticket(customer)
    moved = Status.objects.get(slug="acknowledged")
    Ticket.objects.filter(pk=ticket.pk).update(status=moved, category=Category.OPEN)
    response = admin_client.post(
        f"/admin/tickets/status/{moved.pk}/change/",
        status_form(moved, category=Category.PENDING_INTERNAL, is_default=""),
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.category == Category.PENDING_INTERNAL


def test_one_default_per_category(admin_client):
    assigned = Status.objects.get(slug="assigned")
    admin_client.post(
        f"/admin/tickets/status/{assigned.pk}/change/", status_form(assigned, is_default="on")
    )
    defaults = Status.objects.filter(category=Category.OPEN, is_default=True)
    assert list(defaults.values_list("slug", flat=True)) == ["assigned"]
