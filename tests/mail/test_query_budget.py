"""What taking in one mail costs in queries (stored first, then routed), with
tasks going to the database queue and the configuration cache on, as in
production. The counts include the SAVEPOINT statements the test's own
transaction turns the ingestion's transactions into (six)."""

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from comptoir.mail.ingest import mail_ingest
from comptoir.mail.models import InboundMail, TicketMail
from comptoir.tickets import services
from comptoir.tickets.models import Ticket
from tests.factories import CustomerFactory

from .conftest import make_mail

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("production_like")]

QUEUED = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The budgets: a query more is a regression to look at, not a number to raise.
NEW_CONVERSATION = 23
ANSWER = 22


@pytest.fixture
def production_like():
    services.config_cache_clear()
    with override_settings(TASKS=QUEUED, COMPTOIR_CONFIG_CACHE_SECONDS=60):
        yield
    services.config_cache_clear()


def test_a_new_conversation_by_mail_stays_within_its_query_budget():
    CustomerFactory(email="warm@example.test")
    CustomerFactory(email="claire@example.test")
    mail_ingest(raw=make_mail(sender="warm@example.test", subject="Warm"))

    with CaptureQueriesContext(connection) as queries:
        result = mail_ingest(raw=make_mail(subject="Facture introuvable", cc="bob@example.test"))

    assert len(queries) <= NEW_CONVERSATION, [q["sql"][:120] for q in queries]
    assert result.outcome == "created"
    ticket = Ticket.objects.get(number=result.ticket)
    inbound = InboundMail.objects.get(pk=result.inbound_id)
    assert inbound.ticket == ticket and inbound.ticket_message == ticket.messages.get()
    assert inbound.from_address == "claire@example.test" and inbound.mailbox is not None
    assert TicketMail.objects.get(ticket=ticket).cc == ["bob@example.test"]


def test_an_answer_by_mail_stays_within_its_query_budget():
    CustomerFactory(email="claire@example.test")
    first = mail_ingest(raw=make_mail(subject="Facture introuvable"))
    mail_ingest(raw=make_mail(subject=f"Re: [#{first.ticket}] Warm"))

    with CaptureQueriesContext(connection) as queries:
        result = mail_ingest(raw=make_mail(subject=f"Re: [#{first.ticket}] Facture"))

    assert len(queries) <= ANSWER, [q["sql"][:120] for q in queries]
    assert result.outcome == "appended" and result.ticket == first.ticket
    assert Ticket.objects.get(number=first.ticket).messages.count() == 3


def test_the_same_mail_twice_is_still_one_message():
    CustomerFactory(email="claire@example.test")
    raw = make_mail(subject="Facture introuvable")

    first, again = mail_ingest(raw=raw), mail_ingest(raw=raw)

    assert (first.outcome, again.outcome) == ("created", "duplicate")
    assert again.ticket == first.ticket
    assert Ticket.objects.get(number=first.ticket).messages.count() == 1
