"""The ticket lifecycle as the seeds describe it, through the one door (services)."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from comptoir.tickets import services
from comptoir.tickets.models import (
    Category,
    ClosedReplyPolicy,
    EventKind,
    HelpdeskSettings,
    Status,
    Ticket,
    TicketEvent,
)
from tests.factories import AgentFactory, make_ticket

pytestmark = pytest.mark.django_db


def set_policy(policy):
    HelpdeskSettings.objects.update_or_create(pk=1, defaults={"closed_reply_policy": policy})


def reply(ticket, author, text="Some text", **kwargs):
    return services.ticket_reply(ticket=ticket, author=author, body_html=f"<p>{text}</p>", **kwargs)


def test_new_ticket_gets_sequential_number_new_status_and_first_message(customer):
    first = make_ticket(customer)
    second = make_ticket(customer, subject="Second")
    assert second.number == first.number + 1
    assert first.status.slug == "new" and first.category == Category.NEW
    message = first.messages.get()
    assert message.author == customer and not message.internal
    assert message.body_text == "The export button does nothing."
    assert TicketEvent.objects.filter(ticket=first, kind=EventKind.CREATED).count() == 1


def test_creation_acknowledgement_mail_goes_to_requester(customer):
    ticket = make_ticket(customer)
    assert [m.to for m in mail.outbox] == [[customer.email]]
    assert ticket.reference in mail.outbox[0].subject


def test_blank_subject_or_description_is_refused(customer):
    with pytest.raises(ValidationError):
        make_ticket(customer, subject="   ")
    with pytest.raises(ValidationError):
        make_ticket(customer, body="<p> </p>")
    assert not Ticket.objects.exists()


def test_agent_public_reply_moves_to_waiting_and_sets_first_response(customer, agent):
    ticket = make_ticket(customer)
    result = reply(ticket, agent, "Could you send a screenshot?")
    ticket.refresh_from_db()
    assert ticket.category == Category.PENDING_CUSTOMER
    assert ticket.status.slug == "waiting"
    assert ticket.first_response_at == result.message.created_at
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.STATUS)
    assert (event.old_value, event.new_value, event.actor) == ("new", "waiting", agent)


def test_agent_internal_note_changes_nothing_and_mails_nobody(customer, agent):
    ticket = make_ticket(customer)
    mail.outbox.clear()
    reply(ticket, agent, "Looks like the nightly job", internal=True)
    ticket.refresh_from_db()
    assert ticket.category == Category.NEW and ticket.first_response_at is None
    assert mail.outbox == []


def test_customer_cannot_write_internal_note(customer):
    ticket = make_ticket(customer)
    with pytest.raises(ValidationError):
        reply(ticket, customer, internal=True)


def test_customer_reply_on_waiting_ticket_moves_back_to_open(customer, agent):
    ticket = make_ticket(customer)
    reply(ticket, agent)
    reply(ticket, customer, "Here it is")
    ticket.refresh_from_db()
    assert ticket.category == Category.OPEN
    assert ticket.status.slug == "acknowledged"


def test_customer_reply_on_waiting_assigned_ticket_goes_back_to_assigned(customer, agent):
    """Seed 004: answering a comment turns the ticket blue (assigned) again."""
    ticket = make_ticket(customer)
    services.ticket_assign(ticket=ticket, actor=agent, assignee=agent)
    ticket.refresh_from_db()
    assert ticket.status.slug == "assigned"
    reply(ticket, agent)
    reply(ticket, customer)
    ticket.refresh_from_db()
    assert ticket.status.slug == "assigned"


def test_customer_reply_on_new_or_open_ticket_keeps_status(customer):
    ticket = make_ticket(customer)
    reply(ticket, customer, "More details")
    ticket.refresh_from_db()
    assert ticket.category == Category.NEW


def test_either_side_can_close(customer, agent):
    by_customer = make_ticket(customer)
    services.ticket_close(ticket=by_customer, actor=customer)
    by_agent = make_ticket(customer)
    services.ticket_close(ticket=by_agent, actor=agent)
    for ticket in (by_customer, by_agent):
        ticket.refresh_from_db()
        assert ticket.category == Category.CLOSED and ticket.closed_at is not None


def test_reply_on_resolved_ticket_reopens_it(customer, agent):
    ticket = make_ticket(customer)
    services.ticket_change_status(
        ticket=ticket, actor=agent, status=Status.objects.get(slug="resolved")
    )
    ticket.refresh_from_db()
    assert ticket.resolved_at is not None
    reply(ticket, customer, "It came back")
    ticket.refresh_from_db()
    assert ticket.category == Category.OPEN and ticket.resolved_at is None


def test_closed_policy_reopen(customer):
    set_policy(ClosedReplyPolicy.REOPEN)
    ticket = make_ticket(customer)
    services.ticket_close(ticket=ticket, actor=customer)
    result = reply(ticket, customer, "Actually not fixed")
    ticket.refresh_from_db()
    assert result.ticket == ticket and not result.opened_follow_up
    assert ticket.category == Category.OPEN and ticket.closed_at is None
    assert ticket.messages.count() == 2


def test_closed_policy_new_ticket_opens_linked_follow_up(customer):
    set_policy(ClosedReplyPolicy.NEW_TICKET)
    ticket = make_ticket(customer)
    services.ticket_close(ticket=ticket, actor=customer)
    result = reply(ticket, customer, "Same issue again")
    ticket.refresh_from_db()
    assert result.opened_follow_up
    follow_up = result.ticket
    assert follow_up.pk != ticket.pk and follow_up.follows == ticket
    assert follow_up.subject == ticket.subject and follow_up.category == Category.NEW
    assert follow_up.messages.get().body_text == "Same issue again"
    assert ticket.category == Category.CLOSED and ticket.messages.count() == 1
    assert TicketEvent.objects.filter(
        ticket=ticket, kind=EventKind.FOLLOW_UP, new_value=str(follow_up.number)
    ).exists()


def test_closed_policy_refuse_keeps_ticket_read_only(customer):
    set_policy(ClosedReplyPolicy.REFUSE)
    ticket = make_ticket(customer)
    services.ticket_close(ticket=ticket, actor=customer)
    with pytest.raises(services.TicketClosedError):
        reply(ticket, customer, "Hello?")
    ticket.refresh_from_db()
    assert ticket.category == Category.CLOSED and ticket.messages.count() == 1


def test_agent_can_still_answer_a_closed_ticket_under_refuse(customer, agent):
    set_policy(ClosedReplyPolicy.REFUSE)
    ticket = make_ticket(customer)
    services.ticket_close(ticket=ticket, actor=customer)
    reply(ticket, agent, "For the record")
    ticket.refresh_from_db()
    assert ticket.messages.count() == 2


def test_assign_only_to_agents_and_logs_event(customer, agent):
    ticket = make_ticket(customer)
    with pytest.raises(ValidationError):
        services.ticket_assign(ticket=ticket, actor=agent, assignee=customer)
    services.ticket_assign(ticket=ticket, actor=agent, assignee=agent)
    event = TicketEvent.objects.get(ticket=ticket, field="assignee")
    assert event.new_value == agent.email


def test_update_fields_logs_each_change(customer, agent):
    from tests.factories import ProductFactory, priority, ticket_type

    ticket = make_ticket(customer)
    product = ProductFactory(name="Facturation")
    services.ticket_update_fields(
        ticket=ticket,
        actor=agent,
        type=ticket_type("bug"),
        priority=priority("high"),
        products=[product],
        custom_fields={"impact": "several"},
    )
    ticket.refresh_from_db()
    assert ticket.type.slug == "bug" and ticket.priority.slug == "high"
    fields = set(
        TicketEvent.objects.filter(ticket=ticket, kind=EventKind.FIELD).values_list(
            "field", flat=True
        )
    )
    assert fields == {"type", "priority", "products", "custom:impact"}


def test_events_are_append_only(customer):
    ticket = make_ticket(customer)
    event = ticket.events.first()
    event.new_value = "tampered"
    with pytest.raises(ValueError):
        event.save()


def test_pasted_image_becomes_inline_attachment(customer):
    png = (
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJ"
        "RU5ErkJggg=="
    )
    ticket = make_ticket(
        customer,
        body=f'<p>See</p><img src="data:image/png;base64,{png}">'
        '<img src="https://tracker.example/pixel.gif">',
    )
    message = ticket.messages.get()
    attachment = message.attachments.get()
    assert attachment.inline and attachment.content_type == "image/png"
    assert f"/attachments/{attachment.key}/" in message.body_html
    assert "tracker.example" not in message.body_html
    assert "data:" not in message.body_html


def test_script_is_removed_from_messages(customer):
    ticket = make_ticket(customer, body='<p onclick="x()">Hi<script>alert(1)</script></p>')
    assert ticket.messages.get().body_html == "<p>Hi</p>"


def test_agent_reply_notifies_requester_in_their_language(customer, agent):
    customer.language = "fr"
    customer.save()
    ticket = make_ticket(customer)
    mail.outbox.clear()
    reply(ticket, agent, "Bonjour")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [customer.email]
    assert ticket.reference in mail.outbox[0].subject
    assert "Bonjour" in mail.outbox[0].body


def test_concurrent_numbering_is_unique(customer):
    numbers = {make_ticket(customer, subject=f"T{i}").number for i in range(20)}
    assert len(numbers) == 20


def test_second_agent_does_not_change_assignee_by_replying(customer, agent):
    other = AgentFactory()
    ticket = make_ticket(customer)
    services.ticket_assign(ticket=ticket, actor=agent, assignee=agent)
    reply(ticket, other)
    ticket.refresh_from_db()
    assert ticket.assignee == agent


def test_resolving_a_closed_ticket_clears_its_closing_date(customer, agent):
    ticket = make_ticket(customer)
    services.ticket_close(ticket=ticket, actor=agent)
    services.ticket_change_status(
        ticket=ticket, actor=agent, status=Status.objects.get(slug="resolved")
    )
    ticket.refresh_from_db()
    assert ticket.resolved_at is not None and ticket.closed_at is None


def test_files_only_reply_on_closed_ticket_opens_follow_up(customer):
    from django.core.files.base import ContentFile

    from comptoir.tickets.attachments import attachment_store

    set_policy(ClosedReplyPolicy.NEW_TICKET)
    ticket = make_ticket(customer)
    services.ticket_close(ticket=ticket, actor=customer)
    log = attachment_store(file=ContentFile(b"log line"), filename="app.log", user=customer)
    result = services.ticket_reply(ticket=ticket, author=customer, body_html="", attachments=[log])
    assert result.opened_follow_up
    assert list(result.ticket.attachments.values_list("filename", flat=True)) == ["app.log"]
