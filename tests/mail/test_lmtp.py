"""The optional LMTP receiver hands each mail to the ingestion."""

import smtplib

import pytest

from comptoir.mail.lmtp import lmtp_controller
from comptoir.tickets.models import Ticket

from .conftest import SUPPORT, free_port, make_mail

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_mail_delivered_over_lmtp_opens_a_ticket(support):
    port = free_port()
    controller = lmtp_controller("127.0.0.1", port)
    controller.start()
    try:
        with smtplib.LMTP("127.0.0.1", port) as client:
            refused = client.sendmail("claire@example.test", [SUPPORT], make_mail(subject="LMTP"))
    finally:
        controller.stop()
    assert refused == {}
    assert Ticket.objects.get().subject == "LMTP"
