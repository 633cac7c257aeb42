"""An agent's day at the desk, in a real browser.

Given a customer with a ticket and a duplicate of it, when an agent logs in,
finds the ticket in Unassigned, answers it with a macro, writes an internal
note, requalifies it and merges the duplicate, then the customer sees what
they should (the waiting status, the new type) and never the note, and the
old number leads to the ticket it was merged into.
"""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import Browser, Page, expect

from comptoir.desk.models import (
    AssignmentMode,
    DeskAgentProfile,
    DeskGroupSettings,
    Macro,
    RoutingRule,
)
from comptoir.tickets.models import Ticket
from tests import factories

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def account(factory, **kwargs):
    user = factory(**kwargs)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def log_in(page: Page, base_url: str, user) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello {user.first_name}")


def customer_page(browser: Browser, base_url: str, customer) -> Page:
    """The customer, in a browser of their own."""
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, base_url, customer)
    return page


def toast(page: Page):
    return page.get_by_role("status").filter(has=page.locator(".toast"))


def desk_nav(page: Page):
    return page.get_by_role("navigation", name="Desk")


def conversation(page: Page):
    return page.get_by_role("region", name="Conversation", exact=True)


def test_an_agent_answers_notes_requalifies_and_merges(live_server, page, browser, shot):
    base = live_server.url
    customer = account(factories.CustomerFactory, first_name="Claire", email="claire@example.test")
    agent = account(
        factories.AgentFactory, first_name="Sophie", last_name="Agent", email="sophie@support.test"
    )
    ticket = factories.make_ticket(
        customer, subject="Invoice export is empty", language="en",
        body="<p>The invoice export gives an empty file.</p>",
    )  # fmt: skip
    duplicate = factories.make_ticket(
        customer, subject="Invoice export still empty", language="en",
        body="<p>Still nothing in the export, please help.</p>",
    )  # fmt: skip
    Macro.objects.create(
        name="Ask for a screenshot",
        body_html="<p>Hello {requester_first_name}, could you send a screenshot of "
        "{ticket_number}? {agent_first_name}</p>",
    )

    # 1. The agent logs in and opens the desk: both tickets wait in Unassigned.
    log_in(page, base, agent)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Desk").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Unassigned")
    expect(desk_nav(page).get_by_role("link", name=re.compile(r"^Unassigned 2$"))).to_be_visible()
    queue = page.get_by_role("table", name="Unassigned")
    expect(queue.get_by_role("link", name=ticket.reference)).to_be_visible()
    shot("desk-01-unassigned")

    # 2. The ticket: a macro fills the reply, which goes to the customer.
    queue.get_by_role("link", name="Invoice export is empty").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"{ticket.reference} Invoice export is empty"
    )
    page.get_by_label("Macro").select_option(label="Ask for a screenshot")
    page.get_by_role("button", name="Apply macro").click()
    editor = page.get_by_role("textbox", name="Message")
    expect(editor).to_have_text(
        f"Hello Claire, could you send a screenshot of {ticket.reference}? Sophie"
    )
    shot("desk-02-macro")
    page.get_by_role("button", name="Send public reply").click()
    expect(toast(page)).to_contain_text("Reply sent.")
    expect(conversation(page)).to_contain_text("could you send a screenshot")

    customer_view = customer_page(browser, base, customer)
    customer_view.goto(f"{base}/tickets/{ticket.number}/")
    expect(customer_view.get_by_text("Status:")).to_have_text("Status: Waiting for your response")
    expect(customer_view.get_by_role("region", name="Conversation", exact=True)).to_contain_text(
        "could you send a screenshot"
    )

    # 3. An internal note: marked as such for agents, never shown to the customer.
    page.get_by_role("radio", name="Internal note").check()
    editor.fill("Their export template is the 2019 one.")
    page.get_by_role("button", name="Add internal note").click()
    expect(toast(page)).to_contain_text("Internal note added.")
    note = conversation(page).get_by_role("listitem").filter(has_text="2019 one")
    expect(note).to_contain_text("Internal note")
    expect(note).to_contain_text("not visible to the customer")
    shot("desk-03-note")
    customer_view.reload()
    expect(
        customer_view.get_by_role("region", name="Conversation", exact=True)
    ).not_to_contain_text("2019")

    # 4. Requalification: the customer sees the new type.
    fields = page.get_by_role("region", name="Ticket data")
    fields.get_by_label("Type").select_option(label="Bug")
    fields.get_by_role("button", name="Save ticket data").click()
    expect(toast(page)).to_contain_text("Ticket data saved.")
    page.get_by_text(re.compile(r"^Show \d+ changes$")).click()
    expect(page.get_by_role("region", name="History")).to_contain_text("Type: Help → Bug")
    customer_view.reload()
    expect(customer_view.get_by_role("complementary", name="Ticket data")).to_contain_text(
        "Type Bug", use_inner_text=True
    )

    # 5. The duplicate, reached by its number, is merged into the ticket.
    desk_nav(page).get_by_label("Go to ticket").fill(str(duplicate.number))
    desk_nav(page).get_by_label("Go to ticket").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text(duplicate.reference)
    page.once("dialog", lambda dialog: dialog.accept())
    merge = page.get_by_role("region", name="Merge a duplicate")
    merge.get_by_label(f"Merge {duplicate.reference} into ticket number").fill(str(ticket.number))
    merge.get_by_role("button", name="Merge").click()
    expect(toast(page)).to_contain_text(
        f"Ticket {duplicate.reference} was merged into {ticket.reference}"
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text(ticket.reference)
    expect(conversation(page)).to_contain_text("Still nothing in the export, please help.")
    shot("desk-04-merged")

    # 6. The old number leads to the ticket it was merged into.
    page.goto(f"{base}/desk/tickets/{duplicate.number}/")
    expect(page).to_have_url(f"{base}/desk/tickets/{ticket.number}/")
    expect(toast(page)).to_contain_text(f"Ticket {duplicate.reference} was merged into")
    customer_view.goto(f"{base}/tickets/{duplicate.number}/")
    expect(customer_view).to_have_url(f"{base}/tickets/{ticket.number}/")
    expect(
        customer_view.get_by_text(f"Ticket {duplicate.reference} was merged into")
    ).to_be_visible()
    expect(customer_view.get_by_role("heading", level=1)).to_contain_text(ticket.reference)
    expect(customer_view.get_by_role("region", name="Conversation", exact=True)).to_contain_text(
        "Still nothing in the export"
    )
    assert Ticket.objects.get(pk=duplicate.pk).category == "closed"


def test_a_routed_ticket_reaches_an_agent_and_bulk_closing_works(live_server, page, shot):
    base = live_server.url
    group = factories.SupportGroupFactory(name="Support")
    away = account(factories.AgentFactory, first_name="Bruno", email="bruno@support.test")
    agent = account(factories.AgentFactory, first_name="Sophie", email="sophie@support.test")
    group.agents.set([away, agent])
    DeskAgentProfile.objects.create(user=away, away=True)
    DeskGroupSettings.objects.create(group=group, assignment=AssignmentMode.ROUND_ROBIN)
    RoutingRule.objects.create(name="Everything", group=group)
    customer = account(factories.CustomerFactory, first_name="Claire")
    routed = factories.make_ticket(customer, subject="Tablet does not sync", language="en")
    spam = [factories.make_ticket(subject=f"Out of office {i}") for i in range(3)]
    for ticket in spam:
        Ticket.objects.filter(pk=ticket.pk).update(assignee=agent)

    log_in(page, base, agent)
    page.goto(f"{base}/desk/?queue=mine")
    mine = page.get_by_role("table", name="Mine")
    expect(mine.get_by_role("link", name="Tablet does not sync")).to_be_visible()
    expect(mine.get_by_role("row")).to_have_count(5)  # header and four tickets

    # Filter, select the whole page and close in bulk.
    page.get_by_text("Filters and sort").click()
    page.get_by_label("Text").fill("out of office")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"q=out\+of\+office"))
    page.get_by_label("Select every ticket of this page").check()
    page.get_by_role("group", name="Change the selected tickets").get_by_role(
        "button", name="Close"
    ).click()
    expect(toast(page)).to_contain_text("3 tickets changed.")
    shot("desk-05-bulk")
    assert set(Ticket.objects.filter(category="closed")) == set(spam)
    assert Ticket.objects.get(pk=routed.pk).category == "new"
