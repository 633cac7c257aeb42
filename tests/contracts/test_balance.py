"""The hours bank's arithmetic, in whole minutes."""

import itertools
from datetime import date

import pytest
import time_machine

from comptoir.contracts import services
from comptoir.contracts.balance import compute_months, contract_balance
from comptoir.contracts.queries import monthly_statement

JAN, FEB, MAR, APR = (date(2026, m, 1) for m in (1, 2, 3, 4))


def _months(**kwargs):
    base = {"start": JAN, "end": None, "allowances": [(JAN, 120)], "used": {}}
    base.update(kwargs)
    return compute_months(**base)


def test_unused_hours_carry_over_month_after_month():
    lines = _months(used={JAN: 30, FEB: 60}, today=date(2026, 3, 10))
    assert [(m.carried_in, m.credited, m.used, m.carried_out) for m in lines] == [
        (0, 120, 30, 90),
        (90, 120, 60, 150),
        (150, 120, 0, 270),
    ]
    assert not lines[-1].complete and lines[0].complete


def test_a_revision_mid_way_applies_from_its_month_only():
    lines = _months(allowances=[(JAN, 120), (MAR, 60)], today=date(2026, 4, 2))
    assert [m.credited for m in lines] == [120, 120, 60, 60]
    assert lines[-1].carried_out == 360


def test_carry_over_cap_trims_what_passes_to_the_next_month():
    lines = _months(carry_over_cap=60, used={JAN: 30}, today=date(2026, 3, 1))
    # January: 120 - 30 = 90, 30 over the cap expire; February: 60 + 120, 120 over expire.
    assert [(m.expired, m.carried_out) for m in lines] == [(30, 60), (120, 60), (0, 180)]


def test_hours_expire_after_the_contract_delay_oldest_first():
    # Credits can be used for one more month, then they are lost.
    lines = _months(carry_over_months=1, used={FEB: 100}, today=date(2026, 4, 15))
    # Feb draws 100 from January's 120: 20 of January expire at the end of February.
    assert [(m.month, m.expired, m.carried_out) for m in lines] == [
        (JAN, 0, 120),
        (FEB, 20, 120),
        (MAR, 120, 120),
        (APR, 0, 240),
    ]


def test_hours_lost_at_the_end_of_their_month_with_zero_delay():
    lines = _months(carry_over_months=0, used={JAN: 20}, today=date(2026, 2, 3))
    assert [(m.expired, m.carried_out) for m in lines] == [(100, 0), (0, 120)]


def test_overdraft_is_carried_whole_and_paid_back_by_the_next_allowance():
    lines = _months(carry_over_cap=0, carry_over_months=0, used={JAN: 200}, today=date(2026, 2, 3))
    assert [(m.carried_in, m.expired, m.carried_out) for m in lines] == [(0, 0, -80), (-80, 0, 40)]


def test_every_line_adds_up():
    lines = _months(
        allowances=[(JAN, 120), (FEB, 30)],
        carry_over_cap=100,
        carry_over_months=1,
        used={JAN: 10, FEB: 200, MAR: 5},
        today=date(2026, 5, 20),
    )
    for line in lines:
        assert line.carried_in + line.credited - line.used - line.expired == line.carried_out, line
    for previous, current in itertools.pairwise(lines):
        assert current.carried_in == previous.carried_out


def test_no_credit_before_the_start_or_after_the_end():
    assert _months(start=date(2026, 6, 10), today=date(2026, 3, 1)) == []
    lines = _months(end=date(2026, 2, 20), today=date(2026, 5, 1))
    assert [m.month for m in lines] == [JAN, FEB]
    assert lines[-1].carried_out == 240


@pytest.mark.django_db
def test_balance_from_the_database_counts_billable_time_only(contract, org_ticket, agent):
    services.time_entry_create(ticket=org_ticket, agent=agent, minutes=90, day=date(2026, 3, 2))
    services.time_entry_create(
        ticket=org_ticket, agent=agent, minutes=45, day=date(2026, 3, 3), billable=False
    )
    services.time_entry_create(ticket=org_ticket, agent=agent, minutes=20, day=date(2026, 1, 31))
    # 3 months of 2 h = 360, minus 90 and 20 billable.
    assert contract_balance(contract) == 250


@pytest.mark.django_db
def test_revising_the_allowance_keeps_the_history(contract, agent):
    services.contract_revise_allowance(contract=contract, month=MAR, minutes=60, actor=agent)
    services.contract_revise_allowance(contract=contract, month=FEB, minutes=180, actor=agent)
    assert list(contract.allowances.values_list("effective_month", "minutes")) == [
        (JAN, 120),
        (FEB, 180),
        (MAR, 60),
    ]
    assert contract_balance(contract) == 120 + 180 + 60


@pytest.mark.django_db
def test_the_month_turns_at_midnight_in_the_helpdesk_time_zone(org, agent, settings):
    settings.TIME_ZONE = "Europe/Paris"
    with time_machine.travel("2026-01-01 09:00:00+00:00", tick=False):
        contract = services.contract_create(
            organisation_id=org.pk, start=date(2026, 1, 1), minutes=60
        )
    # 31 March, 22:30 UTC is already 1 April in Paris: April's hour is credited.
    with time_machine.travel("2026-03-31 22:30:00+00:00", tick=False):
        assert contract_balance(contract) == 4 * 60
    with time_machine.travel("2026-03-31 21:30:00+00:00", tick=False):
        assert contract_balance(contract) == 3 * 60
    settings.TIME_ZONE = "UTC"
    with time_machine.travel("2026-03-31 22:30:00+00:00", tick=False):
        assert contract_balance(contract) == 3 * 60


@pytest.mark.django_db
def test_statement_of_a_month(contract, org_ticket, agent, manager):
    from tests.factories import make_ticket

    other = make_ticket(manager, subject="Badge reader")
    services.time_entry_create(ticket=org_ticket, agent=agent, minutes=30, day=date(2026, 2, 1))
    services.time_entry_create(ticket=org_ticket, agent=agent, minutes=45, day=date(2026, 2, 28))
    services.time_entry_create(
        ticket=other, agent=agent, minutes=15, day=date(2026, 2, 10), billable=False
    )
    services.time_entry_create(ticket=other, agent=agent, minutes=60, day=date(2026, 3, 1))
    statement = monthly_statement(contract, FEB)
    assert (statement.carried_in, statement.credited, statement.used) == (120, 120, 75)
    assert statement.carried_out == 165 and statement.complete
    assert [(t.number, t.billable, t.not_billable) for t in statement.tickets] == [
        (org_ticket.number, 75, 0),
        (other.number, 0, 15),
    ]
    assert statement.balance == 165 + 120 - 60
