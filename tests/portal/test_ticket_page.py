"""The ticket page: what it shows, replying, closing, and closed tickets."""

import re

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comptoir.tickets import services
from comptoir.tickets.models import Attachment, Category, ClosedReplyPolicy, CustomField, Ticket
from tests.factories import ProductFactory, ThemeFactory, make_ticket, priority, ticket_type
from tests.portal.helpers import PNG, form, move, set_policy, submitted, text, upload

pytestmark = pytest.mark.django_db


def page_url(ticket):
    return reverse("portal:ticket", args=[ticket.number])


def reply_url(ticket):
    return reverse("portal:ticket_reply", args=[ticket.number])


def close_url(ticket):
    return reverse("portal:ticket_close", args=[ticket.number])


def status_shown(response):
    match = re.search(r'<span class="badge"[^>]*>([^<]*)</span>', response.text)
    return match.group(1) if match else None


def ticket_data(response):
    """The "Ticket data" panel as label -> value."""
    panel = response.text[response.text.index('id="details-title"') :]
    panel = panel[: panel.index("</dl>")]
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", panel, re.S)
    return {dt: " ".join(re.sub(r"<[^>]+>", " ", dd).split()) for dt, dd in pairs}


# -- what the page shows ------------------------------------------------------------


def test_page_shows_the_ticket_and_its_data(client, customer, agent):
    CustomField.objects.create(
        key="internal-cost",
        label_en="Internal cost",
        field_type="number",
        visible_to_customer=False,
    )
    ticket = make_ticket(
        customer,
        subject="Payslips are blank",
        type=ticket_type("bug"),
        priority=priority("high"),
        products=[ProductFactory(name="Payroll")],
        themes=[ThemeFactory(name="Payslips"), ThemeFactory(name="Exports")],
        custom_fields={"reproducibility": "always", "steps-to-reproduce": "Open\nPrint"},
    )
    services.ticket_update_fields(ticket=ticket, actor=agent, custom_fields={"internal-cost": 300})
    client.force_login(customer)

    response = client.get(page_url(ticket))

    assert response.status_code == 200
    assert f"#{ticket.number} Payslips are blank" in text(response)
    assert status_shown(response) == "New"
    assert ticket_data(response) | {"Created": "", "Last update": ""} == {
        "Assigned agent": "Not yet assigned",
        "Requester": "Claire " + customer.last_name,
        "Organisation": customer.organisations.get().name,
        "Type": "Bug",
        "Priority": "High",
        "Products": "Payroll",
        "Themes": "Exports, Payslips",
        "Reproducibility": "Always",
        "Steps to reproduce": "Open Print",
        "Created": "",
        "Last update": "",
    }
    assert "Internal cost" not in text(response)
    assert "The export button does nothing." in text(response)


def test_agents_see_fields_hidden_from_customers(client, customer, agent):
    CustomField.objects.create(
        key="internal-cost",
        label_en="Internal cost",
        field_type="number",
        visible_to_customer=False,
    )
    ticket = make_ticket(customer, custom_fields={"internal-cost": 300})
    client.force_login(agent)

    response = client.get(page_url(ticket))

    assert ticket_data(response)["Internal cost"] == "300"


def test_the_assigned_agent_is_named_once_assigned(client, customer, agent):
    ticket = make_ticket(customer)
    client.force_login(customer)
    assert ticket_data(client.get(page_url(ticket)))["Assigned agent"] == "Not yet assigned"

    services.ticket_assign(ticket=ticket, actor=agent, assignee=agent)
    response = client.get(page_url(ticket))

    assert ticket_data(response)["Assigned agent"] == "Sophie Agent"
    assert status_shown(response) == "Assigned"


def test_a_status_hidden_from_customers_shows_its_category(client, customer, agent):
    ticket = move(make_ticket(customer), "it-working", agent)
    ticket.status.visible_to_customer = False
    ticket.status.save()
    client.force_login(customer)

    assert status_shown(client.get(page_url(ticket))) == "Waiting internally"


