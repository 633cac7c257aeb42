"""A customer's journey through the portal, in a real browser.

Given a customer of an organisation, when they log in, open a ticket with a
pasted screenshot and an attached file, find it again, answer support, close
it and write again, then every page shows what a person expects to see.
Elements are found by role and label, as a person (or a screen reader) finds
them.
"""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import Locator, Page, expect

from comptoir.tickets import services
from comptoir.tickets.models import ClosedReplyPolicy, HelpdeskSettings, Ticket
from tests import factories

pytestmark = [
    pytest.mark.browser,
    # serialized_rollback: each test starts again with the reference data
    # (statuses, types...) the migrations wrote, which a flush would remove.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ATTACHMENT_NAME = "export-log.txt"
ATTACHMENT_BYTES = b"2026-03-02 09:14:07 ERROR export: timeout after 30 s\n"
TICKET_URL = re.compile(r"/tickets/(\d+)/$")
ATTACHMENT_SRC = re.compile(
    r"^/attachments/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/$"
)

# A real paste: a PNG drawn on a canvas, put in a DataTransfer and sent to the
# editor as a ClipboardEvent, the way the browser delivers Ctrl+V of a screenshot.
PASTE_SCREENSHOT_JS = """
async (editor) => {
  const canvas = document.createElement("canvas");
  canvas.width = 160;
  canvas.height = 90;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#2455c3";
  ctx.fillRect(0, 0, 160, 90);
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(12, 12, 80, 20);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
  const file = new File([blob], "screenshot.png", { type: "image/png" });
  const data = new DataTransfer();
  data.items.add(file);
  editor.focus();
  editor.dispatchEvent(
    new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true })
  );
}
"""


# -- given ----------------------------------------------------------------------


def customer_account(**kwargs) -> factories.User:
    """A customer of one organisation whose address is verified (an activated account)."""
    user = factories.CustomerFactory(**kwargs)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def set_closed_reply_policy(policy: str) -> None:
    HelpdeskSettings.objects.update_or_create(pk=1, defaults={"closed_reply_policy": policy})


def closed_ticket(requester, subject: str) -> Ticket:
    ticket = factories.make_ticket(requester, subject=subject, language="en")
    return services.ticket_close(ticket=ticket, actor=requester)


# -- what a person does and sees -----------------------------------------------------


def log_in(page: Page, base_url: str, user) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello {user.first_name}")


def main_menu(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Main menu")


def description_editor(page: Page) -> Locator:
    # portal.js replaces the description textarea by a contenteditable textbox.
    return page.get_by_role("textbox", name="Description")


def paste_screenshot(editor: Locator) -> None:
    editor.evaluate(PASTE_SCREENSHOT_JS)
    expect(editor.get_by_role("img", name="screenshot.png")).to_be_visible()


def attach_file(page: Page) -> None:
    page.get_by_label("Attachments").set_input_files(
        files=[{"name": ATTACHMENT_NAME, "mimeType": "text/plain", "buffer": ATTACHMENT_BYTES}]
    )


def toast(page: Page) -> Locator:
    return page.get_by_role("status")


def status_line(page: Page) -> Locator:
    return page.get_by_text("Status:")


def first_message(page: Page) -> Locator:
    return page.get_by_role("region", name="Conversation").get_by_role("listitem").first


def reply(page: Page, text: str) -> None:
    page.get_by_role("textbox", name="Your reply").fill(text)
    page.get_by_role("button", name="Send reply").click()


def opened_ticket_number(page: Page) -> int:
    page.wait_for_url(TICKET_URL)
    match = TICKET_URL.search(page.url)
    assert match is not None
    return int(match.group(1))


def assert_image_loaded(image: Locator) -> None:
    src = image.get_attribute("src")
    assert src is not None and ATTACHMENT_SRC.match(src), src
    # decode() rejects when the image cannot be loaded or decoded.
    width = image.evaluate("img => img.decode().then(() => img.naturalWidth)")
    assert width == 160


# -- the journey -------------------------------------------------------------------


def test_customer_opens_follows_closes_and_reopens_a_ticket(live_server, page, shot):
    customer = customer_account(email="claire@example.test", first_name="Claire")
    agent = factories.AgentFactory(first_name="Sophie", last_name="Agent")
    factories.make_ticket(customer, subject="Password reset mail not received", language="en")

    # 1. Log in through the login page.
    log_in(page, live_server.url, customer)

    # 2. Open a new ticket: type, subject, description with a pasted screenshot, a file.
    main_menu(page).get_by_role("link", name="New ticket").click()
    expect(page.get_by_role("heading", name="Open a new ticket")).to_be_visible()
    page.get_by_label("Type").select_option(label="Help")
    page.get_by_label("Subject").fill("Invoice export stays empty")
    editor = description_editor(page)
    editor.fill("The invoice export produces an empty file since this morning.")
    paste_screenshot(editor)
    attach_file(page)
    shot("01-new-ticket-filled")
    page.get_by_role("button", name="Submit the ticket").click()

    # 3. The confirmation names the ticket, the page shows it with the pasted
    #    image inline and the attached file ready to download.
    number = opened_ticket_number(page)
    expect(toast(page)).to_contain_text(f"Your ticket #{number} has been created")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"#{number} Invoice export stays empty"
    )
    expect(status_line(page)).to_have_text("Status: New")
    message = first_message(page)
    expect(message).to_contain_text("The invoice export produces an empty file")
    assert_image_loaded(message.get_by_role("img", name="screenshot.png"))
    attachment = message.get_by_role("list", name="Attachments").get_by_role(
        "link", name=ATTACHMENT_NAME
    )
    expect(attachment).to_be_visible()
    with page.expect_download() as download_info:
        attachment.click()
    download = download_info.value
    assert download.suggested_filename == ATTACHMENT_NAME
    with open(download.path(), "rb") as downloaded:
        assert downloaded.read() == ATTACHMENT_BYTES
    shot("02-ticket-created")

    # 4. My tickets: a keyword of the subject finds it, and only it.
    main_menu(page).get_by_role("link", name="My tickets").click()
    page.get_by_label("Keywords").fill("invoice")
    page.get_by_role("button", name="Apply").click()
    results = page.get_by_role("table", name="My tickets")
    expect(results.get_by_role("link", name=f"#{number}")).to_be_visible()
    expect(results.get_by_role("link", name="Password reset mail not received")).to_have_count(0)
    shot("03-my-tickets-search")
    results.get_by_role("link", name="Invoice export stays empty").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"#{number}")

    # 5. Support answers (through the service, as the agent desk would).
    ticket = Ticket.objects.get(number=number)
    services.ticket_reply(ticket=ticket, author=agent, body_html="<p>Which browser do you use?</p>")
    page.reload()
    expect(status_line(page)).to_have_text("Status: Waiting for your response")
    expect(page.get_by_role("region", name="Conversation")).to_contain_text(
        "Which browser do you use?"
    )

    # 6. The customer answers: the ticket is open again on support's side.
    reply(page, "Chromium, on Debian.")
    expect(toast(page)).to_contain_text("Your reply has been sent.")
    expect(status_line(page)).to_have_text("Status: Acknowledged")
    expect(page.get_by_role("region", name="Conversation")).to_contain_text("Chromium, on Debian.")

    # 7. The customer closes it.
    page.get_by_role("button", name="Close ticket").click()
    expect(toast(page)).to_contain_text(f"Ticket #{number} is closed.")
    expect(status_line(page)).to_have_text("Status: Closed")
    expect(page.get_by_role("button", name="Close ticket")).to_have_count(0)
    shot("04-ticket-closed")

    # 8. Writing again on the closed ticket reopens it (the default policy).
    expect(page.get_by_text("Replying will reopen this ticket.")).to_be_visible()
    reply(page, "It happens again after the update.")
    expect(toast(page)).to_contain_text("Your reply has been sent.")
    expect(status_line(page)).to_have_text("Status: Acknowledged")
    expect(page.get_by_role("button", name="Close ticket")).to_be_visible()
    assert Ticket.objects.count() == 2
    shot("05-ticket-reopened")


