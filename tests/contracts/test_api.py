"""The read-only REST endpoints of the hours bank."""

from datetime import date

import pytest

from comptoir.contracts import services
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


def test_a_manager_reads_the_balance_and_the_months(contract, org_ticket, agent, manager, org):
    services.time_entry_create(ticket=org_ticket, agent=agent, minutes=90, day=date(2026, 2, 3))
    response = client_for(manager).get(f"/api/v1/hours/{org.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["balance"] == 270
    assert body["contract"]["start"] == "2026-01-01"
    assert [m["month"] for m in body["months"]] == ["2026-01-01", "2026-02-01", "2026-03-01"]
    assert body["months"][1]["used"] == 90


def test_others_get_not_found(contract, member, org):
    assert client_for(member).get(f"/api/v1/hours/{org.pk}/").status_code == 404
    assert client_for(member).get("/api/v1/hours/999999/").status_code == 404


def test_agents_list_a_tickets_time_entries(contract, org_ticket, agent, manager):
    services.time_entry_create(
        ticket=org_ticket, agent=agent, minutes=30, day=date(2026, 3, 2), note="Call"
    )
    url = f"/api/v1/tickets/{org_ticket.number}/time-entries/"
    response = client_for(agent).get(url)
    assert response.status_code == 200
    [entry] = response.json()["results"]
    assert (entry["minutes"], entry["note"], entry["agent"]) == (30, "Call", agent.email)
    assert client_for(manager).get(url).status_code == 403
