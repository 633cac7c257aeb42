"""The time sweep and the SLA threshold check handle their tickets set-based: the
same outcome as one ticket at a time (statuses, events, mails, one run per
occurrence), a number of queries that does not grow with the due tickets, and a
failing chunk that does not hold back the others."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from comptoir.sla import automations
from comptoir.sla.models import (
    ActionKind,
    AutomationAction,
    AutomationRule,
    AutomationRun,
    SlaPolicy,
    SlaTarget,
    TicketSla,
)
from comptoir.sla.tasks import check_sla_thresholds
from comptoir.tickets import services
from comptoir.tickets.models import Category, EventKind, Status, Ticket, TicketEvent
from tests.factories import AgentFactory, SupportGroupFactory, make_ticket, priority
from tests.sla.conftest import run_worker

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
CLOSE_RULE = "Close tickets resolved for 3 business days"
RESOLVE_RULE = "Resolve tickets waiting on the customer for 5 business days"
NOW = datetime(2026, 3, 16, 11, 0, tzinfo=PARIS)  # a Monday


def resolved_long_ago(customer, count: int) -> list[Ticket]:
    """``count`` tickets resolved 30 days before NOW: the close rule finds them due."""
    resolved = Status.objects.get(slug="resolved")
    with time_machine.travel(NOW - timedelta(days=30), tick=False):
        tickets = [make_ticket(customer) for _ in range(count)]
        ids = [t.pk for t in tickets]
        Ticket.objects.filter(pk__in=ids).update(
            status=resolved, category=Category.RESOLVED, resolved_at=NOW - timedelta(days=30)
        )
        TicketSla.objects.filter(pk__in=ids).update(
            category=Category.RESOLVED, category_since=NOW - timedelta(days=30)
        )
    return tickets


def sweep_queries(now: datetime = NOW) -> tuple[int, automations.SweepReport]:
    with CaptureQueriesContext(connection) as queries:
        report = automations.run_time_rules(now=now)
    return len(queries), report


def test_the_sweep_costs_the_same_queries_for_10_or_50_due_tickets(db_tasks, customer):
    resolved_long_ago(customer, 10)
    automations.automation_user()  # created once, by whichever sweep runs first
    few, report = sweep_queries()
    assert report.changed[CLOSE_RULE] == 10
    resolved_long_ago(customer, 50)
    many, report = sweep_queries(NOW + timedelta(minutes=5))
    assert report.changed[CLOSE_RULE] == 50
    assert many == few
    assert Ticket.objects.filter(category=Category.CLOSED).count() == 60


def test_a_chunk_costs_a_bounded_number_of_queries(db_tasks, customer, monkeypatch):
    monkeypatch.setattr(automations, "SWEEP_CHUNK", 10)
    resolved_long_ago(customer, 10)
    automations.automation_user()
    one_chunk, _report = sweep_queries()
    resolved_long_ago(customer, 30)
    three_chunks, _report = sweep_queries(NOW + timedelta(minutes=5))
    per_chunk = (three_chunks - one_chunk) / 2
    # Lock and re-check, claim, the events, the UPDATE, the follow-up tasks; the
    # rows are not locked a second time. The other four are the savepoints of the
    # chunk's transaction and of the bulk service inside it.
    assert per_chunk <= 9, per_chunk


def test_the_sweep_acts_like_the_one_by_one_path(db_tasks, customer):
    tickets = resolved_long_ago(customer, 3)
    run_worker()
    mail.outbox.clear()
    with time_machine.travel(NOW, tick=False):
        report = automations.run_time_rules(now=NOW)
        # Consequences are queued with the change, a task per batch, not per ticket.
        assert DBTaskResult.objects.ready().count() == 1
        run_worker()
    assert report.changed[CLOSE_RULE] == 3 and report.failed == []
    system = automations.automation_user()
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.category == Category.CLOSED and ticket.closed_at is not None
        [event] = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.STATUS)
        assert (event.old_value, event.new_value, event.actor) == ("resolved", "closed", system)
        sla = TicketSla.objects.get(pk=ticket.pk)
        assert sla.category == Category.CLOSED  # the SLA clocks followed
    closed = [m for m in mail.outbox if "is closed" in m.body]
    assert sorted(m.to[0] for m in closed) == [customer.email] * 3


def test_a_second_sweep_for_the_same_occurrence_does_nothing(db_tasks, customer):
    tickets = resolved_long_ago(customer, 4)
    assert automations.run_time_rules(now=NOW).changed[CLOSE_RULE] == 4
    # The tickets are reopened by hand but their claim for this occurrence stays:
    # a run that still sees them as due (same instant) leaves them alone.
    ids = [t.pk for t in tickets]
    rule = AutomationRule.objects.get(name=CLOSE_RULE)
    rows = [(pk, (NOW - timedelta(days=30)).astimezone(UTC)) for pk in ids]
    assert automations._claim_many(rule, rows) == []
    assert AutomationRun.objects.filter(rule=rule).count() == 4
    assert automations.run_time_rules(now=NOW).changed[CLOSE_RULE] == 0
    assert TicketEvent.objects.filter(ticket_id__in=ids, new_value="closed").count() == 4


def test_a_failing_chunk_is_retried_ticket_by_ticket(db_tasks, customer, monkeypatch):
    tickets = resolved_long_ago(customer, 3)

    def broken(**kwargs):
        raise RuntimeError("bulk path down")

    monkeypatch.setattr(services, "tickets_bulk_change_status", broken)
    report = automations.run_time_rules(now=NOW)
    assert report.changed[CLOSE_RULE] == 3 and report.failed == []
    assert all(Ticket.objects.get(pk=t.pk).category == Category.CLOSED for t in tickets)
    assert AutomationRun.objects.count() == 3


def test_bulk_rule_with_notice_and_field_actions(db_tasks, customer, agent):
    group = SupportGroupFactory(name="Relances")
    rule = AutomationRule.objects.get(name=RESOLVE_RULE)
    AutomationAction.objects.create(rule=rule, order=5, kind=ActionKind.SET_GROUP, group=group)
    AutomationAction.objects.create(
        rule=rule, order=6, kind=ActionKind.NOTIFY, recipients="requester", message_en="Bye"
    )
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=PARIS), tick=False):
        tickets = [make_ticket(customer) for _ in range(2)]
        for ticket in tickets:
            services.ticket_reply(ticket=ticket, author=agent, body_html="<p>Any news?</p>")
    run_worker()
    mail.outbox.clear()
    with time_machine.travel(datetime(2026, 3, 9, 11, 0, tzinfo=PARIS), tick=False):
        report = automations.run_time_rules()
        run_worker()
    assert report.changed[RESOLVE_RULE] == 2
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.category == Category.RESOLVED and ticket.group == group
    notices = [m for m in mail.outbox if "Bye" in m.body]
    assert sorted(m.to[0] for m in notices) == [customer.email] * 2


def test_a_rule_with_a_note_still_runs_ticket_by_ticket(customer):
    rule = AutomationRule.objects.get(name=CLOSE_RULE)
    AutomationAction.objects.create(rule=rule, order=9, kind=ActionKind.ADD_NOTE, note="Closed.")
    assert not automations.is_bulk_rule(rule)
    tickets = resolved_long_ago(customer, 2)
    assert automations.run_time_rules(now=NOW).changed[CLOSE_RULE] == 2
    for ticket in tickets:
        assert Ticket.objects.get(pk=ticket.pk).category == Category.CLOSED
        assert ticket.messages.filter(internal=True, body_text="Closed.").count() == 1


# -- SLA thresholds ------------------------------------------------------------------


@pytest.fixture
def one_hour_policy(office):
    policy = SlaPolicy.objects.create(name="Fast", order=1, calendar=office)
    SlaTarget.objects.create(policy=policy, response_minutes=60, resolution_minutes=120)
    return policy


def check_queries() -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        outcome = check_sla_thresholds.call()
    return len(queries), outcome


def test_the_threshold_check_costs_the_same_queries_for_3_or_12_breaches(
    db_tasks, customer, one_hour_policy
):
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=PARIS), tick=False) as clock:
        for _ in range(3):
            make_ticket(customer)
        clock.move_to(datetime(2026, 3, 2, 10, 1, tzinfo=PARIS))
        few, outcome = check_queries()
        assert outcome == {"notified": 3}
        for _ in range(12):
            make_ticket(customer)
        clock.move_to(datetime(2026, 3, 2, 11, 2, tzinfo=PARIS))
        many, outcome = check_queries()
        assert outcome == {"notified": 12}
        assert many == few
        _again, outcome = check_queries()
        assert outcome == {"notified": 0}
    assert TicketSla.objects.filter(response_breached=True, response_warned=True).count() == 15


def test_threshold_notifications_are_batched_and_reach_the_agents(
    db_tasks, customer, one_hour_policy
):
    agent = AgentFactory(email="sophie@support.test", language="en")
    group = SupportGroupFactory()
    group.agents.add(agent)
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=PARIS), tick=False) as clock:
        tickets = [make_ticket(customer, group=group, priority=priority("high")) for _ in range(4)]
        run_worker()
        mail.outbox.clear()
        clock.move_to(datetime(2026, 3, 2, 9, 49, tzinfo=PARIS))  # 82 % of an hour
        assert check_sla_thresholds.call() == {"notified": 4}
        assert DBTaskResult.objects.ready().count() == 1
        run_worker()
    at_risk = [m for m in mail.outbox if "at risk" in m.subject]
    assert len(at_risk) == 4 and {m.to[0] for m in at_risk} == {"sophie@support.test"}
    for ticket in tickets:
        assert sum(f"[{ticket.reference}]" in m.subject for m in at_risk) == 1


def test_the_automation_account_is_found_by_its_address_in_any_case(db):
    from comptoir.accounts.models import Role, User

    made = User.objects.create_user(
        "Automation@Comptoir.invalid", None, role=Role.AGENT, is_active=False
    )
    assert automations.automation_user() == made
    assert automations.automation_user() == made
    assert User.objects.filter(email__iexact=automations.SYSTEM_EMAIL).count() == 1
