"""What a change costs in queries, so creating and answering stay fast at a
million tickets: the configuration is read once per process for a few
seconds, the mails and the search index are one task for the worker, events
go in one INSERT. Counted as in production: tasks go to the database queue
(one row per change) and the configuration cache is on.

The counts include the two SAVEPOINT statements of the service's transaction,
which the test's own transaction turns it into."""

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from comptoir.search.models import SearchDocument
from comptoir.tickets import services
from comptoir.tickets.models import Category, Priority, Status, Ticket, TicketEvent
from tests.factories import AgentFactory, CustomerFactory, make_ticket, ticket_type

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("production_like"),
]

QUEUED = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The budgets: a query more is a regression to look at, not a number to raise.
CREATE_SERVICE = 10
CREATE_PORTAL_POST = 20
AGENT_REPLY = 11


@pytest.fixture
def production_like():
    services.config_cache_clear()
    with override_settings(TASKS=QUEUED, COMPTOIR_CONFIG_CACHE_SECONDS=60):
        yield
    services.config_cache_clear()


def _new_ticket_form(customer):
    return {
        "type": str(ticket_type("help").pk),
        "priority": str(Priority.objects.filter(active=True).order_by("-is_default", "pk")[0].pk),
        "subject": "Export fails",
        "description": "The export button does nothing.",
        "body_format": "text",
        "organisation": str(customer.organisations.first().pk),
    }


def test_creating_a_ticket_stays_within_its_query_budget():
    customer = CustomerFactory()
    make_ticket(customer)  # fills the configuration cache
    fields = {
        "requester": customer,
        "organisation": customer.organisations.first(),
        "type": ticket_type("help"),
        "priority": Priority.objects.get(slug="normal"),
        "description_html": "<p>The export button does nothing.</p>",
    }

    with CaptureQueriesContext(connection) as queries:
        ticket = services.ticket_create(subject="Second", **fields)

    assert len(queries) <= CREATE_SERVICE, [q["sql"][:120] for q in queries]
    # Nothing was skipped: message, audit event, SLA clocks, one follow-up task.
    assert ticket.messages.count() == 1
    assert TicketEvent.objects.filter(ticket=ticket).count() == 1
    assert ticket.sla.category == Category.NEW  # type: ignore[attr-defined]
    follow_up = DBTaskResult.objects.filter(task_path__endswith="ticket_follow_up")
    assert follow_up.count() == 2


def test_the_portal_form_creates_a_ticket_within_its_query_budget(client):
    customer = CustomerFactory()
    client.force_login(customer)
    data = _new_ticket_form(customer)
    assert client.post(reverse("portal:ticket_new"), data).status_code == 302

    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("portal:ticket_new"), {**data, "subject": "Again"})

    assert response.status_code == 302
    assert len(queries) <= CREATE_PORTAL_POST, [q["sql"][:120] for q in queries]
    assert Ticket.objects.filter(subject="Again").exists()


def test_an_agent_reply_stays_within_its_query_budget():
    agent = AgentFactory()
    warm = make_ticket()
    services.ticket_reply(ticket=warm, author=agent, body_html="<p>Warm</p>")
    ticket = Ticket.objects.get(pk=make_ticket().pk)

    with CaptureQueriesContext(connection) as queries:
        services.ticket_reply(ticket=ticket, author=agent, body_html="<p>Screenshot?</p>")

    assert len(queries) <= AGENT_REPLY, [q["sql"][:120] for q in queries]
    ticket.refresh_from_db()
    assert ticket.category == Category.PENDING_CUSTOMER and ticket.first_response_at
    kinds = set(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert {"reply", "status"} <= kinds


def test_a_status_saved_in_this_process_is_used_at_once():
    make_ticket()  # the active statuses are now cached
    Status.objects.filter(category=Category.NEW).update(is_default=False)
    replacement = Status.objects.filter(category=Category.NEW).first()
    assert replacement is not None
    replacement.is_default = True
    replacement.label_en = "Just arrived"
    replacement.save()  # a save (the admin's way) empties the cache

    assert make_ticket().status.label_en == "Just arrived"


def test_the_follow_up_task_sends_the_mails_and_indexes_the_ticket(mailoutbox):
    ticket = make_ticket(CustomerFactory(email="claire@example.test"), subject="Facture absente")
    assert not mailoutbox and not SearchDocument.objects.filter(object_id=ticket.pk).exists()
    task = DBTaskResult.objects.get(task_path__endswith="ticket_follow_up")

    task.task.call(*task.task_result.args, **task.task_result.kwargs)

    assert SearchDocument.objects.get(object_id=ticket.pk).title == "Facture absente"
    # The acknowledgement is queued as its own task (sent with retries).
    assert DBTaskResult.objects.filter(task_path__endswith="outbound_send").count() == 1
