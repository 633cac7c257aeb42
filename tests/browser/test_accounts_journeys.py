"""Accounts in a real browser: activating an account from the mail, changing the
profile's language and date format, and a colleague added to a conversation who
logs in and answers."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from playwright.sync_api import Page, expect

from comptoir.accounts import services
from comptoir.accounts.models import Membership
from comptoir.tickets.models import Ticket
from tests import factories

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "Tilleul-Crayon-42"
LINK = re.compile(r"https?://[^/\s]+(/accounts/activate/\S+/)")
FIRST_PASSWORD = re.compile(r"^Password(?! \(again\))")


def activation_path(address: str) -> str:
    message = [m for m in mail.outbox if address in m.to][-1]
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def log_in(page: Page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_activation_link_sets_the_password_and_lands_on_the_portal(live_server, page, shot):
    # Given support created Marie's account
    agent = factories.AgentFactory()
    services.user_create(email="marie@lutins.example", first_name="Marie", created_by=agent)

    # When she opens the link of her mail and chooses a password twice
    page.goto(live_server.url + activation_path("marie@lutins.example"))
    expect(page.get_by_role("heading", name="Activate your account")).to_be_visible()
    page.get_by_label(FIRST_PASSWORD).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD + "x")
    page.get_by_role("button", name="Activate my account").click()
    expect(page.get_by_text("The two passwords are not the same.")).to_be_visible()
    page.get_by_label(FIRST_PASSWORD).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    shot("accounts-01-activation")
    page.get_by_role("button", name="Activate my account").click()

    # Then she is on the portal home, welcomed, logged in
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello Marie")
    expect(page.get_by_role("status")).to_contain_text("Your account is active. Welcome!")
    expect(page.get_by_text("This is your first login.")).to_be_visible()

    # And the same link, opened again, says it has been used and offers a new one
    page.goto(live_server.url + activation_path("marie@lutins.example"))
    expect(
        page.get_by_role("heading", name="This activation link has already been used")
    ).to_be_visible()
    expect(page.get_by_label("Email address")).to_have_value("marie@lutins.example")


def test_profile_language_and_date_format_show_on_the_next_page(live_server, page, shot):
    claire = factories.CustomerFactory(email="claire@example.test", first_name="Claire")
    EmailAddress.objects.create(user=claire, email=claire.email, verified=True, primary=True)
    ticket = factories.make_ticket(claire, subject="Export", language="en")
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=datetime(2026, 3, 2, 13, 30, tzinfo=UTC))
    log_in(page, live_server.url, "claire@example.test", factories.PASSWORD)

    page.get_by_role("link", name="Profile").click()
    page.get_by_label("Preferred language").select_option("es")
    page.get_by_label("Date format").select_option(label="2026-12-31 14:30")
    page.get_by_label("Time zone").select_option("Europe/Paris")
    page.get_by_label("Phone").fill("06 12")
    page.get_by_role("button", name="Save my profile").click()
    # A wrong phone keeps everything typed
    expect(page.get_by_text("Enter the number in international format")).to_be_visible()
    expect(page.get_by_label("Phone")).to_have_value("06 12")
    expect(page.get_by_label("Date format")).to_have_value("Y-m-d H:i")
    page.get_by_label("Phone").fill("+33 6 12 34 56 78")
    page.get_by_role("button", name="Save my profile").click()

    # The next page is in Spanish, and My tickets shows ISO dates in Paris time
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.get_by_role("navigation").get_by_role("link", name="Mis tickets").click()
    expect(page.get_by_text("2026-03-02 14:30")).to_be_visible()
    shot("accounts-02-profile-spanish-iso")


def test_a_colleague_added_to_the_conversation_logs_in_and_replies(live_server, page, shot):
    lutins = factories.OrganisationFactory(name="Crèche Les Lutins")
    claire = factories.CustomerFactory(
        email="claire@lutins.example", first_name="Claire", organisation=lutins
    )
    paul = factories.UserFactory(email="paul@lutins.example", first_name="Paul", last_name="Durand")
    Membership.objects.create(user=paul, organisation=lutins)
    for person in (claire, paul):
        EmailAddress.objects.create(user=person, email=person.email, verified=True, primary=True)
    ticket = factories.make_ticket(claire, subject="Payroll export", language="en")

    # Claire adds Paul from the ticket page
    log_in(page, live_server.url, "claire@lutins.example", factories.PASSWORD)
    page.goto(f"{live_server.url}/tickets/{ticket.number}/")
    people = page.get_by_role("region", name="Participants")
    people.get_by_label("A member of your organisation").select_option(
        label="Paul Durand (paul@lutins.example)"
    )
    people.get_by_role("button", name="Add to the conversation").click()
    expect(page.get_by_role("status")).to_contain_text("Paul Durand has been added")
    expect(page.get_by_role("region", name="Participants")).to_contain_text("Paul Durand")
    shot("accounts-03-cc-added")
    page.get_by_role("button", name="Log out").click()

    # Paul follows the link of his mail, logs in and answers
    link = next(m for m in mail.outbox if m.to == ["paul@lutins.example"])
    path = re.search(r"https?://[^/\s]+(/tickets/\d+/)", link.body).group(1)
    page.goto(live_server.url + path)
    page.get_by_label("Email address").fill("paul@lutins.example")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"#{ticket.number} Payroll export")
    page.get_by_role("textbox", name="Your reply").fill("Same problem on our side.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("status")).to_contain_text("Your reply has been sent.")
    conversation = page.get_by_role("region", name="Conversation", exact=True)
    expect(conversation.get_by_role("listitem").last).to_contain_text("Same problem on our side.")
    expect(conversation.get_by_role("listitem").last).to_contain_text("Paul Durand")
    shot("accounts-04-cc-replied")