def test_what_users_typed_is_shown_as_text_never_run(client, customer):
    ticket = make_ticket(
        customer,
        subject="<script>alert('subject')</script>",
        body="<p>Hi</p><script>alert('body')</script><img src=x onerror=alert(1)>",
    )
    client.force_login(customer)

    page = client.get(page_url(ticket))
    listing = client.get(reverse("portal:tickets"))

    for response in (page, listing):
        assert "<script>alert(" not in response.text
        assert "onerror" not in response.text
        assert "&lt;script&gt;alert(&#x27;subject&#x27;)&lt;/script&gt;" in response.text


def test_the_page_runs_as_many_queries_for_50_messages_as_for_5(client, customer, agent):
    ticket = make_ticket(customer, products=[ProductFactory()], themes=[ThemeFactory()])

    def add_messages(count):
        for i in range(count):
            author = agent if i % 2 else customer
            file = Attachment.objects.create(
                uploaded_by=author,
                file="x",
                filename=f"f{i}.txt",
                content_type="text/plain",
                size=1,
                sha256="0" * 64,
            )
            services.ticket_reply(
                ticket=ticket, author=author, body_html=f"<p>Message {i}</p>", attachments=[file]
            )

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page_url(ticket)).status_code == 200
        return len(captured)

    client.force_login(customer)
    add_messages(4)
    client.get(page_url(ticket))
    with_5 = count()
    add_messages(45)
    with_50 = count()

    assert with_5 == with_50, f"{with_5} queries for 5 messages, {with_50} for 50"
    # Session, user, ticket, messages, their files, products and themes, the
    # participants and who may be added, the survey.
    assert with_50 <= 9


def test_a_page_seen_again_reuses_its_conversation_until_the_ticket_changes(
    client, customer, agent
):
    ticket = make_ticket(customer, body="<p>First words</p>")
    client.force_login(customer)

    def count():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page_url(ticket))
        assert response.status_code == 200
        return len(captured), response

    services.config_cache_clear()
    with override_settings(COMPTOIR_CONFIG_CACHE_SECONDS=60):
        first, _page = count()
        again, page = count()
        assert again <= first - 2  # neither the messages nor their files read again
        assert "First words" in page.text

        # A new message shows at once, in the language and time zone of the viewer.
        services.ticket_reply(ticket=ticket, author=agent, body_html="<p>Fresh answer</p>")
        _n, page = count()
        assert "Fresh answer" in page.text
        assert "First words" in page.text
    services.config_cache_clear()


# -- replying -------------------------------------------------------------------------


def test_replying_to_a_waiting_ticket_sends_it_back_to_support(client, customer, agent):
    # Given a ticket waiting for the customer's answer
    ticket = make_ticket(customer)
    services.ticket_reply(ticket=ticket, author=agent, body_html="<p>Which browser?</p>")
    client.force_login(customer)
    page = client.get(page_url(ticket))
    assert status_shown(page) == "Waiting for your response"

    # When the customer answers
    response = client.post(
        reply_url(ticket),
        submitted(page, "reply-form", {"body": "Firefox 140\nOn Windows"}),
        follow=True,
    )

    # Then they are back on the ticket, their message is there, and support has it again
    assert response.redirect_chain == [(page_url(ticket), 302)]
    assert "Your reply has been sent." in text(response)
    assert "<p>Firefox 140<br>On Windows</p>" in response.text
    assert status_shown(response) == "Acknowledged"
    ticket.refresh_from_db()
    assert ticket.category == Category.OPEN


def test_a_reply_can_carry_files(client, customer):
    ticket = make_ticket(customer)
    client.force_login(customer)
    page = client.get(page_url(ticket))
    data = submitted(page, "reply-form", {"body": "Screenshot attached"})
    data["attachments"] = [upload("screen.png", PNG, "image/png")]

    response = client.post(reply_url(ticket), data, follow=True)

    message = ticket.messages.last()
    assert [a.filename for a in message.attachments.all()] == ["screen.png"]
    assert "screen.png" in text(response)