def test_reply_on_closed_ticket_opens_a_linked_ticket(live_server, page, shot):
    set_closed_reply_policy(ClosedReplyPolicy.NEW_TICKET)
    customer = customer_account(first_name="Claire")
    old = closed_ticket(customer, "Printing labels cuts the barcode")
    log_in(page, live_server.url, customer)

    page.goto(f"{live_server.url}/tickets/{old.number}/")
    expect(status_line(page)).to_have_text("Status: Closed")
    expect(
        page.get_by_text("This ticket is closed: your message will open a new ticket")
    ).to_be_visible()
    reply(page, "The barcode is cut again on the new printer.")

    new_number = opened_ticket_number(page)
    assert new_number != old.number
    expect(toast(page)).to_contain_text(
        f"Ticket #{old.number} is closed, so your message opened ticket #{new_number}."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"#{new_number} Printing labels cuts the barcode"
    )
    expect(status_line(page)).to_have_text("Status: New")
    details = page.get_by_role("complementary", name="Ticket data")
    expect(details).to_contain_text(f"Follows #{old.number}", use_inner_text=True)
    expect(first_message(page)).to_contain_text("The barcode is cut again on the new printer.")
    shot("06-follow-up-ticket")

    details.get_by_role("link", name=f"#{old.number}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"#{old.number}")
    expect(status_line(page)).to_have_text("Status: Closed")


def test_reply_on_closed_ticket_is_refused(live_server, page, shot):
    set_closed_reply_policy(ClosedReplyPolicy.REFUSE)
    customer = customer_account(first_name="Claire")
    ticket = closed_ticket(customer, "Dashboard shows yesterday's figures")
    log_in(page, live_server.url, customer)

    page.goto(f"{live_server.url}/tickets/{ticket.number}/")
    expect(status_line(page)).to_have_text("Status: Closed")
    expect(page.get_by_text("This ticket is closed and can no longer be answered.")).to_be_visible()
    expect(page.get_by_role("textbox", name="Your reply")).to_have_count(0)
    expect(page.get_by_role("button", name="Send reply")).to_have_count(0)
    expect(page.get_by_role("main").get_by_role("link", name="Open a new ticket")).to_be_visible()
    shot("07-closed-refused")


def test_new_ticket_form_keeps_input_and_files_after_an_error(live_server, page, shot):
    customer = customer_account(first_name="Claire")
    log_in(page, live_server.url, customer)

    page.goto(f"{live_server.url}/tickets/new/")
    page.get_by_label("Type").select_option(label="Bug")
    description_editor(page).fill("Saving a quote with a discount shows an error page.")
    attach_file(page)
    page.get_by_role("button", name="Submit the ticket").click()

    # The error is next to the subject; what was typed, chosen and sent is still there.
    expect(page.get_by_role("alert")).to_contain_text("Please correct the errors below.")
    subject = page.get_by_label("Subject")
    expect(subject).to_have_attribute("aria-invalid", "true")
    expect(subject).to_have_accessible_description(re.compile("This field is required"))
    expect(description_editor(page)).to_have_text(
        "Saving a quote with a discount shows an error page."
    )
    expect(page.get_by_label("Type").locator("option:checked")).to_have_text("Bug")
    kept = page.get_by_role("group", name="Files already attached")
    expect(kept.get_by_role("link", name=ATTACHMENT_NAME)).to_be_visible()
    shot("08-new-ticket-error")

    subject.fill("Quote with a discount cannot be saved")
    page.get_by_role("button", name="Submit the ticket").click()

    number = opened_ticket_number(page)
    expect(toast(page)).to_contain_text(f"Your ticket #{number} has been created")
    message = first_message(page)
    expect(message).to_contain_text("Saving a quote with a discount shows an error page.")
    expect(
        message.get_by_role("list", name="Attachments").get_by_role("link", name=ATTACHMENT_NAME)
    ).to_be_visible()
    ticket = Ticket.objects.get(number=number)
    assert ticket.type.slug == "bug"
    assert [a.filename for a in ticket.attachments.all()] == [ATTACHMENT_NAME]


def test_screenshot_pasted_in_a_reply_shows_inline_and_no_empty_file_list(live_server, page):
    customer = customer_account(first_name="Claire")
    ticket = factories.make_ticket(customer, subject="Report totals are rounded", language="en")
    log_in(page, live_server.url, customer)

    page.goto(f"{live_server.url}/tickets/{ticket.number}/")
    editor = page.get_by_role("textbox", name="Your reply")
    editor.fill("Here is what I see:")
    paste_screenshot(editor)
    page.get_by_role("button", name="Send reply").click()

    expect(toast(page)).to_contain_text("Your reply has been sent.")
    message = (
        page.get_by_role("region", name="Conversation")
        .get_by_role("listitem")
        .filter(has_text="Here is what I see:")
    )
    assert_image_loaded(message.get_by_role("img", name="screenshot.png"))
    # The page is loaded: no need to wait the full timeout for the list to go.
    expect(message.get_by_role("list", name="Attachments")).to_have_count(0, timeout=1_000)


def test_language_selector_switches_the_portal_to_french(live_server, page):
    customer = customer_account(first_name="Claire")
    log_in(page, live_server.url, customer)
    expect(main_menu(page).get_by_role("link", name="My tickets")).to_be_visible()

    page.get_by_label("Language").select_option("fr")

    expect(page.locator("html")).to_have_attribute("lang", "fr")
    french_menu = page.get_by_role("navigation", name="Menu principal")
    expect(french_menu.get_by_role("link", name="Mes tickets")).to_be_visible()
