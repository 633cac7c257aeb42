"""The whole journey against real servers: Dovecot in, an SMTP receiver out."""

import email
import email.policy
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from comptoir.accounts.models import User
from comptoir.mail.imap import mailbox_poll
from comptoir.tickets import services
from comptoir.tickets.models import Category, Ticket
from tests.factories import AgentFactory

from .conftest import deliver, imap_mailbox, make_mail

pytestmark = pytest.mark.django_db


def test_mail_ticket_acknowledgement_agent_reply_customer_answer(dovecot, smtp):
    mailbox = imap_mailbox(dovecot)
    agent = AgentFactory(email="agent@support.test", first_name="Sophie", last_name="Agent")

    # A customer writes to the support address.
    deliver(dovecot, make_mail(sender="Claire <claire@example.test>", subject="Export en panne"))
    assert [r.outcome for r in mailbox_poll(mailbox=mailbox).results] == ["created"]
    ticket = Ticket.objects.get()
    assert ticket.requester.email == "claire@example.test"
    User.objects.filter(email="claire@example.test").update(language="en")

    # She gets an acknowledgement with the ticket number.
    ack = email.message_from_bytes(smtp.messages[0], policy=email.policy.default)
    assert f"#{ticket.number}" in ack["Subject"] and ack["To"] == "claire@example.test"

    # The agent replies; she gets the reply.
    services.ticket_reply(ticket=ticket, author=agent, body_html="<p>Which browser?</p>")
    reply = email.message_from_bytes(smtp.messages[-1], policy=email.policy.default)
    assert "Which browser?" in reply.get_body(("plain",)).get_content()
    ticket.refresh_from_db()
    assert ticket.category == Category.PENDING_CUSTOMER

    # Her mail client answers that mail: threading headers only, subject changed,
    # sent to the plain support address (some clients ignore Reply-To).
    answer = EmailMessage()
    answer["From"] = "Claire <claire@example.test>"
    answer["To"] = "support@comptoir.localhost"
    answer["Subject"] = "Firefox"
    answer["Message-ID"] = make_msgid(domain="example.test")
    answer["In-Reply-To"] = reply["Message-ID"].strip()
    answer["References"] = f"{ack['Message-ID'].strip()} {reply['Message-ID'].strip()}"
    answer.set_content(
        "Firefox 128.\n\nOn Tue, 3 Mar 2026, Support <support@comptoir.localhost> wrote:\n"
        "> Which browser?\n"
    )
    deliver(dovecot, answer.as_bytes())
    assert [r.outcome for r in mailbox_poll(mailbox=mailbox).results] == ["appended"]

    # It lands in the same ticket, quoted history folded, and the ticket is open again.
    ticket.refresh_from_db()
    assert Ticket.objects.count() == 1
    assert ticket.category == Category.OPEN
    assert ticket.messages.last().body_text == "Firefox 128."
