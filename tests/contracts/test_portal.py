"""Customers with the right see the balance and the monthly statement."""

import csv
import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from comptoir.contracts import services
from tests.factories import CustomerFactory, OrganisationFactory, make_ticket

pytestmark = pytest.mark.django_db

HOURS = reverse("contracts:hours")


@pytest.fixture
def logged(contract, org_ticket, agent):
    services.time_entry_create(ticket=org_ticket, agent=agent, minutes=90, day=date(2026, 2, 3))
    services.time_entry_create(ticket=org_ticket, agent=agent, minutes=30, day=date(2026, 3, 2))
    return contract


def test_a_manager_sees_the_balance_and_this_month(client, manager, logged):
    client.force_login(manager)
    page = client.get(HOURS).content.decode()
    # 3 months of 2 h, minus 1 h 30 and 30 min
    assert "4 h 00 min" in page
    assert "Statement for March 2026" in page
    assert "Invoices are wrong" in page
    assert "Balance so far" in page


def test_the_month_picker_shows_a_past_statement(client, manager, logged, org_ticket):
    client.force_login(manager)
    page = client.get(HOURS, {"month": "2026-02"}).content.decode()
    assert "Statement for February 2026" in page
    assert "1 h 30 min" in page and "Carried over to next month" in page
    assert '<option value="2026-01"' in page


def test_a_bad_month_falls_back_to_the_latest(client, manager, logged):
    client.force_login(manager)
    for month in ("2031-01", "garbage", "2026-13"):
        response = client.get(HOURS, {"month": month})
        assert response.status_code == 200
        assert "Statement for March 2026" in response.content.decode()


def test_empty_states(client, manager, org, frozen):
    client.force_login(manager)
    page = client.get(HOURS).content.decode()
    assert "no assistance contract yet" in page
    services.contract_create(organisation_id=org.pk, start=date(2026, 5, 1), minutes=60)
    page = client.get(HOURS).content.decode()
    assert "the first statement will be available then" in page
    from comptoir.contracts.models import Contract

    Contract.objects.all().delete()
    services.contract_create(organisation_id=org.pk, start=date(2026, 3, 1), minutes=60)
    assert "No time was used this month." in client.get(HOURS).content.decode()


def test_a_member_without_the_right_sees_nothing(client, member, logged):
    client.force_login(member)
    assert client.get(HOURS).status_code == 404
    assert client.get(reverse("contracts:statement_pdf")).status_code == 404
    assert client.get(reverse("contracts:statement_csv")).status_code == 404


def test_another_organisation_cannot_be_seen(client, logged, org):
    outsider = CustomerFactory(organisation=OrganisationFactory(name="Autre"))
    from comptoir.accounts.models import Membership

    Membership.objects.filter(user=outsider).update(is_manager=True)
    client.force_login(outsider)
    assert client.get(HOURS, {"org": org.pk}).status_code == 404
    assert client.get(reverse("contracts:statement_csv"), {"org": org.pk}).status_code == 404
    assert "Crèche" not in client.get(HOURS).content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert client.get(HOURS).status_code == 302


def test_managers_find_the_page_from_home(client, manager, member, logged):
    client.force_login(manager)
    assert HOURS in client.get(reverse("portal:home")).content.decode()
    client.force_login(member)
    assert HOURS not in client.get(reverse("portal:home")).content.decode()


def test_statement_as_csv(client, manager, logged, org_ticket):
    client.force_login(manager)
    response = client.get(reverse("contracts:statement_csv"), {"month": "2026-02"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert ["Month", "2026-02"] in rows
    assert ["Credited this month", "2:00", "120"] in rows
    assert ["Carried over from last month", "2:00", "120"] in rows
    assert ["Used (billable)", "1:30", "90"] in rows
    assert [f"#{org_ticket.number}", "Invoices are wrong", "1:30", "90", "0"] in rows


def test_statement_as_pdf(client, manager, logged, org_ticket):
    client.force_login(manager)
    response = client.get(reverse("contracts:statement_pdf"), {"month": "2026-02"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Crèche Les Lucioles" in text
    assert "Invoices are wrong" in text
    assert "1 h 30 min" in text


def test_agents_see_every_organisations_hours(client, agent, logged, org):
    client.force_login(agent)
    assert "4 h 00 min" in client.get(HOURS, {"org": org.pk}).content.decode()


def _queries(client, month):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(HOURS, {"month": month}).status_code == 200
    return len(captured)


def test_the_statement_page_runs_a_constant_number_of_queries(client, manager, agent, contract):
    client.force_login(manager)
    ticket = make_ticket(manager, subject="First")
    services.time_entry_create(ticket=ticket, agent=agent, minutes=10, day=date(2026, 3, 1))
    client.get(HOURS)
    small = _queries(client, "2026-03")
    for i in range(12):
        other = make_ticket(manager, subject=f"Ticket {i}")
        for day in (2, 3):
            services.time_entry_create(
                ticket=other, agent=agent, minutes=5 + i, day=date(2026, 3, day)
            )
            services.time_entry_create(
                ticket=other, agent=agent, minutes=5, day=date(2026, 1, day), billable=False
            )
    assert _queries(client, "2026-03") == small
