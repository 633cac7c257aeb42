"""An agent logs 1h30 on a ticket and sees the organisation's balance drop;
the organisation's manager reads it on the portal."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from comptoir.accounts.models import Membership
from comptoir.contracts import services
from comptoir.contracts.balance import helpdesk_today
from tests import factories

from .test_desk_journey import account, log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_agent_logs_time_and_the_balance_drops(page: Page, live_server) -> None:
    organisation = factories.OrganisationFactory(name="Crèche Les Lucioles")
    manager = account(factories.CustomerFactory, first_name="Marie", organisation=organisation)
    Membership.objects.filter(user=manager).update(is_manager=True)
    agent = account(factories.AgentFactory, first_name="Sophie")
    ticket = factories.make_ticket(manager, subject="Invoices are wrong", language="en")
    services.contract_create(
        organisation_id=organisation.pk, start=helpdesk_today().replace(day=1), minutes=180
    )

    log_in(page, live_server.url, agent)
    page.goto(f"{live_server.url}/desk/tickets/{ticket.number}/")
    hours = page.get_by_role("region", name="Hours")
    expect(hours).to_contain_text("3 h 00 min")
    hours.get_by_label("Time spent").fill("1h30")
    hours.get_by_label("Note").fill("Fixed the invoice template")
    hours.get_by_role("button", name="Log time").click()

    hours = page.get_by_role("region", name="Hours")
    expect(hours).to_contain_text("1 h 30 min")
    expect(hours.locator("[data-balance]")).to_have_text("1 h 30 min")
    expect(hours).to_contain_text("Fixed the invoice template")

    hours.get_by_label("Time spent").fill("1h75")
    hours.get_by_role("button", name="Log time").click()
    hours = page.get_by_role("region", name="Hours")
    expect(hours).to_contain_text("under 60")
    expect(hours.get_by_label("Time spent")).to_have_value("1h75")
