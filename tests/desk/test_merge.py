"""Merging a duplicate: messages and files move, the requester is told, the old
number leads to the new ticket."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from comptoir.search.services import search
from comptoir.tickets import services
from comptoir.tickets.models import Attachment, Category, Message, Ticket, TicketEvent
from tests.factories import CustomerFactory, make_ticket
from tests.portal.helpers import text, upload

from .helpers import ticket_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def duplicate(customer, agent):
    """Claire's original ticket and the duplicate she opened later, with a file and a note."""
    from comptoir.tickets.attachments import attachment_store

    original = make_ticket(customer, subject="Export fails", language="en")
    file = attachment_store(file=upload("log.txt", b"timeout"), filename="log.txt", user=customer)
    copy = make_ticket(
        customer, subject="Export still failing", body="<p>Nobody answers</p>",
        attachments=[file], language="en",
    )  # fmt: skip
    services.ticket_reply(ticket=copy, author=agent, body_html="<p>dup?</p>", internal=True)
    return original, copy


def test_messages_and_files_move_to_the_target_and_keep_their_dates(agent, duplicate):
    original, copy = duplicate
    moved = list(Message.objects.filter(ticket=copy).values_list("pk", "created_at"))

    services.ticket_merge(source=copy, target=original, actor=agent)

    assert set(Message.objects.filter(ticket=original).values_list("pk", "created_at")) >= set(
        moved
    )
    assert Attachment.objects.get(filename="log.txt").ticket == original
    conversation = [m.body_text for m in Message.objects.filter(ticket=original)]
    assert conversation == ["The export button does nothing.", "Nobody answers", "dup?"]


def test_the_source_is_closed_with_a_notice_and_both_tickets_log_the_merge(
    agent, customer, duplicate, mailoutbox
):
    original, copy = duplicate
    mailoutbox.clear()

    services.ticket_merge(source=copy, target=original, actor=agent)

    copy = Ticket.objects.get(pk=copy.pk)
    assert copy.category == Category.CLOSED
    notice = Message.objects.get(ticket=copy)
    assert not notice.internal
    assert f"merged into ticket {original.reference}" in notice.body_text
    assert f'href="/tickets/{original.number}/"' in notice.body_html
    assert TicketEvent.objects.get(ticket=copy, field="merged_into").new_value == str(
        original.number
    )
    assert TicketEvent.objects.get(ticket=original, field="merged_from").new_value == str(
        copy.number
    )
    notices = [m for m in mailoutbox if f"merged into ticket {original.reference}" in m.body]
    assert [m.to for m in notices] == [[customer.email]]
    assert {m.to[0] for m in mailoutbox} == {customer.email}


def test_search_finds_the_moved_conversation_on_the_target(agent, customer, duplicate):
    original, copy = duplicate

    services.ticket_merge(source=copy, target=original, actor=agent)

    hits = search(user=customer, query="nobody answers", kinds=["ticket"])
    assert [h.object_id for h in hits] == [original.pk]


def test_tickets_of_two_requesters_are_not_merged(agent, customer):
    mine = make_ticket(customer)
    theirs = make_ticket(CustomerFactory())

    with pytest.raises(ValidationError, match="same requester"):
        services.ticket_merge(source=theirs, target=mine, actor=agent)
    assert Message.objects.filter(ticket=mine).count() == 1


def test_a_merged_ticket_cannot_be_merged_again_nor_receive_a_merge(agent, customer, duplicate):
    original, copy = duplicate
    third = make_ticket(customer)
    services.ticket_merge(source=copy, target=original, actor=agent)

    with pytest.raises(ValidationError, match="already been merged"):
        services.ticket_merge(source=copy, target=third, actor=agent)
    with pytest.raises(ValidationError, match="already been merged"):
        services.ticket_merge(source=third, target=copy, actor=agent)
    with pytest.raises(ValidationError, match="into itself"):
        services.ticket_merge(source=third, target=third, actor=agent)


def test_customers_cannot_merge(customer, duplicate):
    original, copy = duplicate

    with pytest.raises(ValidationError):
        services.ticket_merge(source=copy, target=original, actor=customer)


def test_merging_from_the_desk_and_the_old_number_redirects(desk, duplicate):
    original, copy = duplicate

    response = desk.post(
        reverse("desk:merge", kwargs={"number": copy.number}), {"number": str(original.number)}
    )

    assert response["Location"] == ticket_url(original)
    old = desk.get(ticket_url(copy), follow=True)
    assert old.redirect_chain == [(ticket_url(original), 302)]
    assert f"Ticket {copy.reference} was merged into {original.reference}" in text(old)
    jump = desk.get(reverse("desk:jump"), {"q": str(copy.number)}, follow=True)
    assert jump.redirect_chain[-1][0] == ticket_url(original)
    assert "Ticket merged into this one" in text(old)


def test_a_refused_merge_says_why(desk, customer):
    mine, theirs = make_ticket(customer), make_ticket(CustomerFactory())

    response = desk.post(
        reverse("desk:merge", kwargs={"number": theirs.number}),
        {"number": str(mine.number)},
        follow=True,
    )

    assert "Only tickets of the same requester can be merged" in text(response)
    missing = desk.post(
        reverse("desk:merge", kwargs={"number": theirs.number}), {"number": "99999"}, follow=True
    )
    assert "There is no ticket #99999." in text(missing)
