"""The satisfaction survey, from the mail a customer receives to the agent's view.

Given a resolved ticket whose survey mail was delivered to a real SMTP receiver,
when the customer clicks a face in that mail, confirms on the page it opens and
adds a comment, then the agent sees the rating and the comment on the ticket.
"""

from __future__ import annotations

import re
import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from allauth.account.models import EmailAddress
from playwright.sync_api import Page, expect

from comptoir.tickets import services
from comptoir.tickets.models import Category
from tests import factories

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


class Receiver:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.original_content or envelope.content)
        return "250 OK"


@pytest.fixture
def smtp(settings):
    """A real SMTP server in this process; the mail app sends to it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    receiver = Receiver()
    controller = Controller(receiver, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "use_tls": False, "timeout": 5},
        }
    }
    yield receiver
    controller.stop()


def account(factory, **kwargs):
    user = factory(**kwargs)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def survey_mail_html(smtp: Receiver, address: str) -> str:
    for raw in smtp.messages:
        mail = message_from_bytes(raw, policy=policy.default)
        if address in str(mail["To"]) and "/reports/survey/" in raw.decode("latin-1"):
            return mail.get_body(preferencelist=("html",)).get_content()
    raise AssertionError(f"no survey mail to {address} among {len(smtp.messages)} mails")


def log_in(page: Page, base_url: str, user) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("navigation", name="Main menu")).to_be_visible()


def test_customer_rates_from_the_mail_and_the_agent_sees_it(
    live_server, page, smtp, settings, shot
):
    settings.SITE_URL = live_server.url
    customer = account(factories.CustomerFactory, email="claire@example.test", first_name="Claire")
    agent = account(factories.AgentFactory, email="sophie@support.test", first_name="Sophie")
    ticket = factories.make_ticket(customer, subject="Planning export is empty", language="en")
    services.ticket_assign(ticket=ticket, actor=agent, assignee=agent)
    services.ticket_change_status(
        ticket=ticket, actor=agent, status=services.status_for_category(Category.RESOLVED)
    )

    # 1. The mail, as received by the SMTP server, opened in the browser: a click on a face.
    page.set_content(survey_mail_html(smtp, customer.email))
    shot("reports-01-survey-mail")
    page.get_by_role("link", name=re.compile(r"(^|\s)Satisfied$")).click()

    # 2. The page opened without logging in, with that face selected; nothing recorded yet.
    expect(page.get_by_role("heading", name="Satisfaction survey")).to_be_visible()
    expect(page.get_by_role("radio", name="Satisfied", exact=True)).to_be_checked()
    assert ticket.surveys.get().answered_at is None
    page.get_by_label("Comment (optional)").fill("Quick and clear, thank you!")
    shot("reports-02-survey-page")
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_role("status")).to_contain_text("your answer has been recorded")

    # 3. The agent opens the ticket and sees the rating and the comment.
    page.context.clear_cookies()
    log_in(page, live_server.url, agent)
    page.goto(f"{live_server.url}/tickets/{ticket.number}/")
    survey = page.get_by_role("region", name="Satisfaction survey")
    expect(survey).to_contain_text("Satisfied (4/5)")
    expect(survey).to_contain_text("Quick and clear, thank you!")
    shot("reports-03-agent-sees-rating")
