"""``seed_demo --if-empty`` and ``seed_demo --tickets N`` (generated data for benchmarks)."""

from __future__ import annotations

import pytest
from django.db.models import Count, F

from comptoir.accounts.models import Organisation, Role, SupportGroup, User
from comptoir.core.demo import PASSWORD
from comptoir.tickets.models import Category, Message, Ticket, TicketEvent
from tests.core.helpers import LOGINS, counts, seed
from tests.factories import make_ticket

pytestmark = pytest.mark.django_db


def test_if_empty_does_nothing_when_tickets_exist(db):
    make_ticket()
    before = counts()
    assert "already exist" in seed("--if-empty")
    assert counts() == before
    assert not User.objects.filter(email__in=LOGINS).exists()


@pytest.fixture
def bulk(db):
    return seed("--tickets", "300", "--seed", "7")


def test_bulk_creates_tickets_with_conversations(bulk):
    assert "Generated 300 tickets" in bulk
    assert Ticket.objects.count() == 300
    per_ticket = Ticket.objects.annotate(n=Count("messages")).values_list("n", flat=True)
    assert min(per_ticket) >= 1 and max(per_ticket) <= 12
    assert max(per_ticket) > 4
    numbers = sorted(Ticket.objects.values_list("number", flat=True))
    assert numbers == list(range(numbers[0], numbers[0] + 300))
    for name, field in (("status", "status__slug"), ("type", "type__slug")):
        model = Ticket._meta.get_field(name).related_model
        assert set(Ticket.objects.values_list(field, flat=True)) == set(
            model.objects.values_list("slug", flat=True)
        )
    assert Ticket.objects.values("priority").distinct().count() == 4
    assert not Ticket.objects.exclude(category=F("status__category")).exists()
    assert TicketEvent.objects.filter(kind="created").count() == 300
    assert User.objects.filter(role=Role.CUSTOMER).count() == 100
    assert Organisation.objects.count() == 10
    assert User.objects.filter(role=Role.AGENT).count() == 30
    assert SupportGroup.objects.annotate(n=Count("agents")).filter(n=6).count() == 5


def test_bulk_messages_fit_the_lifecycle(bulk):
    for body in Message.objects.values_list("body_text", flat=True):
        assert 50 <= len(body.split()) <= 400
    for ticket in Ticket.objects.prefetch_related("messages__author"):
        messages = sorted(ticket.messages.all(), key=lambda m: m.pk)
        assert messages[0].author_id == ticket.requester_id
        assert [m.created_at for m in messages] == sorted(m.created_at for m in messages)
        public_agent = [m for m in messages if m.author.is_agent and not m.internal]
        if ticket.category == Category.PENDING_CUSTOMER:
            assert messages[-1] in public_agent
        if ticket.category == Category.NEW:
            assert not public_agent and ticket.first_response_at is None
        if public_agent:
            assert ticket.first_response_at == public_agent[0].created_at
        if ticket.category == Category.CLOSED:
            assert ticket.resolved_at <= ticket.closed_at == ticket.updated_at
    assert Message.objects.filter(internal=True).exists()
    assert Message.objects.filter(body_html__startswith="<p>").count() == Message.objects.count()


def test_bulk_numbers_continue_with_the_services(bulk):
    last = max(Ticket.objects.values_list("number", flat=True))
    assert make_ticket().number == last + 1


def test_bulk_is_repeatable_and_reuses_people(bulk):
    def story(numbers):
        tickets = Ticket.objects.filter(number__in=numbers).order_by("number")
        return [
            (t.subject, t.status_id, t.requester_id, [m.body_text for m in t.messages.all()])
            for t in tickets.prefetch_related("messages")
        ]

    first = sorted(Ticket.objects.values_list("number", flat=True))
    users = User.objects.count()
    seed("--tickets", "300", "--seed", "7")
    assert User.objects.count() == users
    second = sorted(Ticket.objects.exclude(number__in=first).values_list("number", flat=True))
    assert second[0] == first[-1] + 1
    assert story(second) == story(first)
    contact = User.objects.filter(role=Role.CUSTOMER).first()
    assert contact.check_password(PASSWORD)
