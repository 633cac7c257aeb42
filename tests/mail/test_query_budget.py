"""What taking in mail costs in queries (stored first, then routed), with
tasks going to the database queue and the configuration cache on, as in
production. The counts include the SAVEPOINT and RELEASE statements the
test's own transaction turns the ingestion's transactions into."""

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from comptoir.mail.ingest import mail_ingest, mail_ingest_many
from comptoir.mail.models import InboundMail, TicketMail
from comptoir.tickets import services
from comptoir.tickets.models import Ticket
from tests.factories import CustomerFactory, make_ticket

from .conftest import make_mail

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("production_like")]

QUEUED = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The budgets: a query more is a regression to look at, not a number to raise.
NEW_CONVERSATION = 20
ANSWER = 19
# A folder (``ingest_email``): lookups made once per batch, ten mails per
# transaction, their rows written together; per mail, for 7 new conversations
# and 3 answers in 10, whatever the batch's size and the data's.
BATCH_PER_MAIL = 9.5


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


def _folder(count: int, prefix: str) -> list[tuple[bytes, str]]:
    """``count`` mails from as many known customers: 7 new requests in 10, and
    3 answers to one of the sender's tickets."""
    mails = []
    for n in range(count):
        customer = CustomerFactory(email=f"{prefix}{n}@example.test")
        subject = f"Demande {n}"
        if n % 10 >= 7:
            subject = f"Re: [#{make_ticket(customer).number}] {subject}"
        mails.append((make_mail(sender=customer.email, subject=subject), f"{prefix}{n}"))
    return mails


def test_a_folder_costs_the_same_per_mail_whatever_its_size():
    mail_ingest_many(_folder(10, "warm"))
    small = _folder(10, "small")

    with CaptureQueriesContext(connection) as queries:
        results = mail_ingest_many(small)
    per_mail_small = len(queries) / len(small)
    assert [r.outcome for r in results] == ["created"] * 7 + ["appended"] * 3

    CustomerFactory.create_batch(20)
    large = _folder(30, "large")
    with CaptureQueriesContext(connection) as queries:
        results = mail_ingest_many(large)
    per_mail_large = len(queries) / len(large)

    assert per_mail_small <= BATCH_PER_MAIL, [q["sql"][:120] for q in queries]
    assert per_mail_large <= per_mail_small
    assert [r.outcome for r in results] == (["created"] * 7 + ["appended"] * 3) * 3
