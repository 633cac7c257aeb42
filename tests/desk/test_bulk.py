"""Bulk actions: a few statements whatever the number of tickets, every change
in the history, and each ticket's consequences (mails, SLA) done by a task."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from comptoir.mail.models import OutboundMail
from comptoir.sla.models import TicketSla
from comptoir.tickets.models import Category, Message, Status, Ticket, TicketEvent
from tests.factories import (
    AgentFactory,
    CustomerFactory,
    SupportGroupFactory,
    make_ticket,
    priority,
    ticket_type,
)
from tests.portal.helpers import move

from .helpers import QUEUE

pytestmark = pytest.mark.django_db

BULK = reverse("desk:bulk")
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
BLANK = {"assignee": "", "status": "", "priority": "", "type": "", "group": ""}


def many_tickets(count: int) -> list[Ticket]:
    """``count`` new tickets written straight to the table (fast to set up)."""
    requester = CustomerFactory()
    new = Status.objects.get(slug="new")
    now = timezone.now()
    Ticket.objects.bulk_create(
        Ticket(
            number=50_000 + i,
            subject=f"Printer {i}",
            requester=requester,
            type=ticket_type(),
            priority=priority(),
            status=new,
            category=new.category,
            created_at=now,
            updated_at=now,
        )
        for i in range(count)
    )
    return list(Ticket.objects.filter(number__gte=50_000).order_by("number"))


def post(client, action, tickets=(), **fields):
    data = {**BLANK, **fields, "action": action, "ticket": [str(t.pk) for t in tickets]}
    return client.post(BULK, data)


def test_closing_500_tickets_takes_one_request_and_a_few_statements(desk, agent):
    tickets = many_tickets(500)

    with override_settings(TASKS=DATABASE_TASKS), CaptureQueriesContext(connection) as queries:
        response = post(desk, "close", tickets)

    assert response.status_code == 302
    assert Ticket.objects.filter(category=Category.CLOSED, closed_at__isnull=False).count() == 500
    events = TicketEvent.objects.filter(field="status", new_value="closed", actor=agent)
    assert events.count() == 500
    assert len(queries) < 40, [q["sql"][:80] for q in queries.captured_queries]
    updates = [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) <= 2  # one statement per 500 tickets, plus the session
    # The consequences wait in five batch tasks of a hundred tickets.
    assert DBTaskResult.objects.filter(task_path__endswith="tickets_after_bulk_change").count() == 5


def test_bulk_consequences_mail_each_requester_and_move_the_sla_clocks(desk, agent, mailoutbox):
    customers = [CustomerFactory(), CustomerFactory()]
    tickets = [make_ticket(c, language="en") for c in customers]
    mailoutbox.clear()

    post(desk, "apply", tickets, status="resolved")

    told = OutboundMail.objects.filter(kind="resolved").values_list("to_address", flat=True)
    assert sorted(told) == sorted(c.email for c in customers)
    assert {m.to[0] for m in mailoutbox} == {c.email for c in customers}
    for ticket in tickets:
        sla = TicketSla.objects.get(pk=ticket.pk)
        assert (sla.category, sla.resolution_state) == (Category.RESOLVED, "stopped")


def test_assigning_in_bulk_moves_new_tickets_to_assigned_and_logs_each_change(desk, agent):
    other = AgentFactory(first_name="Inès")
    new, waiting = make_ticket(), make_ticket()
    move(waiting, "waiting", agent)
    already = make_ticket()
    post(desk, "apply", [already], assignee=str(other.pk))

    response = post(desk, "apply", [new, waiting, already], assignee=str(other.pk))

    assert response.status_code == 302
    new, waiting = Ticket.objects.get(pk=new.pk), Ticket.objects.get(pk=waiting.pk)
    assert (new.assignee, new.status.slug) == (other, "assigned")
    assert (waiting.assignee, waiting.status.slug) == (other, "waiting")
    assert TicketEvent.objects.filter(field="assignee", new_value=other.email).count() == 3
    follow = desk.get(response["Location"])
    assert "2 tickets changed." in follow.content.decode()


def test_assign_to_me_and_to_nobody(desk, agent):
    ticket = make_ticket()
    post(desk, "apply", [ticket], assignee="me")
    assert Ticket.objects.get(pk=ticket.pk).assignee == agent
    post(desk, "apply", [ticket], assignee="none")
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def test_priority_type_and_group_change_in_bulk_with_events(desk, agent):
    group = SupportGroupFactory(name="Technique")
    tickets = [make_ticket(), make_ticket(type=ticket_type("bug"))]

    post(desk, "apply", tickets, priority="urgent", type="bug", group=str(group.pk))

    for ticket in Ticket.objects.filter(pk__in=[t.pk for t in tickets]):
        assert (ticket.priority.slug, ticket.type.slug, ticket.group) == ("urgent", "bug", group)
    changes = TicketEvent.objects.filter(kind="field").values_list("field", "new_value")
    assert sorted(changes) == [
        ("group", "Technique"),
        ("group", "Technique"),
        ("priority", "urgent"),
        ("priority", "urgent"),
        ("type", "bug"),
    ]
    # The SLA follows the new priority.
    assert {s.matched_on.split(":")[0] for s in TicketSla.objects.all()} == {
        str(priority("urgent").pk)
    }


def test_all_matching_applies_to_the_whole_filtered_list_not_only_this_page(desk):
    bugs = [make_ticket(type=ticket_type("bug")) for _ in range(3)]
    help_ticket = make_ticket()

    post(desk, "close", [], scope="all", query="queue=all&type=bug&per_page=25&page=1")

    assert set(Ticket.objects.filter(category=Category.CLOSED)) == set(bugs)
    assert Ticket.objects.get(pk=help_ticket.pk).category == Category.NEW


def test_bulk_merge_puts_duplicates_into_the_oldest(desk, customer):
    first = make_ticket(customer, subject="Export fails")
    second = make_ticket(customer, subject="Export still fails")

    response = post(desk, "merge", [second, first])

    assert response["Location"] == f"/desk/tickets/{first.number}/"
    assert Message.objects.filter(ticket=first).count() == 2
    assert Ticket.objects.get(pk=second.pk).category == Category.CLOSED


def test_tickets_the_agent_cannot_see_are_left_alone(desk, client):
    ticket = make_ticket()
    customer = ticket.requester
    client.force_login(customer)

    assert client.post(BULK, {**BLANK, "action": "close", "ticket": [ticket.pk]}).status_code == 404
    assert Ticket.objects.get(pk=ticket.pk).category == Category.NEW


def test_the_queue_page_offers_the_bulk_actions(desk):
    make_ticket()

    html = desk.get(QUEUE, {"queue": "all"}).content.decode()

    assert 'form="bulk"' in html and 'name="action" value="merge"' in html


def test_a_follow_up_task_run_twice_mails_nobody_twice(agent, mailoutbox):
    from comptoir.desk.tasks import tickets_after_bulk_change
    from comptoir.tickets import services

    ticket = make_ticket(language="en")
    closed = Status.objects.get(slug="closed")
    with override_settings(TASKS=DATABASE_TASKS):
        services.tickets_bulk_change_status(
            tickets=Ticket.objects.filter(pk=ticket.pk), actor=agent, status=closed
        )
    job = DBTaskResult.objects.get(task_path__endswith="tickets_after_bulk_change")
    mailoutbox.clear()

    first = tickets_after_bulk_change.call(**job.args_kwargs["kwargs"])
    again = tickets_after_bulk_change.call(**job.args_kwargs["kwargs"])

    assert (first, again) == (1, 0)
    assert [m.to for m in mailoutbox if "closed" in m.body.lower()] == [[ticket.requester.email]]
