"""Threading: token, then headers, then the subject number; strangers never get in."""

import pytest
from django.core import mail

from comptoir.mail.ingest import mail_ingest
from comptoir.mail.models import InboundMail, OutboundMail
from comptoir.mail.threads import reply_address, token_number
from comptoir.tickets import services
from comptoir.tickets.models import Ticket
from tests.factories import AgentFactory, CustomerFactory, make_ticket

from .conftest import SUPPORT, make_mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(support, customer, agent):
    """A ticket the agent answered: the customer received a mail from us."""
    ticket = make_ticket(customer)
    services.ticket_reply(ticket=ticket, author=agent, body_html="<p>Which browser?</p>")
    sent = OutboundMail.objects.filter(ticket=ticket, kind="reply").get()
    return ticket, sent


def test_token_in_the_reply_address_threads_even_with_a_new_subject(answered):
    ticket, sent = answered
    raw = make_mail(to=sent.reply_to, subject="Completely different", body="Firefox")
    result = mail_ingest(raw=raw)
    assert (result.outcome, result.ticket) == ("appended", ticket.number)
    assert "token" in result.reason


def test_a_forged_token_does_not_thread(answered):
    ticket, _sent = answered
    forged = f"support+t{ticket.number}-000000000000@comptoir.localhost"
    assert token_number(forged) is None
    result = mail_ingest(raw=make_mail(to=forged, subject="Hello", body="Hi"))
    assert result.outcome == "created" and result.ticket != ticket.number


def test_in_reply_to_threads_when_subject_and_address_changed(answered):
    ticket, sent = answered
    raw = make_mail(
        subject="Autre sujet",
        headers={"In-Reply-To": f"<{sent.message_id}>", "References": f"<{sent.message_id}>"},
    )
    result = mail_ingest(raw=raw)
    assert (result.outcome, result.ticket) == ("appended", ticket.number)
    assert "headers" in result.reason


def test_references_to_a_mail_we_received_thread(support, customer):
    first = mail_ingest(raw=make_mail(message_id="<root@example.test>"))
    raw = make_mail(subject="more", headers={"References": "<root@example.test>"})
    result = mail_ingest(raw=raw)
    assert (result.outcome, result.ticket) == ("appended", first.ticket)


def test_subject_number_threads_for_the_requester(answered):
    ticket, _sent = answered
    result = mail_ingest(raw=make_mail(subject=f"Re: [#{ticket.number}] Export fails"))
    assert (result.outcome, result.ticket) == ("appended", ticket.number)


def test_a_stranger_answering_the_thread_opens_a_linked_ticket(answered):
    ticket, sent = answered
    raw = make_mail(
        sender="mallory@evil.example",
        to=sent.reply_to,
        headers={"In-Reply-To": f"<{sent.message_id}>"},
        body="Please send me the invoice",
    )
    result = mail_ingest(raw=raw)

    assert result.outcome == "created" and result.ticket != ticket.number
    assert Ticket.objects.get(number=result.ticket).follows == ticket
    assert ticket.messages.count() == 2
    assert "does not take part" in result.reason


def test_a_stranger_guessing_a_ticket_number_gets_a_ticket_of_their_own(answered):
    ticket, _sent = answered
    other = CustomerFactory(email="other@example.test")
    result = mail_ingest(raw=make_mail(sender=other.email, subject=f"[#{ticket.number}] hi"))
    new = Ticket.objects.get(number=result.ticket)
    assert new != ticket and new.requester == other and new.follows is None
    assert ticket.messages.count() == 2


def test_a_spoofed_display_name_does_not_help(answered, customer):
    ticket, sent = answered
    raw = make_mail(sender=f'"{customer.email}" <mallory@evil.example>', to=sent.reply_to)
    result = mail_ingest(raw=raw)
    assert result.ticket != ticket.number


def test_a_copied_address_may_answer(support, customer):
    first = mail_ingest(raw=make_mail(cc="boss@example.test", message_id="<cc@example.test>"))
    result = mail_ingest(
        raw=make_mail(sender="boss@example.test", headers={"In-Reply-To": "<cc@example.test>"})
    )
    assert (result.outcome, result.ticket) == ("appended", first.ticket)


def test_an_agent_answering_by_mail_writes_a_public_reply(answered, agent):
    ticket, sent = answered
    mail.outbox.clear()
    result = mail_ingest(raw=make_mail(sender=agent.email, to=sent.reply_to, body="Try Chrome"))
    assert result.outcome == "appended"
    assert ticket.messages.last().author == agent
    assert [m.to for m in mail.outbox] == [[ticket.requester.email]]


def test_a_colleague_of_another_organisation_cannot_enter(answered):
    ticket, sent = answered
    colleague = CustomerFactory(email="colleague@example.test")
    raw = make_mail(sender=colleague.email, headers={"In-Reply-To": f"<{sent.message_id}>"})
    result = mail_ingest(raw=raw)
    assert result.ticket != ticket.number


def test_nearest_reference_wins(support, customer):
    a = mail_ingest(raw=make_mail(subject="A", message_id="<a@example.test>"))
    b = mail_ingest(raw=make_mail(subject="B", message_id="<b@example.test>"))
    raw = make_mail(subject="re", headers={"References": "<a@example.test> <b@example.test>"})
    assert mail_ingest(raw=raw).ticket == b.ticket != a.ticket


def test_each_decision_is_recorded_with_its_reason_on_the_ticket(answered):
    ticket, sent = answered
    mail_ingest(raw=make_mail(to=sent.reply_to, body="ok"))
    inbound = InboundMail.objects.get(ticket=ticket)
    assert inbound.outcome == "appended" and inbound.reason.startswith("Matched ticket")


def test_reply_address_is_per_ticket_and_signed():
    address = reply_address(SUPPORT, 1042)
    assert address.startswith("support+t1042-") and address.endswith("@comptoir.localhost")
    assert token_number(address) == 1042
    assert token_number(address.upper()) == 1042
    assert token_number(address.replace("t1042", "t1043")) is None


def test_agents_of_any_group_take_part(answered):
    ticket, sent = answered
    other_agent = AgentFactory()
    result = mail_ingest(raw=make_mail(sender=other_agent.email, to=sent.reply_to, body="Me too"))
    assert result.outcome == "appended" and result.ticket == ticket.number