def test_an_empty_reply_is_an_error_not_a_crash(client, customer):
    ticket = make_ticket(customer)
    client.force_login(customer)
    page = client.get(page_url(ticket))

    response = client.post(reply_url(ticket), submitted(page, "reply-form", {"body": "  \n "}))

    assert response.status_code == 400
    assert "The message is empty." in text(response)
    assert ticket.messages.count() == 1


@override_settings(COMPTOIR_MAX_ATTACHMENT_BYTES=1024 * 1024)
def test_a_refused_file_keeps_the_reply_typed(client, customer):
    ticket = make_ticket(customer)
    client.force_login(customer)
    page = client.get(page_url(ticket))
    data = submitted(page, "reply-form", {"body": "See the dump"})
    data["attachments"] = [upload("dump.sql", b"x" * (1024 * 1024 + 1)), upload("a.txt", b"a")]

    response = client.post(reply_url(ticket), data)

    assert response.status_code == 400
    assert "The file “dump.sql” is larger than 1 MB." in text(response)
    assert form(response).values["body"] == ["See the dump"]
    assert "Files already attached" in text(response) and "a.txt" in text(response)
    assert ticket.messages.count() == 1

    response = client.post(reply_url(ticket), submitted(response, "reply-form"))

    assert response.status_code == 302
    assert [a.filename for a in ticket.messages.last().attachments.all()] == ["a.txt"]


# -- closing ---------------------------------------------------------------------------


def test_close_ticket_closes_it(client, customer):
    ticket = make_ticket(customer)
    client.force_login(customer)
    assert "Close ticket" in text(client.get(page_url(ticket)))

    response = client.post(close_url(ticket), follow=True)

    assert response.redirect_chain == [(page_url(ticket), 302)]
    assert f"Ticket #{ticket.number} is closed." in text(response)
    assert status_shown(response) == "Closed"
    assert "Close ticket" not in text(response)
    ticket.refresh_from_db()
    assert ticket.category == Category.CLOSED


def test_closing_twice_changes_nothing(client, customer):
    ticket = make_ticket(customer)
    client.force_login(customer)
    client.post(close_url(ticket))
    ticket.refresh_from_db()
    closed_at = ticket.closed_at

    response = client.post(close_url(ticket))

    ticket.refresh_from_db()
    assert response.status_code == 302 and ticket.closed_at == closed_at


def test_close_needs_a_post(client, customer):
    ticket = make_ticket(customer)
    client.force_login(customer)

    response = client.get(close_url(ticket))

    assert response.status_code == 405
    ticket.refresh_from_db()
    assert ticket.category == Category.NEW


# -- closed tickets ---------------------------------------------------------------------


def test_reply_on_a_closed_ticket_reopens_it_by_default(client, customer):
    set_policy(ClosedReplyPolicy.REOPEN)
    ticket = move(make_ticket(customer), "closed")
    client.force_login(customer)
    page = client.get(page_url(ticket))
    assert "Replying will reopen this ticket." in text(page)

    response = client.post(
        reply_url(ticket), submitted(page, "reply-form", {"body": "Not fixed"}), follow=True
    )

    assert status_shown(response) == "Acknowledged"
    assert "Not fixed" in text(response)


