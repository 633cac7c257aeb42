"""Managers and the account's agents are told once per crossing."""

from datetime import date

import pytest
from django.core import mail

from comptoir.contracts import services
from comptoir.contracts.alerts import LOW, NEGATIVE, crossing
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


def test_crossing_lines():
    assert crossing(before=100, after=50, threshold=60) == LOW
    assert crossing(before=100, after=-5, threshold=60) == NEGATIVE
    assert crossing(before=50, after=40, threshold=60) is None
    assert crossing(before=-5, after=-50, threshold=60) is None
    assert crossing(before=50, after=-1, threshold=60) == NEGATIVE
    assert crossing(before=40, after=80, threshold=60) is None


def _alerts():
    return [m for m in mail.outbox if "hours" in m.subject or "overdrawn" in m.subject]


def test_alerts_once_per_crossing(contract, org_ticket, agent, manager, member):
    account = AgentFactory(email="account@support.test")
    contract.account_agents.add(account)
    contract.low_threshold = 60
    contract.save()
    mail.outbox.clear()

    def log(minutes):
        services.time_entry_create(
            ticket=org_ticket, agent=agent, minutes=minutes, day=date(2026, 3, 10)
        )

    log(240)  # 360 -> 120: above the threshold, nothing
    assert _alerts() == []
    log(90)  # 120 -> 30: under the threshold
    low = _alerts()
    assert sorted(m.to[0] for m in low) == ["account@support.test", "manager@lucioles.test"]
    assert "few support hours left" in low[0].subject
    assert "30 min left" in low[0].body
    log(10)  # still under: no new mail
    assert len(_alerts()) == 2
    log(30)  # 20 -> -10: overdrawn
    assert len(_alerts()) == 4
    assert all("overdrawn" in m.subject for m in _alerts()[2:])
    log(30)  # deeper: nothing
    assert len(_alerts()) == 4
    assert "member@lucioles.test" not in {m.to[0] for m in mail.outbox}


def test_going_back_up_and_down_again_alerts_again(contract, org_ticket, agent, manager):
    mail.outbox.clear()
    entry = services.time_entry_create(
        ticket=org_ticket, agent=agent, minutes=400, day=date(2026, 3, 10)
    )
    assert len(_alerts()) == 1  # straight from 360 to -40: one mail, the overdraft
    services.time_entry_delete(entry=entry, actor=agent)
    assert len(_alerts()) == 1
    services.time_entry_create(ticket=org_ticket, agent=agent, minutes=400, day=date(2026, 3, 11))
    assert len(_alerts()) == 2


def test_lowering_the_allowance_can_alert(contract, manager, agent):
    mail.outbox.clear()
    services.contract_revise_allowance(
        contract=contract, month=date(2026, 1, 1), minutes=10, actor=agent
    )
    assert len(_alerts()) == 1
