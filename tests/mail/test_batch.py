"""A batch of mails (``ingest_email`` on a folder): stored first, looked up once,
and each mail decided exactly as if the mails had come one after the other."""

import pytest
from django.db import transaction

from comptoir.accounts.models import User
from comptoir.mail import routing
from comptoir.mail.ingest import mail_ingest, mail_ingest_many
from comptoir.mail.models import AddressState, InboundMail, MailSettings, Outcome
from comptoir.tickets.models import Category, Ticket
from tests.factories import CustomerFactory, OrganisationFactory, make_ticket

from .conftest import make_mail

pytestmark = pytest.mark.django_db


def outcomes(results):
    return [r.outcome for r in results]


def test_mails_of_one_batch_see_what_the_earlier_ones_did(support, customer):
    organisation = customer.organisations.first()
    waiting = make_ticket(customer, subject="Old one")
    results = mail_ingest_many(
        [
            (make_mail(subject="First", message_id="<first@example.test>"), "1"),
            # Answers the first mail of this very batch by its Message-ID.
            (
                make_mail(
                    subject="Re: First", headers={"In-Reply-To": "<first@example.test>"}, body="+"
                ),
                "2",
            ),
            (make_mail(subject=f"Re: [#{waiting.number}] Old one", body="Still there"), "3"),
            # An unknown sender, twice: one contact.
            (make_mail(sender="new@else.example", subject="Hello"), "4"),
            (make_mail(sender="NEW@else.example", subject="Hello again"), "5"),
            (make_mail(sender="support@comptoir.localhost", subject="Loop"), "6"),
            (make_mail(subject="Away", headers={"Auto-Submitted": "auto-replied"}), "7"),
        ]
    )

    assert outcomes(results) == [
        "created",
        "appended",
        "appended",
        "created",
        "created",
        "ignored",
        "ignored",
    ]
    first = Ticket.objects.get(number=results[0].ticket)
    assert results[1].ticket == first.number and first.messages.count() == 2
    assert first.organisation == organisation
    assert results[2].ticket == waiting.number
    assert User.objects.filter(email__iexact="new@else.example").count() == 1
    assert Ticket.objects.get(number=results[4].ticket).requester.email == "new@else.example"
    assert [r.source for r in results] == [str(n) for n in range(1, 8)]


def test_a_mail_and_its_copy_in_one_batch_make_one_message(support, customer):
    raw = make_mail(message_id="<twice@example.test>")
    results = mail_ingest_many([(raw, "a"), (make_mail(subject="Other"), "b"), (raw, "c")])

    assert outcomes(results) == ["created", "created", "duplicate"]
    assert results[2].ticket == results[0].ticket
    assert Ticket.objects.get(number=results[0].ticket).messages.count() == 1


def test_the_rate_limit_counts_the_earlier_mails_of_the_batch(support, customer):
    MailSettings.objects.update(rate_limit_count=2)
    mail_ingest(raw=make_mail(subject="Before"))
    results = mail_ingest_many([(make_mail(subject=f"Mail {n}"), str(n)) for n in range(3)])

    assert outcomes(results) == ["created", "ignored", "ignored"]
    assert "Rate limit" in results[1].reason


def test_a_person_writing_from_a_bouncing_address_clears_it(support, customer):
    AddressState.objects.create(address="claire@example.test", bouncing=True)
    AddressState.objects.create(address="other@example.test", bouncing=True)
    results = mail_ingest_many([(make_mail(subject=f"Mail {n}"), str(n)) for n in range(2)])

    assert outcomes(results) == ["created", "created"]
    assert not AddressState.objects.get(address="claire@example.test").bouncing
    assert AddressState.objects.get(address="other@example.test").bouncing


def test_an_answer_from_someone_outside_the_ticket_opens_a_new_one(support, customer):
    ticket = make_ticket(customer)
    CustomerFactory(email="stranger@example.test", organisation=OrganisationFactory())
    results = mail_ingest_many(
        [
            (make_mail(sender="stranger@example.test", subject=f"Re: [#{ticket.number}] x"), "1"),
            (make_mail(subject=f"Re: [#{ticket.number}] x"), "2"),
        ]
    )
    assert outcomes(results) == ["created", "appended"]
    assert results[0].ticket != ticket.number and results[1].ticket == ticket.number


def test_a_mail_that_fails_in_a_batch_stays_stored_and_the_others_land(
    support, customer, monkeypatch
):
    real = routing.route

    def flaky(inbound, *args):
        if inbound.subject == "Mail 1":
            raise ValueError("bad mail")
        return real(inbound, *args)

    monkeypatch.setattr(routing, "route", flaky)
    raws = [make_mail(subject=f"Mail {n}") for n in range(3)]
    results = mail_ingest_many([(raw, str(n)) for n, raw in enumerate(raws)])

    assert outcomes(results) == ["created", "failed", "created"]
    assert InboundMail.objects.filter(duplicate_of__isnull=True).count() == 3
    assert Ticket.objects.count() == 2
    # Delivered again: the failed mail is routed then, the others are duplicates.
    monkeypatch.undo()
    again = mail_ingest_many([(raw, str(n)) for n, raw in enumerate(raws)])
    assert outcomes(again) == ["duplicate", "duplicate", "duplicate"]
    assert InboundMail.objects.get(pk=results[1].inbound_id).outcome == Outcome.CREATED
    assert Ticket.objects.count() == 3


def test_a_mail_routed_meanwhile_by_another_process_is_rolled_back(support, customer):
    inbound, _first = _pending(make_mail(subject="Twice"))
    # Another process routed it between our insert and our routing.
    InboundMail.objects.filter(pk=inbound.pk).update(outcome=Outcome.CREATED)

    with pytest.raises(routing.AlreadyRouted), transaction.atomic():
        routing.route(inbound)

    assert not Ticket.objects.exists()
    assert InboundMail.objects.get(pk=inbound.pk).outcome == Outcome.CREATED


def test_a_group_whose_rows_were_taken_meanwhile_is_rolled_back_and_redone(
    support, customer, monkeypatch
):
    from comptoir.mail import lookups

    real = lookups._update_rows
    calls = []

    def one_taken_elsewhere(rows, names):
        calls.append(len(rows))
        written = real(rows, names)
        return written - 1 if len(calls) == 1 else written

    monkeypatch.setattr(lookups, "_update_rows", one_taken_elsewhere)
    results = mail_ingest_many([(make_mail(subject=f"Mail {n}"), str(n)) for n in range(3)])

    # The group's work was rolled back whole, then each mail routed on its own.
    assert calls == [3]
    assert outcomes(results) == ["created", "created", "created"]
    assert Ticket.objects.count() == 3
    assert InboundMail.objects.filter(outcome=Outcome.CREATED).count() == 3


def test_a_reply_on_a_waiting_ticket_in_a_batch_reopens_it(support, customer, agent):
    from comptoir.tickets import services

    ticket = make_ticket(customer)
    services.ticket_reply(ticket=ticket, author=agent, body_html="<p>A screenshot?</p>")
    results = mail_ingest_many(
        [
            (make_mail(subject=f"Re: [#{ticket.number}] Export", body="Here"), "1"),
            (make_mail(subject=f"Re: [#{ticket.number}] Export", body="And here"), "2"),
        ]
    )
    assert outcomes(results) == ["appended", "appended"]
    ticket.refresh_from_db()
    assert ticket.category == Category.OPEN and ticket.messages.count() == 4


def _pending(raw: bytes) -> tuple[InboundMail, bool]:
    from comptoir.mail.ingest import _record, _store

    return _record(_store(raw, mailbox=None, source="test"))
