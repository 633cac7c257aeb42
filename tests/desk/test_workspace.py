"""The ticket workspace: conversation and notes, replies, macros, requalification,
status, assignment, history, SLA, requester panel, followers, links, presence."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from comptoir.desk.models import Macro, TicketFollower, TicketLink
from comptoir.kb import services as kb_services
from comptoir.kb.models import KbCategory
from comptoir.tickets import services
from comptoir.tickets.models import Category, Message, Status, Ticket, TicketEvent
from tests.factories import (
    AgentFactory,
    ProductFactory,
    SupportGroupFactory,
    make_ticket,
    priority,
    ticket_type,
)
from tests.portal.helpers import PNG, form, text, upload

from .helpers import ticket_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(customer):
    return make_ticket(customer, subject="Invoices are empty", language="en")


def url(ticket, name: str) -> str:
    return reverse(f"desk:{name}", kwargs={"number": ticket.number})


def reply_data(ticket, body: str, **extra) -> dict:
    last = Message.objects.filter(ticket=ticket).order_by("-pk").first()
    data = {
        "mode": "reply",
        "body": body,
        "body_format": "text",
        "seen_message": str(last.pk if last else 0),
        "then_status": "",
        "set_type": "",
        "set_priority": "",
        "set_group": "",
    }
    data.update(extra)
    return data


def test_customers_get_no_workspace(client, customer, ticket):
    client.force_login(customer)

    assert client.get(ticket_url(ticket)).status_code == 404


def test_the_page_shows_the_conversation_with_notes_set_apart(desk, agent, ticket):
    services.ticket_reply(
        ticket=ticket, author=agent, body_html="<p>Check the logs</p>", internal=True
    )

    response = desk.get(ticket_url(ticket))

    page = text(response)
    assert f"{ticket.reference} Invoices are empty" in page
    assert "Internal note not visible to the customer" in page
    html = response.content.decode()
    assert len(re.findall(r'class="message[^"]* internal"', html)) == 1


def test_a_public_reply_reaches_the_customer_who_sees_the_waiting_status(
    desk, other_client, customer, ticket, mailoutbox
):
    mailoutbox.clear()
    response = desk.post(url(ticket, "reply"), reply_data(ticket, "Could you send a screenshot?"))

    assert response.status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).status.slug == "waiting"
    assert [m.to for m in mailoutbox] == [[customer.email]]
    assert "Could you send a screenshot?" in mailoutbox[0].body
    other_client.force_login(customer)
    page = text(other_client.get(f"/tickets/{ticket.number}/"))
    assert "Could you send a screenshot?" in page
    assert "Status: Waiting for your response" in page


def test_an_internal_note_never_reaches_the_customer(
    desk, other_client, customer, ticket, mailoutbox
):
    mailoutbox.clear()
    desk.post(url(ticket, "reply"), reply_data(ticket, "Known bug, see #42", mode="note"))

    note = Message.objects.get(ticket=ticket, internal=True)
    assert note.body_text == "Known bug, see #42"
    assert Ticket.objects.get(pk=ticket.pk).status.slug == "new"
    assert mailoutbox == []
    other_client.force_login(customer)
    assert "Known bug" not in other_client.get(f"/tickets/{ticket.number}/").content.decode()


def test_reply_with_a_file_and_a_pasted_image(desk, ticket):
    image = "data:image/png;base64," + __import__("base64").b64encode(PNG).decode()
    data = reply_data(
        ticket,
        f'<p>Here is the fix</p><p><img src="{image}" alt="shot"></p>',
        body_format="html",
        attachments=upload("fix.txt", b"patch"),
    )

    desk.post(url(ticket, "reply"), data)

    message = Message.objects.filter(ticket=ticket).order_by("-pk").first()
    files = {(a.filename, a.inline) for a in message.attachments.all()}
    assert ("fix.txt", False) in files and any(inline for _name, inline in files)
    assert "/attachments/" in message.body_html


def test_a_reply_can_also_set_fields_and_a_status(desk, ticket):
    group = SupportGroupFactory(name="Technique")
    it = Status.objects.get(slug="it-working")

    desk.post(
        url(ticket, "reply"),
        reply_data(
            ticket,
            "Passed to the technical team",
            then_status=str(it.pk),
            set_type=str(ticket_type("bug").pk),
            set_priority=str(priority("high").pk),
            set_group=str(group.pk),
        ),
    )

    ticket = Ticket.objects.get(pk=ticket.pk)
    assert (ticket.status, ticket.type.slug, ticket.priority.slug, ticket.group) == (
        it,
        "bug",
        "high",
        group,
    )


def test_someone_replying_meanwhile_stops_the_send_and_keeps_the_draft(desk, agent, ticket):
    data = reply_data(ticket, "My answer")
    colleague = AgentFactory(first_name="Inès", last_name="Mercier")
    services.ticket_reply(ticket=ticket, author=colleague, body_html="<p>Already answered</p>")

    response = desk.post(url(ticket, "reply"), data)

    assert response.status_code == 409
    assert "Someone wrote on this ticket while you were writing" in text(response)
    fields = form(response).values
    assert fields["body"] == ["My answer"]
    newest = Message.objects.filter(ticket=ticket).order_by("-pk").first()
    assert fields["seen_message"] == [str(newest.pk)]
    assert Message.objects.filter(ticket=ticket, author=agent).count() == 0
    # Sent on the second press, once the new message has been seen.
    data["seen_message"] = fields["seen_message"][0]
    assert desk.post(url(ticket, "reply"), data).status_code == 302
    assert Message.objects.filter(ticket=ticket, author=agent).count() == 1


def test_an_empty_reply_is_refused(desk, ticket):
    response = desk.post(url(ticket, "reply"), reply_data(ticket, ""))

    assert response.status_code == 400
    assert "The message is empty." in text(response)


def test_a_macro_fills_the_reply_with_placeholders_and_its_changes(desk, agent, ticket, customer):
    macro = Macro.objects.create(
        name="Ask for a screenshot",
        body_html="<p>Hello {requester_first_name}, about {ticket_number}: a screenshot? "
        "{agent_name}</p>",
        set_status=Status.objects.get(slug="waiting"),
        set_priority=priority("high"),
    )

    response = desk.get(ticket_url(ticket), {"macro": macro.pk})

    values = form(response).values
    expected = f"<p>Hello Claire, about {ticket.reference}: a screenshot? Sophie Agent</p>"
    assert values["body"] == [expected]
    assert values["body_format"] == ["html"]
    assert values["then_status"] == [str(macro.set_status_id)]
    assert values["set_priority"] == [str(priority("high").pk)]
    # The same text is in the page for the script to insert without reloading.
    assert f'<template id="macro-{macro.pk}"' in response.content.decode()


def test_personal_macros_of_others_are_not_offered(desk, ticket):
    Macro.objects.create(name="Someone else's", body_html="<p>x</p>", owner=AgentFactory())
    Macro.objects.create(name="Shared one", body_html="<p>x</p>")

    page = text(desk.get(ticket_url(ticket)))

    assert "Shared one" in page and "Someone else's" not in page


def test_requalifying_the_type_is_logged_and_shown_to_the_customer(
    desk, other_client, customer, ticket
):
    page = desk.get(ticket_url(ticket))
    values = form(page).values
    data = {
        "subject": ticket.subject,
        "type": str(ticket_type("bug").pk),
        "priority": values["priority"][0],
        "organisation": values["organisation"][0],
        "products": [],
        "themes": [],
        "cf_reproducibility": "always",
    }

    response = desk.post(url(ticket, "requalify"), data)

    assert response.status_code == 302
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.type.slug == "bug"
    assert ticket.custom_fields == {"reproducibility": "always"}
    changed = set(
        TicketEvent.objects.filter(ticket=ticket, kind="field").values_list(
            "field", "old_value", "new_value"
        )
    )
    assert changed == {("type", "help", "bug"), ("custom:reproducibility", "", "always")}
    other_client.force_login(customer)
    assert "Type Bug" in text(other_client.get(f"/tickets/{ticket.number}/"))
    history = text(desk.get(ticket_url(ticket)))
    assert "Type: Help → Bug" in history


def test_products_and_themes_are_requalified(desk, ticket):
    product = ProductFactory(name="Portail Familles")
    data = {
        "subject": "Invoices are empty on the portal",
        "type": str(ticket.type_id),
        "priority": str(ticket.priority_id),
        "organisation": str(ticket.organisation_id),
        "products": [str(product.pk)],
        "themes": [],
    }

    desk.post(url(ticket, "requalify"), data)

    ticket = Ticket.objects.get(pk=ticket.pk)
    assert list(ticket.products.all()) == [product]
    assert ticket.subject == "Invoices are empty on the portal"


def test_status_changes_are_data_including_reopening(desk, ticket):
    desk.post(url(ticket, "status"), {"status": "resolved"})
    assert Ticket.objects.get(pk=ticket.pk).category == Category.RESOLVED

    desk.post(url(ticket, "status"), {"status": "acknowledged"})
    reopened = Ticket.objects.get(pk=ticket.pk)
    assert (reopened.status.slug, reopened.resolved_at) == ("acknowledged", None)


def test_assign_to_me_then_to_a_colleague_in_a_group(desk, agent, other_client, customer, ticket):
    desk.post(url(ticket, "assign"), {"group": "", "assignee": "", "me": "1"})
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert (ticket.assignee, ticket.status.slug) == (agent, "assigned")

    colleague = AgentFactory(first_name="Inès", last_name="Mercier")
    group = SupportGroupFactory(name="Technique")
    desk.post(url(ticket, "assign"), {"group": str(group.pk), "assignee": str(colleague.pk)})
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert (ticket.assignee, ticket.group) == (colleague, group)
    other_client.force_login(customer)
    assert "Assigned agent Inès Mercier" in text(other_client.get(f"/tickets/{ticket.number}/"))


def test_customers_cannot_be_assigned(desk, ticket, customer):
    desk.post(url(ticket, "assign"), {"group": "", "assignee": str(customer.pk)})

    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def test_the_history_tells_the_story_in_words(desk, agent, ticket):
    services.ticket_assign(ticket=ticket, actor=agent, assignee=agent)
    services.ticket_reply(ticket=ticket, author=agent, body_html="<p>n</p>", internal=True)

    page = text(desk.get(ticket_url(ticket)))

    assert "Ticket created" in page
    assert "Assigned agent: — → Sophie Agent" in page
    assert "Status: New → Assigned" in page
    assert "Internal note read" in page


def test_sla_and_requester_panels(desk, customer, ticket):
    other = make_ticket(customer, subject="Older question")

    page = text(desk.get(ticket_url(ticket)))

    assert "Service level Policy Standard First response On time" in page
    assert f"Their other tickets {other.reference} Older question" in page
    assert customer.email in page


def test_related_articles_offer_a_link_to_insert(desk, agent, ticket):
    article = kb_services.article_create(
        author=agent,
        category=KbCategory.objects.first(),
        language="en",
        title="Empty invoices after an export",
        body_html="<p>When invoices are empty, check the billing period.</p>",
        status="published",
    )

    html = desk.get(ticket_url(ticket)).content.decode()

    assert f'data-insert-link="/kb/{article.slug}/"' in html
    assert "Empty invoices after an export" in html


def test_follow_and_unfollow(desk, agent, ticket):
    desk.post(url(ticket, "follow"))
    assert TicketFollower.objects.filter(ticket=ticket, user=agent).exists()
    assert "Followers Sophie Agent Stop following" in text(desk.get(ticket_url(ticket)))
    desk.post(url(ticket, "follow"))
    assert not TicketFollower.objects.filter(ticket=ticket, user=agent).exists()


def test_link_two_tickets_both_ways(desk, ticket):
    other = make_ticket(subject="Same printer, other office")

    desk.post(url(ticket, "link_add"), {"number": f"#{other.number}"})

    assert TicketLink.objects.count() == 1
    assert other.reference in text(desk.get(ticket_url(ticket)))
    assert ticket.reference in text(desk.get(ticket_url(other)))
    desk.post(reverse("desk:link_remove", kwargs={"number": other.number, "other": ticket.number}))
    assert TicketLink.objects.count() == 0


def test_presence_shows_who_else_is_on_the_ticket_and_who_types(desk, other_client, agent, ticket):
    colleague = AgentFactory(first_name="Inès", last_name="Mercier")
    other_client.force_login(colleague)
    other_client.get(ticket_url(ticket))

    page = text(desk.get(ticket_url(ticket)))
    assert "Inès Mercier is also viewing this ticket." in page

    other_client.post(url(ticket, "presence"), {"typing": "1", "seen": "0"})
    data = desk.post(url(ticket, "presence"), {"typing": "0", "seen": "0"}).json()
    assert data["others"] == [{"name": "Inès Mercier", "typing": True}]
    assert data["newer"] == [{"author": ticket.requester.display_name, "internal": False}]


def test_every_workspace_action_is_for_agents_only(client, customer, ticket):
    client.force_login(customer)
    for name in (
        "reply",
        "requalify",
        "assign",
        "status",
        "merge",
        "follow",
        "link_add",
        "presence",
    ):
        assert client.post(url(ticket, name), {}).status_code == 404, name


def _workspace_queries(desk, ticket) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # The agent's own changes refreshed their queue counts: read them once.
    desk.get(ticket_url(ticket))
    with CaptureQueriesContext(connection) as captured:
        assert desk.get(ticket_url(ticket)).status_code == 200
    return len(captured)


def _grow(ticket, agent, colleague, customer, until: int) -> None:
    """Messages by three people (notes among them, one with a file), status changes."""
    while Message.objects.filter(ticket=ticket).count() < until:
        i = Message.objects.filter(ticket=ticket).count()
        author = (agent, colleague, customer)[i % 3]
        attachments = []
        if i % 4 == 0:
            from comptoir.tickets.attachments import attachment_store

            attachments = [
                attachment_store(file=upload("log.txt", b"trace"), filename="log.txt", user=author)
            ]
        services.ticket_reply(
            ticket=ticket,
            author=author,
            body_html=f"<p>Message {i}</p>",
            internal=author.is_agent and i % 2 == 0,
            attachments=attachments,
        )
    services.ticket_change_status(
        ticket=ticket, actor=agent, status=Status.objects.get(slug="it-working")
    )


def test_the_workspace_runs_the_same_few_queries_for_5_and_20_messages(
    desk, agent, customer, ticket, settings
):
    settings.COMPTOIR_CONFIG_CACHE_SECONDS = 60  # statuses, groups... kept as in production
    colleague = AgentFactory()
    services.ticket_assign(ticket=ticket, actor=agent, assignee=colleague)
    TicketFollower.objects.create(ticket=ticket, user=colleague)
    _grow(ticket, agent, colleague, customer, 5)
    short = _workspace_queries(desk, ticket)

    _grow(ticket, agent, colleague, customer, 20)
    page = desk.get(ticket_url(ticket)).content.decode()

    assert _workspace_queries(desk, ticket) == short
    assert short <= 13  # session, user, ticket, side panels: see workspace_context
    assert page.count('<li id="message-') == 20
    assert page.count(">log.txt</a>") == 4


def test_the_workspace_does_not_grow_queries_with_the_conversation(desk, agent, customer, ticket):
    colleague = AgentFactory()
    services.ticket_assign(ticket=ticket, actor=agent, assignee=colleague)
    short = _workspace_queries(desk, ticket)

    for i in range(15):
        author = (agent, colleague, customer)[i % 3]
        services.ticket_reply(
            ticket=ticket, author=author, body_html=f"<p>Message {i}</p>", internal=i % 3 == 0
        )
    services.ticket_change_status(
        ticket=ticket, actor=agent, status=Status.objects.get(slug="it-working")
    )

    assert _workspace_queries(desk, ticket) == short


def test_agents_find_the_desk_from_the_top_bar_and_the_portal_ticket_page(
    desk, other_client, customer, ticket
):
    portal_page = desk.get(f"/tickets/{ticket.number}/").content.decode()
    assert '<a href="/desk/"' in portal_page
    assert f'<a href="/desk/tickets/{ticket.number}/">Open in the desk</a>' in portal_page

    other_client.force_login(customer)
    customer_page = other_client.get(f"/tickets/{ticket.number}/").content.decode()
    assert "/desk/" not in customer_page


def _sql(desk, path: str) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert desk.get(path).status_code == 200
    return [q["sql"] for q in captured]


def test_opening_a_ticket_again_soon_writes_no_presence(desk, other_client, agent, ticket):
    from datetime import timedelta

    from django.utils import timezone

    from comptoir.desk.models import TicketPresence
    from comptoir.desk.services import PRESENCE_REFRESH

    writes = [q for q in _sql(desk, ticket_url(ticket)) if "INSERT" in q or "UPDATE" in q]
    assert any("desk_ticketpresence" in q for q in writes)  # first view: written
    first = TicketPresence.objects.get(ticket=ticket, user=agent).seen_at

    again = _sql(desk, ticket_url(ticket))
    assert not any(
        "desk_ticketpresence" in q and ("INSERT" in q or "UPDATE" in q or "DELETE" in q)
        for q in again
    )
    assert TicketPresence.objects.get(ticket=ticket, user=agent).seen_at == first

    # Older than the refresh delay (well under the presence window): written again.
    older = timezone.now() - PRESENCE_REFRESH - timedelta(seconds=1)
    TicketPresence.objects.filter(ticket=ticket, user=agent).update(seen_at=older)
    desk.get(ticket_url(ticket))
    assert TicketPresence.objects.get(ticket=ticket, user=agent).seen_at > older

    # Colleagues see the agent all along, and the agent never sees themself.
    colleague = AgentFactory(first_name="Inès", last_name="Mercier")
    other_client.force_login(colleague)
    seen_by_colleague = text(other_client.get(ticket_url(ticket)))
    assert f"{agent.display_name} is also viewing this ticket." in seen_by_colleague
    page = text(desk.get(ticket_url(ticket)))
    assert "Inès Mercier is also viewing this ticket." in page
    assert f"{agent.display_name} is also viewing" not in page


def test_presence_older_than_the_window_is_written_and_others_not_shown(desk, agent, ticket):
    from datetime import timedelta

    from django.utils import timezone

    from comptoir.desk import queries
    from comptoir.desk.models import TicketPresence

    gone = AgentFactory(first_name="Ancien")
    long_ago = timezone.now() - queries.PRESENCE_WINDOW - timedelta(seconds=1)
    TicketPresence.objects.create(ticket=ticket, user=gone, seen_at=long_ago)
    TicketPresence.objects.create(ticket=ticket, user=agent, seen_at=long_ago)
    read = queries.followers_and_presence(ticket, agent)
    assert read.own_seen_at is None and read.others == []
    page = text(desk.get(ticket_url(ticket)))
    assert "is also viewing this ticket." not in page
    assert TicketPresence.objects.get(ticket=ticket, user=agent).seen_at > long_ago
    now = timezone.now()
    assert queries.followers_and_presence(ticket, agent, now).own_seen_at is not None


def test_macros_are_kept_with_the_configuration_and_follow_their_changes(
    desk, agent, ticket, settings
):
    settings.COMPTOIR_CONFIG_CACHE_SECONDS = 60
    colleague = AgentFactory()
    Macro.objects.create(name="Shared one", body_html="<p>Hello</p>")
    Macro.objects.create(name="Not mine", owner=colleague, body_html="<p>x</p>")
    page = desk.get(ticket_url(ticket)).content.decode()
    assert "Shared one" in page and "Not mine" not in page
    assert not any("desk_macro" in q for q in _sql(desk, ticket_url(ticket)))

    mine = Macro.objects.create(name="Mine now", owner=agent, body_html="<p>y</p>")
    page = desk.get(ticket_url(ticket)).content.decode()
    assert "Mine now" in page
    mine.active = False
    mine.save()
    assert "Mine now" not in desk.get(ticket_url(ticket)).content.decode()
    Macro.objects.filter(name="Shared one").delete()
    assert "Shared one" not in desk.get(ticket_url(ticket)).content.decode()


def test_the_hours_panel_reads_no_contract_when_the_organisation_has_none(desk, customer, settings):
    from datetime import date

    from comptoir.accounts.models import Membership
    from comptoir.contracts import services as contract_services
    from tests.factories import OrganisationFactory

    settings.COMPTOIR_CONFIG_CACHE_SECONDS = 60
    org = OrganisationFactory()
    Membership.objects.create(user=customer, organisation=org)
    ticket = make_ticket(customer, organisation=org, language="en")
    page = desk.get(ticket_url(ticket)).content.decode()
    assert "No active contract for this organisation" in page
    assert not any("contracts_contract" in q for q in _sql(desk, ticket_url(ticket)))

    # A new contract shows at once (the kept contracts follow their changes).
    contract_services.contract_create(organisation_id=org.pk, start=date(2020, 1, 1), minutes=120)
    page = desk.get(ticket_url(ticket)).content.decode()
    assert "Balance of the organisation" in page
    assert "No active contract" not in page


def test_requester_and_linked_tickets_come_in_one_read(agent, customer, ticket):
    from comptoir.desk import queries

    others = [make_ticket(customer, subject=f"Other {i}") for i in range(3)]
    far = make_ticket()
    TicketLink.objects.create(first=ticket, second=far)
    TicketLink.objects.create(first=ticket, second=others[0])
    TicketLink.objects.create(first=others[1], second=others[2])  # not this ticket's
    theirs, links = queries.requester_and_linked_tickets(agent, ticket)
    assert [t.pk for t in theirs] == [t.pk for t in queries.requester_tickets(agent, ticket)]
    assert [t.pk for t in links] == [t.pk for t in queries.linked_tickets(agent, ticket)]
    assert {t.pk for t in links} == {far.pk, others[0].pk}
    assert all(t.status.label for t in theirs + links)


def test_the_kept_reply_form_is_only_used_while_fresh(desk, agent, ticket, settings):
    settings.COMPTOIR_CONFIG_CACHE_SECONDS = 60  # the fresh form's HTML kept
    macro = Macro.objects.create(
        name="Waiting", body_html="<p>Hi</p>", set_status=Status.objects.get(slug="waiting")
    )
    plain = form(desk.get(ticket_url(ticket))).values
    assert plain["then_status"] == [""] and plain["body"] == [""]

    filled = form(desk.get(ticket_url(ticket), {"macro": macro.pk})).values
    assert filled["then_status"] == [str(macro.set_status_id)]
    assert filled["body"] == ["<p>Hi</p>"]

    again = desk.get(ticket_url(ticket))
    assert form(again).values["then_status"] == [""]
    # Rendered as the template's own fields write it.
    from comptoir.desk.forms import ReplyForm
    from comptoir.desk.templatetags.desk_tags import field_block

    fresh = ReplyForm(initial={"seen_message": 0})
    for name in ("body", "attachments", "then_status", "set_type", "set_priority", "set_group"):
        assert field_block(fresh[name]) in again.content.decode()

    sent = desk.post(url(ticket, "reply"), reply_data(ticket, "", then_status=""))
    assert sent.status_code == 400
    assert "has-error" in sent.content.decode()
