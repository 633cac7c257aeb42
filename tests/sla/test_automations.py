"""The default automations end to end, through the database queue and the worker, in
travelled time; and a sweep killed half-way then run again."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from comptoir.sla import automations
from comptoir.sla.models import (
    ActionKind,
    AutomationAction,
    AutomationRule,
    AutomationRun,
    Trigger,
)
from comptoir.sla.scheduling import period_key
from comptoir.sla.tasks import run_automations
from comptoir.tickets import services
from comptoir.tickets.models import Category, EventKind, Status, Ticket, TicketEvent
from tests.factories import AgentFactory, SupportGroupFactory, make_ticket, priority
from tests.sla.conftest import run_worker

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")

RESOLVE_RULE = "Resolve tickets waiting on the customer for 5 business days"
CLOSE_RULE = "Close tickets resolved for 3 business days"
MONTH_END_RULE = "Close resolved tickets on the last day of the month"


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def tick_scheduler() -> None:
    """What the scheduler does when the automation job fires: enqueue it for the period."""
    run_automations.enqueue(period=period_key(timezone.now()))


def mails_about(words: str) -> list:
    return [m for m in mail.outbox if words in m.body]


@pytest.fixture(autouse=True)
def _english_customer(customer):
    customer.language = "en"
    customer.save()


def status_events(ticket: Ticket, new: str) -> int:
    return TicketEvent.objects.filter(ticket=ticket, kind=EventKind.STATUS, new_value=new).count()


def waiting_ticket(customer, agent, when: datetime) -> Ticket:
    with time_machine.travel(when, tick=False):
        ticket = make_ticket(customer)
        services.ticket_reply(ticket=ticket, author=agent, body_html="<p>Can you try again?</p>")
    return ticket


def test_waiting_five_business_days_resolves_then_three_more_close(db_tasks, customer, agent):
    ticket = waiting_ticket(customer, agent, paris(2026, 3, 2, 10, 0))  # a Monday
    with time_machine.travel(paris(2026, 3, 2, 10, 0), tick=False) as clock:
        run_worker()
        mail.outbox.clear()

        clock.move_to(paris(2026, 3, 9, 9, 55))  # 4 business days and 23:55
        tick_scheduler()
        run_worker()
        assert Ticket.objects.get(pk=ticket.pk).category == Category.PENDING_CUSTOMER
        assert mail.outbox == []

        clock.move_to(paris(2026, 3, 9, 10, 0))
        tick_scheduler()
        tick_scheduler()  # a second scheduler fired for the same minute
        run_worker()
        ticket.refresh_from_db()
        assert ticket.category == Category.RESOLVED
        [notice] = mails_about("is resolved")
        assert notice.to == [customer.email]
        assert "reopen" in notice.body and str(ticket.number) in notice.body
        assert status_events(ticket, "resolved") == 1
        mail.outbox.clear()

        clock.move_to(paris(2026, 3, 12, 9, 55))
        tick_scheduler()
        run_worker()
        assert Ticket.objects.get(pk=ticket.pk).category == Category.RESOLVED

        clock.move_to(paris(2026, 3, 12, 10, 5))
        tick_scheduler()
        run_worker()
    ticket.refresh_from_db()
    assert ticket.category == Category.CLOSED
    [notice] = mails_about("is closed")
    assert notice.to == [customer.email] and ticket.reference in notice.subject
    assert status_events(ticket, "closed") == 1


def test_a_customer_reply_stops_the_resolution_countdown(db_tasks, customer, agent):
    ticket = waiting_ticket(customer, agent, paris(2026, 3, 2, 10, 0))
    with time_machine.travel(paris(2026, 3, 5, 10, 0), tick=False) as clock:
        services.ticket_reply(ticket=ticket, author=customer, body_html="<p>Still broken</p>")
        clock.move_to(paris(2026, 3, 16, 10, 0))
        tick_scheduler()
        run_worker()
    assert Ticket.objects.get(pk=ticket.pk).category == Category.OPEN
    assert mails_about("is resolved") == []


def test_easter_monday_is_not_a_business_day(db_tasks, customer, agent):
    ticket = waiting_ticket(customer, agent, paris(2026, 3, 31, 10, 0))  # Tuesday
    with time_machine.travel(paris(2026, 4, 7, 10, 30), tick=False) as clock:
        tick_scheduler()
        run_worker()
        assert Ticket.objects.get(pk=ticket.pk).category == Category.PENDING_CUSTOMER
        clock.move_to(paris(2026, 4, 8, 10, 30))
        tick_scheduler()
        run_worker()
    assert Ticket.objects.get(pk=ticket.pk).category == Category.RESOLVED


def test_month_end_rule_is_off_by_default_and_closes_resolved_tickets_when_on(
    db_tasks, customer, agent
):
    resolved = Status.objects.get(slug="resolved")
    with time_machine.travel(paris(2026, 3, 30, 11, 0), tick=False) as clock:
        ticket = make_ticket(customer)
        services.ticket_change_status(ticket=ticket, actor=agent, status=resolved)
        clock.move_to(paris(2026, 3, 31, 12, 0))
        tick_scheduler()
        run_worker()
        assert Ticket.objects.get(pk=ticket.pk).category == Category.RESOLVED

        AutomationRule.objects.filter(name=MONTH_END_RULE).update(active=True)
        clock.move_to(paris(2026, 3, 31, 12, 5))
        tick_scheduler()
        run_worker()
    assert Ticket.objects.get(pk=ticket.pk).category == Category.CLOSED
    assert len(mails_about("is closed")) == 1


def test_month_end_rule_waits_for_the_last_day(db_tasks, customer, agent):
    AutomationRule.objects.filter(name=MONTH_END_RULE).update(active=True)
    with time_machine.travel(paris(2026, 3, 16, 11, 0), tick=False):
        ticket = make_ticket(customer)
        services.ticket_change_status(
            ticket=ticket, actor=agent, status=Status.objects.get(slug="resolved")
        )
        tick_scheduler()
        run_worker()
    assert Ticket.objects.get(pk=ticket.pk).category == Category.RESOLVED


class Killed(BaseException):
    """What a worker killed mid-sweep looks like from inside: nothing after it runs."""


def test_a_sweep_killed_half_way_changes_no_ticket_twice_and_forgets_none(
    db_tasks, customer, agent, monkeypatch
):
    tickets = [waiting_ticket(customer, agent, paris(2026, 3, 2, 10, i)) for i in range(6)]
    real = automations._apply_actions_bulk
    calls = {"n": 0}

    def dies_on_the_second_chunk(rule, ids, system):
        calls["n"] += 1
        real(rule, ids, system)
        if calls["n"] == 2:
            raise Killed  # the changes are made, then the process dies before commit

    monkeypatch.setattr(automations, "SWEEP_CHUNK", 2)
    monkeypatch.setattr(automations, "_apply_actions_bulk", dies_on_the_second_chunk)
    with time_machine.travel(paris(2026, 3, 9, 11, 0), tick=False) as clock:
        run_worker()
        mail.outbox.clear()
        tick_scheduler()
        run_worker()
        states = [Ticket.objects.get(pk=t.pk).category for t in tickets]
        assert states.count(Category.RESOLVED) == 2  # the second chunk was rolled back

        # The failed sweep is retried after its backoff, by a worker started again.
        clock.move_to(paris(2026, 3, 9, 11, 1))
        run_worker()
    for ticket in tickets:
        assert Ticket.objects.get(pk=ticket.pk).category == Category.RESOLVED
        assert status_events(ticket, "resolved") == 1
    assert len(mails_about("is resolved")) == 6
    assert sorted(m.to[0] for m in mails_about("is resolved")) == [customer.email] * 6
    assert AutomationRun.objects.count() == 6


def test_sweep_reads_only_the_matching_tickets(customer, agent, django_assert_max_num_queries):
    """The candidate query is indexed on (category, since): tickets that do not match
    are never loaded, so the number of queries does not grow with them."""
    for i in range(20):
        with time_machine.travel(paris(2026, 3, 2, 10, i), tick=False):
            make_ticket(customer)  # new tickets: never matched
    waiting_ticket(customer, agent, paris(2026, 3, 2, 10, 30))
    rule = AutomationRule.objects.get(name=RESOLVE_RULE)
    now = paris(2026, 3, 9, 11, 0)
    assert automations.time_rule_tickets(rule, now).count() == 1
    sql = str(automations.time_rule_tickets(rule, now).query)
    assert "category_since" in sql


def test_event_rule_routes_urgent_tickets_and_leaves_a_note(customer):
    group = SupportGroupFactory(name="Urgences")
    rule = AutomationRule.objects.create(name="Urgent to on-call", trigger=Trigger.TICKET_CREATED)
    rule.priorities.add(priority("urgent"))
    AutomationAction.objects.create(rule=rule, order=1, kind=ActionKind.SET_GROUP, group=group)
    AutomationAction.objects.create(
        rule=rule, order=2, kind=ActionKind.ADD_NOTE, note="Routed to on-call."
    )
    urgent = make_ticket(customer, priority=priority("urgent"))
    normal = make_ticket(customer)
    urgent.refresh_from_db()
    normal.refresh_from_db()
    assert urgent.group == group and normal.group is None
    note = urgent.messages.get(internal=True)
    assert note.body_text == "Routed to on-call." and note.author.email == automations.SYSTEM_EMAIL
    assert not note.author.is_active  # the automation account cannot log in


def test_event_rule_on_customer_reply_assigns_back(customer, agent):
    other = AgentFactory()
    rule = AutomationRule.objects.create(name="Reply goes to", trigger=Trigger.CUSTOMER_REPLIED)
    AutomationAction.objects.create(rule=rule, kind=ActionKind.ASSIGN, assignee=other)
    ticket = make_ticket(customer)
    services.ticket_reply(ticket=ticket, author=agent, body_html="<p>Question</p>")
    assert Ticket.objects.get(pk=ticket.pk).assignee is None
    services.ticket_reply(ticket=ticket, author=customer, body_html="<p>Answer</p>")
    assert Ticket.objects.get(pk=ticket.pk).assignee == other
