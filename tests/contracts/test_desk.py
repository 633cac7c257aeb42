"""Agents log time beside the ticket and see the organisation's balance."""

from datetime import date

import pytest
from django.urls import reverse

from comptoir.contracts import services
from comptoir.contracts.models import TimeEntry
from comptoir.tickets.models import TicketEvent
from tests.factories import CustomerFactory, make_ticket

pytestmark = pytest.mark.django_db


def _desk(ticket):
    return reverse("desk:ticket", kwargs={"number": ticket.number})


def _add(ticket):
    return reverse("contracts:time_add", kwargs={"number": ticket.number})


@pytest.fixture
def desk(client, agent):
    client.force_login(agent)
    return client


def test_agent_logs_1h30_and_sees_the_balance_drop(desk, contract, org_ticket):
    page = desk.get(_desk(org_ticket)).content.decode()
    assert "6 h 00 min" in page  # January to March, 2 h each

    response = desk.post(
        _add(org_ticket),
        {"duration": "1h30", "day": "2026-03-14", "billable": "on", "note": "Fixed the export"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(_desk(org_ticket) + "#time")
    page = desk.get(response["Location"]).content.decode()
    assert "4 h 30 min" in page
    assert "Fixed the export" in page
    entry = TimeEntry.objects.get()
    assert (entry.minutes, entry.date, entry.contract, entry.billable) == (
        90,
        date(2026, 3, 14),
        contract,
        True,
    )
    event = TicketEvent.objects.get(ticket=org_ticket, field="time_entry")
    assert event.new_value == "1:30 2026-03-14"
    assert "Time logged" in page


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("0", "more than zero"),
        ("-15", "more than zero"),
        ("1h75", "under 60"),
        ("an hour", "is not a duration"),
        ("", "Enter a duration"),
    ],
)
def test_bad_durations_come_back_with_a_clear_error_and_the_input_kept(
    desk, contract, org_ticket, typed, error
):
    response = desk.post(
        _add(org_ticket),
        {"duration": typed, "day": "2026-03-14", "note": "Call with the director"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert error in page
    assert "Call with the director" in page
    assert f'value="{typed}"' in page or not typed
    assert not TimeEntry.objects.exists()


def test_a_future_or_unreadable_date_is_refused(desk, contract, org_ticket):
    response = desk.post(_add(org_ticket), {"duration": "30", "day": "2026-04-20"})
    assert response.status_code == 400
    assert "in the future" in response.content.decode()
    response = desk.post(_add(org_ticket), {"duration": "30", "day": "31/31/2026"})
    assert response.status_code == 400
    assert "Enter a date" in response.content.decode()
    assert not TimeEntry.objects.exists()


def test_not_billable_time_leaves_the_balance_alone(desk, contract, org_ticket):
    desk.post(_add(org_ticket), {"duration": "45", "day": "2026-03-14"})
    page = desk.get(_desk(org_ticket)).content.decode()
    assert "6 h 00 min" in page and "not billable" in page


def test_agents_delete_an_entry(desk, agent, contract, org_ticket):
    entry = services.time_entry_create(
        ticket=org_ticket, agent=agent, minutes=30, day=date(2026, 3, 1)
    )
    url = reverse("contracts:time_delete", kwargs={"number": org_ticket.number, "pk": entry.pk})
    assert desk.post(url).status_code == 302
    assert not TimeEntry.objects.exists()
    assert TicketEvent.objects.filter(field="time_entry", old_value="0:30 2026-03-01").exists()


def test_customers_never_log_time(client, manager, contract, org_ticket):
    client.force_login(manager)
    assert client.post(_add(org_ticket), {"duration": "30", "day": "2026-03-14"}).status_code == 404
    assert not TimeEntry.objects.exists()


def test_a_ticket_of_an_organisation_without_hours_left_is_flagged(
    desk, agent, contract, org_ticket
):
    assert "No hours left" not in desk.get(_desk(org_ticket)).content.decode()
    services.time_entry_create(ticket=org_ticket, agent=agent, minutes=360, day=date(2026, 3, 2))
    page = desk.get(_desk(org_ticket)).content.decode()
    assert "No hours left" in page and "0 min" in page


def test_time_without_a_contract_is_still_logged(desk, frozen):
    ticket = make_ticket(CustomerFactory(), subject="No contract here")
    response = desk.post(_add(ticket), {"duration": "1:00", "day": "2026-03-14"})
    assert response.status_code == 302
    assert TimeEntry.objects.get().contract is None
    assert "No active contract" in desk.get(_desk(ticket)).content.decode()


def test_a_date_picks_the_contract_active_that_day(agent, org, org_ticket):
    first = services.contract_create(
        organisation_id=org.pk, start=date(2025, 1, 1), end=date(2025, 12, 31), minutes=60
    )
    second = services.contract_create(organisation_id=org.pk, start=date(2026, 1, 1), minutes=60)
    old = services.time_entry_create(
        ticket=org_ticket, agent=agent, minutes=10, day=date(2025, 12, 31)
    )
    new = services.time_entry_create(
        ticket=org_ticket, agent=agent, minutes=10, day=date(2026, 1, 1)
    )
    assert (old.contract, new.contract) == (first, second)
    moved = services.time_entry_update(entry=old, actor=agent, day=date(2026, 2, 1), minutes=20)
    assert moved.contract == second
    assert TicketEvent.objects.filter(
        field="time_entry", old_value="0:10 2025-12-31", new_value="0:20 2026-02-01"
    ).exists()


def test_the_desk_list_flags_organisations_without_hours(desk, agent, contract, org_ticket):
    other = make_ticket(CustomerFactory(), subject="Elsewhere")
    queue = reverse("desk:queue") + "?queue=all"
    assert "No hours left" not in desk.get(queue).content.decode()
    services.time_entry_create(ticket=org_ticket, agent=agent, minutes=400, day=date(2026, 3, 2))
    page = desk.get(queue).content.decode()
    assert page.count("No hours left") == 1
    assert other.subject in page


def test_flagging_a_page_of_organisations_takes_three_queries(agent, frozen):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from comptoir.contracts.queries import organisations_without_hours
    from tests.factories import OrganisationFactory

    def flagged(count):
        orgs = [OrganisationFactory() for _ in range(count)]
        for organisation in orgs:
            services.contract_create(
                organisation_id=organisation.pk, start=date(2026, 1, 1), minutes=60
            )
            ticket = make_ticket(CustomerFactory(organisation=organisation), subject="Hello")
            services.time_entry_create(
                ticket=ticket, agent=agent, minutes=200, day=date(2026, 2, 1)
            )
        with CaptureQueriesContext(connection) as captured:
            result = organisations_without_hours({o.pk for o in orgs})
        assert result == {o.pk for o in orgs}
        return len(captured)

    assert flagged(2) == flagged(9) == 3
