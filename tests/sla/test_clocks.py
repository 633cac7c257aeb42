"""SLA clocks through the ticket lifecycle: due instants, pauses, breaches, notifications."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from comptoir.sla.models import ClockState, SlaPolicy, SlaTarget, TicketSla
from comptoir.sla.queries import Level, at_risk_tickets, breached_tickets, ticket_sla_state
from comptoir.sla.tasks import check_sla_thresholds
from comptoir.tickets import services
from comptoir.tickets.models import Status, Ticket
from tests.factories import AgentFactory, SupportGroupFactory, make_ticket, priority

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


@pytest.fixture
def one_hour_policy(office):
    """A policy ahead of the default one: 1 business hour to respond, 2 to resolve."""
    policy = SlaPolicy.objects.create(name="Fast", order=1, calendar=office)
    SlaTarget.objects.create(policy=policy, response_minutes=60, resolution_minutes=120)
    return policy


def reply(ticket, author, text="Answer"):
    return services.ticket_reply(ticket=ticket, author=author, body_html=f"<p>{text}</p>")


def sla_of(ticket) -> TicketSla:
    return TicketSla.objects.get(pk=ticket.pk)


def test_friday_1755_with_one_business_hour_is_due_monday_0955(customer, one_hour_policy):
    with time_machine.travel(paris(2026, 3, 27, 17, 55), tick=False):
        ticket = make_ticket(customer)
    sla = sla_of(ticket)
    assert sla.policy == one_hour_policy
    assert sla.response_due_at == paris(2026, 3, 30, 9, 55)


def test_a_french_public_holiday_is_skipped(customer, one_hour_policy):
    # Monday 13 July 2026, 17:30: 14 July is Bastille Day.
    with time_machine.travel(paris(2026, 7, 13, 17, 30), tick=False):
        ticket = make_ticket(customer)
    assert sla_of(ticket).response_due_at == paris(2026, 7, 15, 9, 30)


def test_waiting_on_the_customer_pauses_the_resolution_clock(customer, agent, one_hour_policy):
    with time_machine.travel(paris(2026, 3, 2, 9, 0), tick=False) as clock:
        ticket = make_ticket(customer)
        clock.move_to(paris(2026, 3, 2, 9, 30))
        services.ticket_assign(ticket=ticket, actor=agent, assignee=agent)  # acknowledged
        sla = sla_of(ticket)
        assert sla.responded_at == paris(2026, 3, 2, 9, 30) and not sla.response_breached
        assert sla.resolution_due_at == paris(2026, 3, 2, 11, 30)

        clock.move_to(paris(2026, 3, 2, 10, 0))
        reply(ticket, agent, "Which version do you use?")  # waiting on the customer
        sla = sla_of(ticket)
        assert sla.resolution_state == ClockState.PAUSED and sla.resolution_due_at is None

        # The customer answers the next morning: 30 minutes used, 90 left.
        clock.move_to(paris(2026, 3, 3, 9, 15))
        reply(ticket, customer, "Version 4.2")
        sla = sla_of(ticket)
        assert sla.resolution_state == ClockState.RUNNING
        assert sla.resolution_elapsed == timedelta(minutes=30)
        assert sla.paused_total == timedelta(minutes=8 * 60 + 15)  # business time only
        assert sla.resolution_due_at == paris(2026, 3, 3, 10, 45)

        clock.move_to(paris(2026, 3, 3, 10, 0))
        services.ticket_change_status(
            ticket=ticket, actor=agent, status=Status.objects.get(slug="resolved")
        )
    sla = sla_of(ticket)
    assert sla.resolution_state == ClockState.STOPPED
    assert sla.resolution_met_at == paris(2026, 3, 3, 10, 0) and not sla.resolution_breached


def test_first_public_reply_is_the_acknowledgement(customer, agent, one_hour_policy):
    with time_machine.travel(paris(2026, 3, 2, 9, 0), tick=False) as clock:
        ticket = make_ticket(customer)
        clock.move_to(paris(2026, 3, 2, 10, 30))
        reply(ticket, agent)
    sla = sla_of(ticket)
    assert sla.responded_at == paris(2026, 3, 2, 10, 30)
    assert sla.response_breached  # due at 10:00


def test_a_new_priority_recomputes_the_due_instants(customer, agent, office):
    with time_machine.travel(paris(2026, 3, 2, 9, 0), tick=False):
        ticket = make_ticket(customer, priority=priority("normal"))
        assert sla_of(ticket).response_due_at == paris(2026, 3, 2, 18, 0)  # 9 business hours
        services.ticket_update_fields(ticket=ticket, actor=agent, priority=priority("urgent"))
    assert sla_of(ticket).response_due_at == paris(2026, 3, 2, 10, 0)  # 1 business hour


def test_agents_are_told_at_80_percent_and_at_breach_once_each(customer, one_hour_policy):
    agent = AgentFactory(email="sophie@support.test", language="en")
    colleague = AgentFactory(email="marc@support.test", language="en")
    group = SupportGroupFactory()
    group.agents.add(agent, colleague)
    with time_machine.travel(paris(2026, 3, 2, 9, 0), tick=False) as clock:
        ticket = make_ticket(customer, group=group)
        mail.outbox.clear()

        clock.move_to(paris(2026, 3, 2, 9, 47))  # 78 %
        check_sla_thresholds.call()
        assert mail.outbox == []

        clock.move_to(paris(2026, 3, 2, 9, 49))  # 82 %
        check_sla_thresholds.call()
        check_sla_thresholds.call()
        sla_mails = [m for m in mail.outbox if "time" in m.subject]
        assert sorted(m.to[0] for m in sla_mails) == ["marc@support.test", "sophie@support.test"]
        assert "Response time at risk" in sla_mails[0].subject
        state = ticket_sla_state(Ticket.objects.get(pk=ticket.pk))
        assert state is not None and state.response.level == Level.AT_RISK
        assert list(at_risk_tickets(Ticket.objects.all())) == [ticket]
        mail.outbox.clear()

        clock.move_to(paris(2026, 3, 2, 10, 1))
        check_sla_thresholds.call()
        check_sla_thresholds.call()
        sla_mails = [m for m in mail.outbox if "time" in m.subject]
        assert len(sla_mails) == 2 and "Response time exceeded" in sla_mails[0].subject
        assert list(breached_tickets(Ticket.objects.all())) == [ticket]
        assert ticket_sla_state(Ticket.objects.get(pk=ticket.pk)).level == Level.BREACHED


def test_sla_state_for_lists_costs_no_query_per_ticket(
    customer, one_hour_policy, django_assert_num_queries
):
    with time_machine.travel(paris(2026, 3, 2, 9, 0), tick=False):
        for _ in range(5):
            make_ticket(customer)
        rows = Ticket.objects.select_related("sla__policy__calendar")
        rows.first().sla.policy.calendar.schedule()  # warm the per-process calendar cache
        with django_assert_num_queries(1):
            states = [ticket_sla_state(t) for t in rows.all()]
    assert all(s is not None and s.response.level == Level.OK for s in states)
    assert states[0].response.remaining == timedelta(hours=1)


def test_without_a_calendar_the_clock_runs_around_the_clock(customer, one_hour_policy):
    one_hour_policy.calendar = None
    one_hour_policy.save()
    with time_machine.travel(paris(2026, 3, 28, 23, 30), tick=False):  # a Saturday night
        ticket = make_ticket(customer)
    assert sla_of(ticket).response_due_at == paris(2026, 3, 29, 0, 30)
