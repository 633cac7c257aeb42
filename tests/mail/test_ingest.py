"""Taking mail in: stored raw first, one ticket message per mail, the ticket rules kept."""

import pytest
from django.core import mail

from comptoir.accounts.models import User
from comptoir.mail.ingest import mail_ingest, mail_reprocess
from comptoir.mail.models import (
    InboundMail,
    Mailbox,
    MailSettings,
    OrganisationDomain,
    UnknownSenders,
)
from comptoir.tickets import services
from comptoir.tickets.models import (
    Category,
    Channel,
    ClosedReplyPolicy,
    HelpdeskSettings,
    Ticket,
)
from tests.factories import OrganisationFactory, make_ticket

from .conftest import SUPPORT, make_mail

pytestmark = pytest.mark.django_db


def test_a_mail_to_support_opens_a_ticket_for_a_new_contact(support):
    result = mail_ingest(raw=make_mail(subject="Facture introuvable"), source="test")

    assert result.outcome == "created"
    ticket = Ticket.objects.get(number=result.ticket)
    assert ticket.subject == "Facture introuvable" and ticket.channel == Channel.EMAIL
    assert ticket.requester.email == "claire@example.test"
    message = ticket.messages.get()
    assert message.body_text == "The export button does nothing."
    assert message.channel == Channel.EMAIL
    inbound = InboundMail.objects.get(pk=result.inbound_id)
    assert inbound.ticket == ticket and inbound.ticket_message == message
    assert inbound.mailbox == support


def test_the_raw_mail_is_stored_before_parsing_and_kept_when_parsing_fails(support, monkeypatch):
    raw = make_mail(subject="Crash me")

    def explode(inbound, *args):
        raise RuntimeError("parser bug")

    monkeypatch.setattr("comptoir.mail.routing.route", explode)
    result = mail_ingest(raw=raw)

    assert result.outcome == "failed"
    inbound = InboundMail.objects.get()
    assert inbound.raw.read() == raw and "parser bug" in inbound.reason
    assert not Ticket.objects.exists()
    monkeypatch.undo()
    assert mail_reprocess(inbound=inbound).outcome == "created"
    assert Ticket.objects.count() == 1


def test_the_same_mail_twice_makes_one_ticket_message(support):
    raw = make_mail(message_id="<once@example.test>")
    first = mail_ingest(raw=raw)
    second = mail_ingest(raw=raw)

    assert (first.outcome, second.outcome) == ("created", "duplicate")
    assert second.ticket == first.ticket
    assert Ticket.objects.count() == 1 and Ticket.objects.get().messages.count() == 1
    assert InboundMail.objects.count() == 2


def test_one_mail_in_two_mailboxes_or_in_to_and_cc_makes_one_ticket(support):
    sales = Mailbox.objects.create(address="sales@comptoir.localhost")
    raw = make_mail(to=SUPPORT, cc="sales@comptoir.localhost", message_id="<both@example.test>")
    # Each mailbox's copy carries its own trace headers.
    first = mail_ingest(raw=b"Delivered-To: " + SUPPORT.encode() + b"\r\n" + raw, mailbox=support)
    second = mail_ingest(raw=b"Delivered-To: sales@comptoir.localhost\r\n" + raw, mailbox=sales)

    assert (first.outcome, second.outcome) == ("created", "duplicate")
    assert Ticket.objects.count() == 1
    # Our own addresses are not remembered as people to copy.
    assert Ticket.objects.get().mail.cc == []


def test_mail_without_message_id_is_deduplicated_by_content(support):
    raw = make_mail(message_id=None)
    results = [
        mail_ingest(raw=b"Received: by relay-" + str(n).encode() + b"\r\n" + raw) for n in (1, 2)
    ]
    assert [r.outcome for r in results] == ["created", "duplicate"]
    assert results[0].message_id == ""


def test_known_customer_by_mail_gets_her_organisation(support, customer):
    result = mail_ingest(raw=make_mail(sender="Claire <CLAIRE@example.test>"))
    ticket = Ticket.objects.get(number=result.ticket)
    assert ticket.requester == customer
    assert ticket.organisation == customer.organisations.first()


def test_unknown_sender_joins_the_organisation_of_their_domain(support):
    organisation = OrganisationFactory(name="Crèche Les Lutins")
    OrganisationDomain.objects.create(domain="lutins.example", organisation=organisation)
    result = mail_ingest(raw=make_mail(sender="Marie Dupont <marie@lutins.example>"))
    person = User.objects.get(email="marie@lutins.example")
    assert person.first_name == "Marie" and person.last_name == "Dupont"
    assert list(person.organisations.all()) == [organisation]
    assert not person.has_usable_password()
    assert Ticket.objects.get(number=result.ticket).organisation == organisation


