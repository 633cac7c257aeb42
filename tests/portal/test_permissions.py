"""Who may see what: a customer only ever reaches their own tickets and public messages."""

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse

from comptoir.tickets import services
from comptoir.tickets.attachments import attachment_store
from comptoir.tickets.models import Attachment, Category, Message
from tests.factories import make_ticket
from tests.portal.helpers import text

pytestmark = pytest.mark.django_db


def stored(user, name="report.txt", content=b"quarterly figures"):
    return attachment_store(file=ContentFile(content), filename=name, user=user)


def download_url(attachment):
    return reverse("attachment", kwargs={"key": attachment.key})


def test_another_customer_reaches_none_of_a_ticket_urls(client, customer, other_customer):
    # Given Claire's ticket with a file, and Bob logged in
    file = stored(customer)
    ticket = make_ticket(customer, subject="Payroll export", attachments=[file])
    message = ticket.messages.get()
    client.force_login(other_customer)

    # When Bob tries every address of that ticket
    responses = {
        "page": client.get(reverse("portal:ticket", args=[ticket.number])),
        "reply": client.post(
            reverse("portal:ticket_reply", args=[ticket.number]), {"body": "Hijack"}
        ),
        "close": client.post(reverse("portal:ticket_close", args=[ticket.number])),
        "permalink": client.get(reverse("portal:message", args=[ticket.number, message.pk])),
        "download": client.get(download_url(file)),
    }

    # Then each one answers "not found", and nothing changed on the ticket
    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(responses, 404)
    assert all(b"Payroll export" not in r.content for r in responses.values())
    ticket.refresh_from_db()
    assert ticket.category == Category.NEW
    assert list(ticket.messages.values_list("body_text", flat=True)) == [
        "The export button does nothing."
    ]


def test_the_requester_reaches_all_of_them(client, customer):
    file = stored(customer)
    ticket = make_ticket(customer, attachments=[file])
    message = ticket.messages.get()
    client.force_login(customer)

    page = client.get(reverse("portal:ticket", args=[ticket.number]))
    permalink = client.get(reverse("portal:message", args=[ticket.number, message.pk]))
    download = client.get(download_url(file))

    assert page.status_code == 200
    assert permalink.status_code == 302
    assert permalink["Location"].endswith(f"/tickets/{ticket.number}/#message-{message.pk}")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"quarterly figures"


def test_internal_notes_never_appear_to_the_customer(client, customer, agent):
    # Given a ticket where an agent left an internal note and then replied publicly
    ticket = make_ticket(customer)
    note = services.ticket_reply(
        ticket=ticket,
        author=agent,
        body_html="<p>Customer is on the legacy plan, do not refund</p>",
        internal=True,
    ).message
    services.ticket_reply(ticket=ticket, author=agent, body_html="<p>We are on it</p>")

    # When the customer opens the ticket
    client.force_login(customer)
    page = client.get(reverse("portal:ticket", args=[ticket.number]))

    # Then they see the public reply but neither the note nor any hint of it
    assert "We are on it" in text(page)
    assert "legacy plan" not in page.content.decode()
    assert "Internal note" not in text(page)
    # and its permalink does not exist for them
    permalink = client.get(reverse("portal:message", args=[ticket.number, note.pk]))
    assert permalink.status_code == 404


def test_agents_see_internal_notes_on_the_ticket_page(client, customer, agent):
    ticket = make_ticket(customer)
    services.ticket_reply(
        ticket=ticket, author=agent, body_html="<p>Check the nightly job</p>", internal=True
    )
    client.force_login(agent)

    page = client.get(reverse("portal:ticket", args=[ticket.number]))

    assert "Check the nightly job" in text(page)
    assert "Internal note" in text(page)


def test_internal_note_attachment_is_hidden_from_the_requester_only(client, customer, agent):
    # Given an internal note carrying a file, on the customer's own ticket
    ticket = make_ticket(customer)
    file = stored(agent, name="server-log.txt", content=b"stack trace")
    services.ticket_reply(
        ticket=ticket,
        author=agent,
        body_html="<p>Log attached</p>",
        attachments=[file],
        internal=True,
    )

    # When the requester asks for the file, then it does not exist for them
    client.force_login(customer)
    assert client.get(download_url(file)).status_code == 404
    assert "server-log.txt" not in client.get(reverse("portal:ticket", args=[ticket.number])).text

    # While an agent downloads it
    client.force_login(agent)
    response = client.get(download_url(file))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"stack trace"


def test_draft_attachment_is_only_downloadable_by_its_uploader(
    client, customer, other_customer, agent
):
    # Given a file Claire uploaded on a form she has not submitted successfully yet
    draft = stored(customer, name="draft.txt", content=b"not sent yet")
    assert draft.ticket is None

    # Then only Claire can download it: not another customer, not even an agent
    for user, expected in ((customer, 200), (other_customer, 404), (agent, 404)):
        client.force_login(user)
        assert client.get(download_url(draft)).status_code == expected, user.email


def test_unknown_or_malformed_attachment_keys_are_not_found(client, customer):
    client.force_login(customer)
    for key in ("00000000-0000-0000-0000-000000000000", "not-a-key", "../../etc/passwd"):
        assert client.get(f"/attachments/{key}/").status_code == 404, key


def test_anonymous_visitors_are_sent_to_the_login_page(client, customer):
    ticket = make_ticket(customer, attachments=[stored(customer)])
    message = ticket.messages.get()
    file = Attachment.objects.get()
    login = reverse(settings.LOGIN_URL)

    gets = [
        reverse("portal:home"),
        reverse("portal:tickets"),
        reverse("portal:ticket_new"),
        reverse("portal:ticket", args=[ticket.number]),
        reverse("portal:message", args=[ticket.number, message.pk]),
        reverse("portal:jump") + f"?q={ticket.number}",
        download_url(file),
    ]
    posts = [
        reverse("portal:ticket_new"),
        reverse("portal:ticket_reply", args=[ticket.number]),
        reverse("portal:ticket_close", args=[ticket.number]),
    ]
    for url in gets:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(login), url
    for url in posts:
        response = client.post(url, {"subject": "x", "body": "x"})
        assert response.status_code == 302, url
        assert response["Location"].startswith(login), url

    ticket.refresh_from_db()
    assert ticket.category == Category.NEW
    assert Message.objects.count() == 1
