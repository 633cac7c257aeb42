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

from comptoir.contracts.models import Contract
from comptoir.contracts.services import contract_create
from comptoir.desk.models import RoutingRule
from comptoir.search.models import SearchDocument
from comptoir.sla.models import SlaPolicy
from comptoir.tickets import services
from comptoir.tickets.models import (
    Category,
    CustomField,
    EventKind,
    Priority,
    Status,
    Ticket,
    TicketEvent,
)
from tests.factories import (
    AgentFactory,
    CustomerFactory,
    OrganisationFactory,
    SupportGroupFactory,
    make_ticket,
    ticket_type,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("production_like"),
]

QUEUED = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The budgets: a query more is a regression to look at, not a number to raise.
# Creating: number, ticket, message, events, follow-up task, SLA clocks;
# routing rules, statuses, SLA policies and the organisation's contract (its
# priority and policy) come from the configuration cache.
CREATE_SERVICE = 8
# The service, plus the session, the user and the user's organisations: types,
# priorities and custom fields of the form come from the configuration cache.
CREATE_PORTAL_POST = 11
# The ticket and its SLA clocks locked in one statement, the message, the
# events, the ticket, the follow-up task, the clocks, and the first response's
# business time for reports (looked up, then stored).
AGENT_REPLY = 10


@pytest.fixture
def frozen_day():
    from datetime import date

    import time_machine

    with time_machine.travel("2026-03-15 11:00:00+00:00", tick=False):
        yield date(2026, 3, 1)


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


def test_the_portal_form_costs_the_same_with_more_configuration(client):
    customer = CustomerFactory()
    client.force_login(customer)
    data = _new_ticket_form(customer)
    assert client.post(reverse("portal:ticket_new"), data).status_code == 302
    with CaptureQueriesContext(connection) as before:
        client.post(reverse("portal:ticket_new"), {**data, "subject": "Once"})
    for i in range(5):
        Priority.objects.create(slug=f"extra-{i}", label_en=f"Extra {i}", order=50 + i)
        CustomField.objects.create(key=f"extra_{i}", label_en=f"Extra {i}")
        rule = RoutingRule.objects.create(name=f"Rule {i}", group=SupportGroupFactory())
        rule.organisations.set([OrganisationFactory()])
    assert client.post(reverse("portal:ticket_new"), data).status_code == 302

    with CaptureQueriesContext(connection) as after:
        response = client.post(reverse("portal:ticket_new"), {**data, "subject": "Twice"})

    assert response.status_code == 302
    assert len(after) == len(before), [q["sql"][:120] for q in after]


def test_a_routing_rule_saved_in_this_process_is_used_at_once():
    customer = CustomerFactory()
    make_ticket(customer)  # the routing rules (none) are now cached
    group = SupportGroupFactory()
    rule = RoutingRule.objects.create(name="Everything", group=group)
    assert make_ticket(customer).group == group

    # A condition added to the rule (a many-to-many change) counts too.
    rule.organisations.set([OrganisationFactory()])
    assert make_ticket(customer).group is None


def _no_priority_fields(customer):
    return {
        "requester": customer,
        "organisation": customer.organisations.first(),
        "type": ticket_type("help"),
        "description_html": "<p>Printer jams.</p>",
    }


def _contract_reads(queries):
    return [q["sql"][:120] for q in queries if Contract._meta.db_table in q["sql"]]


def test_the_contracts_priority_and_policy_come_from_the_configuration(frozen_day):
    customer = CustomerFactory()
    high = Priority.objects.exclude(is_default=True).filter(active=True).first()
    policy = SlaPolicy.objects.create(name="Contract policy", order=999)
    contract_create(
        organisation_id=customer.organisations.first().pk,
        start=frozen_day,
        minutes=60,
        default_priority=high,
        sla_policy=policy,
    )
    services.ticket_create(subject="Fills the configuration cache", **_no_priority_fields(customer))

    fields = _no_priority_fields(customer)
    with CaptureQueriesContext(connection) as queries:
        ticket = services.ticket_create(subject="No priority chosen", **fields)

    assert not _contract_reads(queries)
    assert len(queries) <= CREATE_SERVICE, [q["sql"][:120] for q in queries]
    assert ticket.priority == high
    assert ticket.sla.policy == policy  # type: ignore[attr-defined]


def test_a_contract_saved_in_this_process_is_used_at_once(frozen_day):
    customer = CustomerFactory()
    services.ticket_create(subject="Before", **_no_priority_fields(customer))  # cached: none
    high = Priority.objects.exclude(is_default=True).filter(active=True).first()
    contract_create(
        organisation_id=customer.organisations.first().pk,
        start=frozen_day,
        minutes=60,
        default_priority=high,
    )

    ticket = services.ticket_create(subject="After", **_no_priority_fields(customer))

    assert ticket.priority == high


@override_settings(COMPTOIR_CONFIG_CACHE_SECONDS=0)
def test_without_the_cache_a_new_ticket_reads_its_contract_once(frozen_day):
    customer = CustomerFactory()
    high = Priority.objects.exclude(is_default=True).filter(active=True).first()
    contract_create(
        organisation_id=customer.organisations.first().pk,
        start=frozen_day,
        minutes=60,
        default_priority=high,
    )

    fields = _no_priority_fields(customer)
    with CaptureQueriesContext(connection) as queries:
        ticket = services.ticket_create(subject="No priority chosen", **fields)

    # Once for the priority; the SLA policy is chosen from the same read.
    assert len(_contract_reads(queries)) == 1, _contract_reads(queries)
    assert ticket.priority == high


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
    # The clocks moved with the reply, from the row locked with the ticket.
    assert ticket.sla.responded_at == ticket.first_response_at  # type: ignore[attr-defined]


def test_a_second_agent_reply_locks_the_ticket_and_its_clocks_at_once():
    agent = AgentFactory()
    ticket = make_ticket()
    services.ticket_reply(ticket=ticket, author=agent, body_html="<p>First</p>")
    ticket = Ticket.objects.get(pk=ticket.pk)

    with CaptureQueriesContext(connection) as queries:
        services.ticket_reply(ticket=ticket, author=agent, body_html="<p>Second</p>")

    if connection.features.has_select_for_update:  # SQLite locks the whole database
        locks = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]
        assert len(locks) == 1 and "sla_ticketsla" in locks[0], locks
    assert len(queries) <= AGENT_REPLY - 1, [q["sql"][:120] for q in queries]
    replies = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.REPLY).count()
    assert replies == 2
    ticket.sla.refresh_from_db()  # type: ignore[attr-defined]
    assert ticket.sla.last_agent_reply_at is not None  # type: ignore[attr-defined]


def test_a_reply_on_a_ticket_without_clocks_starts_them():
    agent = AgentFactory()
    ticket = make_ticket()
    ticket.sla.delete()  # type: ignore[attr-defined]
    ticket = Ticket.objects.get(pk=ticket.pk)

    services.ticket_reply(ticket=ticket, author=agent, body_html="<p>Hello</p>")

    ticket = Ticket.objects.select_related("sla").get(pk=ticket.pk)
    assert ticket.sla.responded_at == ticket.first_response_at  # type: ignore[attr-defined]
    assert ticket.category == Category.PENDING_CUSTOMER


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