def test_unknown_sender_refused_by_mailbox_setting_gets_a_polite_answer(support):
    support.unknown_senders = UnknownSenders.REFUSE
    support.save()
    result = mail_ingest(raw=make_mail(sender="stranger@else.example", subject="Hello"))

    assert result.outcome == "rejected"
    assert not Ticket.objects.exists() and not User.objects.exists()
    assert [m.to for m in mail.outbox] == [["stranger@else.example"]]
    assert mail.outbox[0].subject == "Re: Hello"
    assert mail.outbox[0].extra_headers["Auto-Submitted"] == "auto-replied"
    assert InboundMail.objects.get().raw.read()


def test_customer_answer_by_mail_moves_a_waiting_ticket_back_to_open(support, customer, agent):
    ticket = make_ticket(customer)
    services.ticket_reply(ticket=ticket, author=agent, body_html="<p>A screenshot?</p>")
    result = mail_ingest(raw=make_mail(subject=f"Re: [#{ticket.number}] Export fails", body="Here"))

    assert result.outcome == "appended" and result.ticket == ticket.number
    ticket.refresh_from_db()
    assert ticket.category == Category.OPEN
    assert ticket.messages.last().channel == Channel.EMAIL


@pytest.mark.parametrize(
    ("policy", "outcome"),
    [
        (ClosedReplyPolicy.REOPEN, "appended"),
        (ClosedReplyPolicy.NEW_TICKET, "created"),
        (ClosedReplyPolicy.REFUSE, "rejected"),
    ],
)
def test_answer_to_a_closed_ticket_follows_the_helpdesk_policy(support, customer, policy, outcome):
    HelpdeskSettings.objects.update_or_create(pk=1, defaults={"closed_reply_policy": policy})
    User.objects.filter(pk=customer.pk).update(language="en")
    ticket = make_ticket(customer)
    services.ticket_close(ticket=ticket, actor=customer)
    mail.outbox.clear()

    result = mail_ingest(
        raw=make_mail(subject=f"Re: [#{ticket.number}] Export fails", body="Again")
    )

    assert result.outcome == outcome
    ticket.refresh_from_db()
    if policy == ClosedReplyPolicy.REOPEN:
        assert ticket.category == Category.OPEN and ticket.messages.count() == 2
    elif policy == ClosedReplyPolicy.NEW_TICKET:
        follow_up = Ticket.objects.get(number=result.ticket)
        assert follow_up.follows == ticket and ticket.category == Category.CLOSED
    else:
        assert ticket.category == Category.CLOSED and ticket.messages.count() == 1
        assert [m.to for m in mail.outbox] == [[customer.email]]
        assert "closed" in mail.outbox[0].body
        assert InboundMail.objects.get(pk=result.inbound_id).raw.read()


def test_a_mail_over_the_size_limit_is_stored_and_noted(support):
    MailSettings.objects.update(max_message_mb=1)
    raw = make_mail(
        subject="Huge", attachments=[("big.bin", b"\x00\x01" * 700_000, "application/octet-stream")]
    )
    result = mail_ingest(raw=raw)

    assert result.outcome == "created"
    text = Ticket.objects.get(number=result.ticket).messages.get().body_text
    assert "larger than the helpdesk processes" in text
    assert InboundMail.objects.get().raw_size == len(raw)


def test_an_attachment_over_the_upload_limit_is_named_not_lost(support, settings):
    settings.COMPTOIR_MAX_ATTACHMENT_BYTES = 1000
    raw = make_mail(
        attachments=[
            ("small.txt", b"hello", "text/plain"),
            ("big.pdf", b"%PDF-1.4 " + b"x" * 5000, "application/pdf"),
        ]
    )
    result = mail_ingest(raw=raw)
    message = Ticket.objects.get(number=result.ticket).messages.get()
    assert [a.filename for a in message.attachments.all()] == ["small.txt"]
    assert "big.pdf" in message.body_text


def test_one_bad_mail_does_not_stop_the_next(support, monkeypatch):
    calls = []
    real = __import__("comptoir.mail.routing", fromlist=["route"]).route

    def flaky(inbound, *args):
        calls.append(inbound.pk)
        if len(calls) == 1:
            raise ValueError("bad mail")
        return real(inbound, *args)

    monkeypatch.setattr("comptoir.mail.routing.route", flaky)
    outcomes = [mail_ingest(raw=make_mail(subject=f"Mail {n}")).outcome for n in (1, 2)]
    assert outcomes == ["failed", "created"]
