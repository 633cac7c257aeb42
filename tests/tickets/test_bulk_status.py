"""``tickets_bulk_change_status`` and what it writes: the same history, dates and
follow-up work as one ticket at a time, in a number of statements that does not
grow with the tickets, with or without the rows already locked by the caller."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from comptoir.desk.models import BulkFollowUp
from comptoir.desk.tasks import tickets_after_bulk_change
from comptoir.tickets import services
from comptoir.tickets.models import Category, EventKind, Status, Ticket, TicketEvent
from tests.factories import CustomerFactory, make_ticket, priority, ticket_type

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def status(slug: str) -> Status:
    return Status.objects.get(slug=slug)


def tickets_in(slug: str, count: int, start: int) -> list[Ticket]:
    """``count`` tickets in the status ``slug``, written straight to the table."""
    requester = CustomerFactory()
    chosen = status(slug)
    now = timezone.now()
    Ticket.objects.bulk_create(
        Ticket(
            number=start + i,
            subject=f"Printer {i}",
            requester=requester,
            type=ticket_type(),
            priority=priority(),
            status=chosen,
            category=chosen.category,
            created_at=now,
            updated_at=now,
        )
        for i in range(count)
    )
    return list(Ticket.objects.filter(number__gte=start, number__lt=start + count))


def statements(sql_prefix: str, queries: CaptureQueriesContext) -> int:
    return sum(q["sql"].lstrip().upper().startswith(sql_prefix) for q in queries)


def test_each_ticket_gets_its_event_with_its_own_old_status(agent):
    new = tickets_in("new", 2, 70_000)
    waiting = tickets_in("waiting", 2, 71_000)
    done = tickets_in("closed", 1, 72_000)
    closed = status("closed")

    changed = services.tickets_bulk_change_status(
        tickets=[*waiting, *new, *done], actor=agent, status=closed
    )

    assert changed == sorted(t.pk for t in [*new, *waiting])
    events = TicketEvent.objects.filter(kind=EventKind.STATUS).order_by("ticket_id")
    assert [(e.ticket_id, e.field, e.old_value, e.new_value, e.actor) for e in events] == [
        (t.pk, "status", old, "closed", agent)
        for t, old in sorted(
            [(t, "new") for t in new] + [(t, "waiting") for t in waiting], key=lambda p: p[0].pk
        )
    ]
    for ticket in Ticket.objects.filter(pk__in=changed):
        assert ticket.category == Category.CLOSED
        assert ticket.closed_at is not None and ticket.resolved_at == ticket.closed_at
    assert not TicketEvent.objects.filter(ticket=done[0]).exists()


def test_closing_keeps_the_resolution_date_and_reopening_clears_both(agent):
    [ticket] = tickets_in("resolved", 1, 73_000)
    resolved_at = timezone.now() - timedelta(days=3)
    Ticket.objects.filter(pk=ticket.pk).update(resolved_at=resolved_at)

    services.tickets_bulk_change_status(tickets=[ticket], actor=None, status=status("closed"))
    ticket.refresh_from_db()
    assert ticket.resolved_at == resolved_at and ticket.closed_at is not None
    assert TicketEvent.objects.get(ticket=ticket).actor is None

    services.tickets_bulk_change_status(tickets=[ticket], actor=None, status=status("acknowledged"))
    ticket.refresh_from_db()
    assert (ticket.category, ticket.resolved_at, ticket.closed_at) == (Category.OPEN, None, None)


def bulk_close(tickets: list[Ticket], actor, *, locked: bool = False) -> CaptureQueriesContext:
    closed = status("closed")
    with override_settings(TASKS=DATABASE_TASKS), transaction.atomic():
        if locked:
            ids = [t.pk for t in tickets]
            list(Ticket.objects.select_for_update().filter(pk__in=ids).values_list("pk"))
        with CaptureQueriesContext(connection) as queries:
            services.tickets_bulk_change_status(
                tickets=tickets, actor=actor, status=closed, locked=locked
            )
    return queries


def test_the_statements_do_not_grow_with_the_tickets(agent):
    few = bulk_close(tickets_in("acknowledged", 3, 74_000), agent)
    many = bulk_close(tickets_in("acknowledged", 300, 75_000), agent)

    assert len(many) == len(few)
    # The events in one INSERT, the tickets in one UPDATE, the follow-up tasks
    # (three of a hundred tickets) in one INSERT.
    assert statements("INSERT INTO", many) == 2
    assert statements("UPDATE", many) == 1
    assert TicketEvent.objects.filter(new_value="closed").count() == 303
    jobs = DBTaskResult.objects.filter(task_path__endswith="tickets_after_bulk_change")
    assert sorted(len(job.args_kwargs["kwargs"]["ticket_ids"]) for job in jobs) == [
        3,
        100,
        100,
        100,
    ]


def test_rows_the_caller_has_locked_are_not_locked_again(agent):
    tickets = tickets_in("acknowledged", 5, 76_000)

    queries = bulk_close(tickets, agent, locked=True)

    # No locking read: the events' INSERT ... SELECT reads the old statuses.
    assert statements("SELECT", queries) == 0
    assert statements("SELECT", bulk_close(tickets_in("new", 5, 77_000), agent)) == 1
    assert Ticket.objects.filter(category=Category.CLOSED).count() == 10
    assert TicketEvent.objects.filter(new_value="closed", old_value="acknowledged").count() == 5


def test_tasks_enqueued_in_bulk_are_the_rows_enqueue_writes_and_the_worker_runs_them(agent):
    ticket = make_ticket(language="en")
    with override_settings(TASKS=DATABASE_TASKS):
        one = tickets_after_bulk_change.enqueue(
            ticket_ids=[ticket.pk], event="status", actor_id=agent.pk, key="k1"
        )
        with CaptureQueriesContext(connection) as queries:
            services.enqueue_many(
                tickets_after_bulk_change,
                [
                    {
                        "ticket_ids": [ticket.pk],
                        "event": "status",
                        "actor_id": agent.pk,
                        "key": "k2",
                    },
                    {"ticket_ids": [], "event": "status", "actor_id": None, "key": "k3"},
                ],
            )
        assert len(queries) == 1
        columns = (
            "status",
            "priority",
            "task_path",
            "queue_name",
            "backend_name",
            "run_after",
            "worker_ids",
            "return_value",
        )
        rows = list(DBTaskResult.objects.order_by("args_kwargs__kwargs__key").values(*columns))
        assert len(rows) == 3 and rows[1] == rows[0] == rows[2]
        single = DBTaskResult.objects.get(pk=one.id)
        bulk = DBTaskResult.objects.get(args_kwargs__kwargs__key="k2")
        assert bulk.args_kwargs == {
            **single.args_kwargs,
            "kwargs": {**single.args_kwargs["kwargs"], "key": "k2"},
        }
        assert DBTaskResult.objects.ready().count() == 3
        assert bulk.task.call(**bulk.args_kwargs["kwargs"]) == 1


def test_without_the_database_backend_tasks_are_enqueued_one_by_one(agent):
    ticket = make_ticket()
    # The test settings run tasks at once: each call runs its follow-up.
    services.enqueue_many(
        tickets_after_bulk_change,
        [{"ticket_ids": [ticket.pk], "event": "status", "actor_id": agent.pk, "key": "k"}] * 2,
    )
    assert BulkFollowUp.objects.filter(key="k", ticket_id=ticket.pk).count() == 1
