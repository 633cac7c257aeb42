"""Tickets through the API: the portal's and the desk's rules, as a program sees them."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comptoir.tickets.models import Category, Channel, EventKind, Status, Ticket
from tests.factories import (
    CustomerFactory,
    OrganisationFactory,
    SupportGroupFactory,
    make_ticket,
)

pytestmark = pytest.mark.django_db


def numbers(response) -> list[int]:
    return [t["number"] for t in response.json()["results"]]


def test_customer_lists_only_their_tickets(customer, other_customer, customer_api):
    # Given a ticket of Claire's and one of Bob's
    mine = make_ticket(customer, subject="Invoice export")
    make_ticket(other_customer, subject="Bob's problem")
    # When Claire lists tickets
    response = customer_api.get("/api/v1/tickets/")
    # Then she sees hers only
    assert response.status_code == 200
    assert numbers(response) == [mine.number]


def test_agent_lists_every_ticket_newest_update_first(customer, other_customer, agent_api):
    first = make_ticket(customer)
    second = make_ticket(other_customer)
    assert numbers(agent_api.get("/api/v1/tickets/")) == [second.number, first.number]


def test_filters_by_category_priority_type_and_assignee(customer, agent, agent_api):
    from comptoir.tickets import services

    urgent = make_ticket(customer, priority=services.Priority.objects.get(slug="urgent"))
    plain = make_ticket(customer)
    services.ticket_assign(ticket=plain, actor=agent, assignee=agent)

    assert numbers(agent_api.get("/api/v1/tickets/?priority=urgent")) == [urgent.number]
    assert numbers(agent_api.get("/api/v1/tickets/?assignee=me")) == [plain.number]
    assert numbers(agent_api.get("/api/v1/tickets/?assignee=none")) == [urgent.number]
    assert numbers(agent_api.get("/api/v1/tickets/?category=new")) == [urgent.number]
    both = agent_api.get("/api/v1/tickets/?category=new&category=open&type=help")
    assert sorted(numbers(both)) == sorted([urgent.number, plain.number])


def test_filters_by_organisation_group_and_dates(customer, agent, agent_api):
    from comptoir.tickets import services

    elsewhere = CustomerFactory(organisation=OrganisationFactory(name="Crèche Les Lutins"))
    theirs = make_ticket(elsewhere)
    ours = make_ticket(customer)
    group = SupportGroupFactory(name="Level 2")
    services.ticket_update_fields(ticket=ours, actor=agent, group=group)
    organisation = elsewhere.organisations.get()

    assert numbers(agent_api.get(f"/api/v1/tickets/?organisation={organisation.pk}")) == [
        theirs.number
    ]
    assert numbers(agent_api.get(f"/api/v1/tickets/?group={group.pk}")) == [ours.number]
    assert numbers(agent_api.get("/api/v1/tickets/?group=none")) == [theirs.number]
    Ticket.objects.filter(pk=theirs.pk).update(
        created_at=datetime.datetime(2024, 1, 5, tzinfo=datetime.UTC)
    )
    old = agent_api.get("/api/v1/tickets/?created_before=2025-01-01T00:00:00Z")
    assert numbers(old) == [theirs.number]
    recent = agent_api.get("/api/v1/tickets/", {"created_after": "2025-01-01T00:00:00Z"})
    assert numbers(recent) == [ours.number]


def test_q_searches_through_the_search_service_and_numbers(customer, agent_api):
    invoice = make_ticket(customer, subject="Factures bloquées", body="<p>Impossible</p>")
    other = make_ticket(customer, subject="Mot de passe oublié")
    assert numbers(agent_api.get("/api/v1/tickets/?q=factures")) == [invoice.number]
    assert numbers(agent_api.get(f"/api/v1/tickets/?q=%23{other.number}")) == [other.number]


def test_q_never_finds_a_ticket_by_an_internal_note(customer, agent):
    from comptoir.tickets import services
    from tests.api.conftest import client_for

    ticket = make_ticket(customer, subject="Printer")
    services.ticket_reply(ticket=ticket, author=agent, body_html="<p>zebracode</p>", internal=True)
    response = client_for(customer).get("/api/v1/tickets/?q=zebracode")
    assert response.json()["results"] == []


def test_invalid_filters_are_refused_with_field_errors(agent_api):
    response = agent_api.get("/api/v1/tickets/?category=sleeping&assignee=somebody")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"category.0", "assignee"}


def test_cursor_pagination_walks_every_ticket_once(customer, agent_api):
    made = {make_ticket(customer, subject=f"Ticket {i}").number for i in range(7)}
    seen: list[int] = []
    url = "/api/v1/tickets/?page_size=3"
    while url:
        page = agent_api.get(url).json()
        seen += [t["number"] for t in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(made)


@pytest.mark.parametrize("rows", [3, 30])
def test_list_runs_a_constant_number_of_queries(customer, agent, rows):
    from comptoir.tickets import services
    from tests.api.conftest import client_for

    for i in range(rows):
        ticket = make_ticket(customer, subject=f"Ticket {i}")
        services.ticket_assign(ticket=ticket, actor=agent, assignee=agent)
    for client in (client_for(agent), client_for(customer)):
        client.get("/api/v1/tickets/")  # token's last use written once
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/tickets/?page_size=100")
        assert len(response.json()["results"]) == rows
        # token lookup, (custom fields for customers), tickets, products, themes
        assert len(queries) <= 5


def test_customer_opens_a_ticket_with_their_organisation(customer, customer_api):
    response = customer_api.post(
        "/api/v1/tickets/",
        {
            "subject": "  Export   fails ",
            "description": "Nothing happens.",
            "body_format": "text",
            "type": "help",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    ticket = Ticket.objects.get(number=body["number"])
    assert response["Location"] == f"/api/v1/tickets/{ticket.number}/"
    assert body["subject"] == "Export fails"
    assert body["organisation"]["id"] == customer.organisations.get().pk
    assert body["status"]["category"] == Category.NEW
    assert ticket.channel == Channel.API
    assert ticket.messages.get().body_html == "<p>Nothing happens.</p>"


def test_a_retried_create_with_the_same_key_makes_one_ticket(customer, customer_api):
    payload = {"subject": "Login", "description": "<p>Cannot log in</p>", "type": "help"}
    first = customer_api.post(
        "/api/v1/tickets/", payload, format="json", HTTP_IDEMPOTENCY_KEY="order-42"
    )
    again = customer_api.post(
        "/api/v1/tickets/", payload, format="json", HTTP_IDEMPOTENCY_KEY="order-42"
    )
    assert first.status_code == again.status_code == 201
    assert again.json()["number"] == first.json()["number"]
    assert again["Idempotent-Replayed"] == "true"
    assert Ticket.objects.filter(requester=customer).count() == 1
    # The same key for another request is a mistake the client must hear about.
    other = customer_api.post(
        "/api/v1/tickets/",
        {**payload, "subject": "Other"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="order-42",
    )
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"


def test_a_customer_cannot_use_an_organisation_they_do_not_belong_to(customer, customer_api):
    foreign = OrganisationFactory(name="Someone else")
    response = customer_api.post(
        "/api/v1/tickets/",
        {"subject": "x", "description": "y", "type": "help", "organisation": foreign.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "organisation" in response.json()["error"]["fields"]
    assert not Ticket.objects.exists()


def test_only_agents_open_tickets_for_someone_else(
    customer, other_customer, customer_api, agent_api
):
    payload = {
        "subject": "For Bob",
        "description": "y",
        "type": "help",
        "requester": other_customer.pk,
    }
    assert customer_api.post("/api/v1/tickets/", payload, format="json").status_code == 400
    response = agent_api.post("/api/v1/tickets/", payload, format="json")
    assert response.status_code == 201
    assert response.json()["requester"]["id"] == other_customer.pk


def test_reply_note_status_assign_and_fields(
    customer, agent, second_agent, customer_api, agent_api
):
    ticket = make_ticket(customer)
    base = f"/api/v1/tickets/{ticket.number}"
    # The agent answers publicly: the ticket waits for the customer.
    reply = agent_api.post(f"{base}/reply/", {"body": "<p>Which browser?</p>"}, format="json")
    assert reply.status_code == 201
    assert reply.json()["message"]["internal"] is False
    assert agent_api.get(f"{base}/").json()["status"]["category"] == Category.PENDING_CUSTOMER
    # A note stays internal.
    note = agent_api.post(f"{base}/note/", {"body": "Known bug #77"}, format="json")
    assert note.status_code == 201 and note.json()["message"]["internal"] is True
    # Assign, change the status, requalify.
    assigned = agent_api.post(f"{base}/assign/", {"assignee": second_agent.pk}, format="json")
    assert assigned.json()["assignee"]["id"] == second_agent.pk
    resolved = Status.objects.filter(category=Category.RESOLVED).first()
    changed = agent_api.post(f"{base}/status/", {"status": resolved.slug}, format="json")
    assert changed.json()["status"]["slug"] == resolved.slug
    patched = agent_api.patch(
        f"{base}/", {"priority": "urgent", "subject": "Export (Chrome)"}, format="json"
    )
    assert patched.status_code == 200
    assert patched.json()["priority"]["slug"] == "urgent"
    assert patched.json()["subject"] == "Export (Chrome)"
    fields = set(ticket.events.filter(kind=EventKind.FIELD).values_list("field", flat=True))
    assert {"assignee", "priority", "subject"} <= fields
    # Assigning to a customer is refused by the same rule as everywhere.
    refused = agent_api.post(f"{base}/assign/", {"assignee": customer.pk}, format="json")
    assert refused.status_code == 400


def test_customer_replies_and_closes_but_cannot_do_agent_things(customer, customer_api):
    ticket = make_ticket(customer)
    base = f"/api/v1/tickets/{ticket.number}"
    assert (
        customer_api.post(f"{base}/reply/", {"body": "More details"}, format="json").status_code
        == 201
    )
    for url, payload in (
        (f"{base}/note/", {"body": "x"}),
        (f"{base}/status/", {"status": "closed"}),
        (f"{base}/assign/", {"assignee": None}),
    ):
        response = customer_api.post(url, payload, format="json")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
    assert customer_api.patch(f"{base}/", {"priority": "urgent"}, format="json").status_code == 403
    closed = customer_api.post(f"{base}/close/")
    assert closed.status_code == 200
    assert closed.json()["status"]["category"] == Category.CLOSED


def test_customer_never_sees_internal_notes_in_messages(customer, agent, customer_api):
    from comptoir.tickets import services

    ticket = make_ticket(customer)
    services.ticket_reply(ticket=ticket, author=agent, body_html="<p>Secret</p>", internal=True)
    services.ticket_reply(ticket=ticket, author=agent, body_html="<p>Hello</p>")
    messages = customer_api.get(f"/api/v1/tickets/{ticket.number}/messages/").json()["results"]
    assert [m["body_text"] for m in messages] == ["The export button does nothing.", "Hello"]
    assert all(m["internal"] is False for m in messages)
    # and the agent's email stays private to customers
    assert messages[1]["author"]["email"] is None


def test_custom_fields_are_checked_against_their_definition(customer, customer_api):
    from comptoir.tickets.models import CustomField, FieldType

    CustomField.objects.create(
        key="version", label_en="Version", field_type=FieldType.TEXT, required=True
    )
    CustomField.objects.create(
        key="internal_score",
        label_en="Score",
        field_type=FieldType.NUMBER,
        visible_to_customer=False,
    )
    payload = {"subject": "s", "description": "d", "type": "help"}
    missing = customer_api.post("/api/v1/tickets/", payload, format="json")
    assert "custom_fields.version" in missing.json()["error"]["fields"]
    hidden = customer_api.post(
        "/api/v1/tickets/",
        {**payload, "custom_fields": {"version": "4.2", "internal_score": 3}},
        format="json",
    )
    assert "custom_fields.internal_score" in hidden.json()["error"]["fields"]
    ok = customer_api.post(
        "/api/v1/tickets/", {**payload, "custom_fields": {"version": "4.2"}}, format="json"
    )
    assert ok.status_code == 201
    assert ok.json()["custom_fields"] == {"version": "4.2"}


def test_reply_on_a_closed_ticket_follows_the_refuse_policy(customer, customer_api):
    from comptoir.tickets import services
    from comptoir.tickets.models import ClosedReplyPolicy, HelpdeskSettings

    HelpdeskSettings.objects.update_or_create(
        pk=1, defaults={"closed_reply_policy": ClosedReplyPolicy.REFUSE}
    )
    ticket = make_ticket(customer)
    services.ticket_close(ticket=ticket, actor=customer)
    response = customer_api.post(
        f"/api/v1/tickets/{ticket.number}/reply/", {"body": "again"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "ticket_closed"


def test_agents_merge_a_duplicate_into_the_original(customer, customer_api, agent_api):
    original = make_ticket(customer, subject="Export fails")
    duplicate = make_ticket(customer, subject="Export still fails", body="<p>Again</p>")
    refused = customer_api.post(
        f"/api/v1/tickets/{duplicate.number}/merge/", {"into": original.number}, format="json"
    )
    assert refused.status_code == 403
    merged = agent_api.post(
        f"/api/v1/tickets/{duplicate.number}/merge/", {"into": original.number}, format="json"
    )
    assert merged.status_code == 200
    assert merged.json()["number"] == original.number
    texts = [
        m["body_text"]
        for m in customer_api.get(f"/api/v1/tickets/{original.number}/messages/").json()["results"]
    ]
    assert "Again" in texts
    old = agent_api.get(f"/api/v1/tickets/{duplicate.number}/").json()
    assert old["status"]["category"] == Category.CLOSED
    unknown = agent_api.post(
        f"/api/v1/tickets/{original.number}/merge/", {"into": 999999}, format="json"
    )
    assert unknown.status_code == 400
    assert "into" in unknown.json()["error"]["fields"]


def test_customers_cannot_find_tickets_by_an_internal_status(customer, agent, customer_api):
    from comptoir.tickets import services

    internal = Status.objects.filter(category=Category.PENDING_INTERNAL).first()
    Status.objects.filter(pk=internal.pk).update(visible_to_customer=False)
    ticket = make_ticket(customer)
    services.ticket_change_status(ticket=ticket, actor=agent, status=internal)
    shown = customer_api.get(f"/api/v1/tickets/{ticket.number}/").json()["status"]
    assert shown["slug"] is None
    assert shown["label"] == str(Category.PENDING_INTERNAL.label)
    assert numbers(customer_api.get(f"/api/v1/tickets/?status={internal.slug}")) == []
    assert numbers(customer_api.get("/api/v1/tickets/?category=pending_internal")) == [
        ticket.number
    ]
    assert customer_api.get("/api/v1/tickets/?group=none").status_code == 400