def test_refuse_policy_makes_a_closed_ticket_read_only(client, customer):
    # Given closed tickets are read-only
    set_policy(ClosedReplyPolicy.REFUSE)
    ticket = move(make_ticket(customer), "closed")
    client.force_login(customer)

    # Then the page offers no reply form, and says why
    page = client.get(page_url(ticket))
    assert 'class="reply-form"' not in page.text
    assert "This ticket is closed and can no longer be answered." in text(page)

    # When a reply is posted anyway (an old tab, a forged form), with a file
    response = client.post(
        reply_url(ticket), {"body": "Hello?", "attachments": [upload("late.txt", b"late")]}
    )

    # Then it is refused with a clear message, and nothing is stored
    assert response.status_code == 400
    assert "This ticket is closed and can no longer be answered. Please open a new ticket." in text(
        response
    )
    assert ticket.messages.count() == 1
    assert not Attachment.objects.exists()
    ticket.refresh_from_db()
    assert ticket.category == Category.CLOSED


def test_agents_can_still_answer_a_read_only_closed_ticket(client, customer, agent):
    set_policy(ClosedReplyPolicy.REFUSE)
    ticket = move(make_ticket(customer), "closed")
    client.force_login(agent)
    page = client.get(page_url(ticket))

    response = client.post(reply_url(ticket), submitted(page, "reply-form", {"body": "FYI"}))

    assert response.status_code == 302
    assert ticket.messages.count() == 2


def test_new_ticket_policy_opens_a_follow_up(client, customer):
    # Given replies to closed tickets open a new one
    set_policy(ClosedReplyPolicy.NEW_TICKET)
    ticket = move(make_ticket(customer, subject="Printer jam"), "closed")
    client.force_login(customer)
    page = client.get(page_url(ticket))
    assert "your message will open a new ticket linked to this one" in text(page)

    # When the customer replies
    data = submitted(page, "reply-form", {"body": "It jams again"})
    data["attachments"] = [upload("jam.txt", b"jam")]
    response = client.post(reply_url(ticket), data, follow=True)

    # Then they land on the new ticket, which says what it follows
    follow_up = Ticket.objects.exclude(pk=ticket.pk).get()
    assert response.redirect_chain == [(page_url(follow_up), 302)]
    assert (
        f"Ticket #{ticket.number} is closed, so your message opened ticket #{follow_up.number}."
        in text(response)
    )
    assert f"#{follow_up.number} Printer jam" in text(response)
    assert "It jams again" in text(response) and "jam.txt" in text(response)
    assert "Follows" in text(response) and f"#{ticket.number}" in text(response)
    ticket.refresh_from_db()
    assert ticket.category == Category.CLOSED and ticket.messages.count() == 1


# -- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["0", "99999999999999999999", "4294967296", "2147483648"])
def test_a_ticket_number_out_of_range_is_not_found(client, customer, number):
    make_ticket(customer)
    client.force_login(customer)

    assert client.get(f"/tickets/{number}/").status_code == 404
    assert client.post(f"/tickets/{number}/reply/", {"body": "x"}).status_code == 404
    assert client.post(f"/tickets/{number}/close/").status_code == 404
    assert client.get(f"/tickets/{number}/messages/1/").status_code == 404


def test_a_message_id_out_of_range_is_not_found(client, customer):
    ticket = make_ticket(customer)
    client.force_login(customer)

    response = client.get(f"/tickets/{ticket.number}/messages/99999999999999999999/")

    assert response.status_code == 404


def test_a_permalink_to_another_tickets_message_is_not_found(client, customer):
    ticket = make_ticket(customer)
    other = make_ticket(customer)
    client.force_login(customer)

    response = client.get(reverse("portal:message", args=[ticket.number, other.messages.get().pk]))

    assert response.status_code == 404


@pytest.mark.parametrize(
    "data",
    [
        {"body": "<p>x</p>", "body_format": "evil"},
        {"body": "x", "pending": "not-a-key,../../x"},
        {"body": "nul\x00byte"},
        {"body": '<img src="data:image/png;base64,!!!notbase64">', "body_format": "html"},
    ],
)
def test_bad_reply_input_is_an_error_not_a_crash(client, customer, data):
    ticket = make_ticket(customer)
    client.force_login(customer)

    response = client.post(reply_url(ticket), data)

    assert response.status_code in (302, 400)
