"""Pages of the email channel: preferences, a mail's full text, the original."""

import pytest
from django.urls import reverse

from comptoir.mail.ingest import mail_ingest
from comptoir.mail.models import InboundMail, NotificationPreference
from comptoir.mail.queries import folded_message_ids
from comptoir.tickets.models import Ticket
from tests.factories import PASSWORD

from .conftest import make_mail

pytestmark = pytest.mark.django_db

QUOTED = (
    "Merci, ça marche.\n\nLe lun. 2 mars 2026 à 10:12, Support <s@x.test> a écrit :\n"
    "> Essayez ceci\n"
)


def login(client, user):
    assert client.login(email=user.email, password=PASSWORD)


def test_customer_chooses_their_notifications(client, customer):
    login(client, customer)
    url = reverse("mail:preferences")
    page = client.get(url)
    assert page.status_code == 200
    assert b'<label for="id_status">' in page.content
    assert b"agent_mentioned" not in page.content
    client.post(url, {"received": "on", "reply": "on"})
    pref = NotificationPreference.objects.get(user=customer)
    assert pref.received and pref.reply and not pref.status


def test_full_text_of_a_folded_mail_is_one_click_away(client, support, customer):
    result = mail_ingest(raw=make_mail(sender=customer.email, body=QUOTED))
    ticket = Ticket.objects.get(number=result.ticket)
    message = ticket.messages.get()
    assert message.body_text == "Merci, ça marche."
    assert folded_message_ids([message.pk]) == {message.pk}

    login(client, customer)
    url = reverse("mail:message_full", kwargs={"number": ticket.number, "message_id": message.pk})
    page = client.get(url)
    assert page.status_code == 200 and "Essayez ceci" in page.content.decode()


def test_others_cannot_read_the_full_text(client, support, customer, other_customer):
    result = mail_ingest(raw=make_mail(sender=customer.email, body=QUOTED))
    ticket = Ticket.objects.get(number=result.ticket)
    login(client, other_customer)
    url = reverse(
        "mail:message_full",
        kwargs={"number": ticket.number, "message_id": ticket.messages.get().pk},
    )
    assert client.get(url).status_code == 404


def test_only_agents_see_the_original(client, support, customer, agent):
    raw = make_mail(sender=customer.email)
    mail_ingest(raw=raw)
    url = reverse("mail:inbound_raw", kwargs={"pk": InboundMail.objects.get().pk})
    login(client, customer)
    assert client.get(url).status_code == 404
    login(client, agent)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == raw
    assert response["X-Content-Type-Options"] == "nosniff"
