"""Auto-replies, delivery failures, loops and floods never become conversation."""

import pytest
from django.core import mail

from comptoir.mail.ingest import mail_ingest
from comptoir.mail.models import AddressState, DeliveryState, MailSettings, OutboundMail
from comptoir.tickets import services
from comptoir.tickets.models import Ticket
from tests.factories import SupportGroupFactory, make_ticket

from .conftest import SUPPORT, make_mail

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"X-Autoreply": "yes"},
        {"X-Autorespond": "yes"},
        {"Precedence": "bulk"},
        {"Precedence": "junk"},
        {"Precedence": "list"},
    ],
)
def test_automatic_mail_is_stored_but_never_answered(support, headers):
    result = mail_ingest(raw=make_mail(headers=headers))
    assert result.outcome == "ignored"
    assert not Ticket.objects.exists() and mail.outbox == []


@pytest.mark.parametrize(
    "subject",
    [
        "Out of Office: Export fails",
        "Automatic reply: Export fails",
        "Réponse automatique : Export fails",
        "Absent du bureau",
        "Respuesta automática: Export fails",
        "Fuera de la oficina",
    ],
)
def test_out_of_office_subjects_in_three_languages(support, subject):
    assert mail_ingest(raw=make_mail(subject=subject)).outcome == "ignored"


def test_auto_submitted_no_is_a_person(support):
    assert mail_ingest(raw=make_mail(headers={"Auto-Submitted": "no"})).outcome == "created"


def test_an_out_of_office_answer_to_our_mail_is_logged_on_the_ticket_only(support, customer, agent):
    ticket = make_ticket(customer)
    services.ticket_reply(ticket=ticket, author=agent, body_html="<p>Hi</p>")
    sent = OutboundMail.objects.get(kind="reply")
    mail.outbox.clear()
    result = mail_ingest(
        raw=make_mail(
            subject="Absent du bureau",
            headers={"Auto-Submitted": "auto-replied", "In-Reply-To": f"<{sent.message_id}>"},
        )
    )
    assert (result.outcome, result.ticket) == ("ignored", ticket.number)
    assert ticket.messages.count() == 2 and mail.outbox == []


def test_mail_from_our_own_address_is_a_loop(support):
    result = mail_ingest(raw=make_mail(sender=SUPPORT))
    assert result.outcome == "ignored" and "loop" in result.reason
    token_sender = "support+t1001-abcdefabcdef@comptoir.localhost"
    assert mail_ingest(raw=make_mail(sender=token_sender)).outcome == "ignored"


def test_our_own_notification_coming_back_is_a_loop(support):
    raw = make_mail(sender="someone@example.test", headers={"X-Comptoir-Loop": "1"})
    assert mail_ingest(raw=raw).outcome == "ignored"


def test_a_flood_from_one_sender_is_set_aside(support):
    MailSettings.objects.update(rate_limit_count=3, rate_limit_minutes=10)
    outcomes = [mail_ingest(raw=make_mail(subject=f"Spam {n}")).outcome for n in range(5)]
    assert outcomes == ["created", "created", "created", "ignored", "ignored"]


def _bounce(original_id: str, address: str) -> bytes:
    return (
        "From: MAILER-DAEMON@mx.example.test (Mail Delivery System)\r\n"
        f"To: {SUPPORT}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce-1@mx.example.test>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you...\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.test\r\n\r\n"
        f"Final-Recipient: rfc822; {address}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: <{original_id}>\r\nSubject: hello\r\n"
        "--B--\r\n"
    ).encode()


def test_a_delivery_failure_marks_the_address_and_tells_the_agent(support, customer, agent):
    group = SupportGroupFactory()
    group.agents.add(agent)
    ticket = make_ticket(customer, group=group)
    services.ticket_assign(ticket=ticket, actor=None, assignee=agent)
    services.ticket_reply(ticket=ticket, author=agent, body_html="<p>Hi</p>")
    sent = OutboundMail.objects.get(kind="reply")
    mail.outbox.clear()

    result = mail_ingest(raw=_bounce(sent.message_id, customer.email))

    assert (result.outcome, result.ticket) == ("ignored", ticket.number)
    assert AddressState.objects.get(address=customer.email).bouncing
    sent.refresh_from_db()
    assert sent.state == DeliveryState.BOUNCED and "User unknown" in sent.last_error
    assert [m.to for m in mail.outbox] == [[agent.email]]
    assert customer.email in mail.outbox[0].body
    assert ticket.messages.count() == 2
