"""Macros: placeholders, personal and shared ones, who may change which."""

from __future__ import annotations

import pytest
from django.urls import reverse

from comptoir.desk.macros import render_macro
from comptoir.desk.models import Macro
from comptoir.tickets.models import Status
from tests.factories import AgentFactory, CustomerFactory, make_ticket
from tests.portal.helpers import text

pytestmark = pytest.mark.django_db

MACROS = reverse("desk:macros")
NEW = reverse("desk:macro_new")


def macro_data(**extra):
    data = {
        "name": "Ask for a screenshot",
        "body": "Hello {requester_first_name}",
        "body_format": "text",
        "set_status": "",
        "set_type": "",
        "set_priority": "",
        "set_group": "",
    }
    data.update(extra)
    return data


def test_placeholders_are_filled_and_escaped(agent, settings):
    settings.SITE_URL = "https://support.example.test"
    customer = CustomerFactory(first_name="<b>Eve</b>")
    ticket = make_ticket(customer, subject="A & B")
    macro = Macro(
        body_html="<p>{requester_first_name} {ticket_number} {ticket_subject} {agent_name} "
        "{ticket_link} {unknown}</p>"
    )

    html = render_macro(macro, ticket=ticket, agent=agent)

    url = f"https://support.example.test/tickets/{ticket.number}/"
    assert html == (
        f"<p>&lt;b&gt;Eve&lt;/b&gt; {ticket.reference} A &amp; B Sophie Agent "
        f'<a href="{url}">{url}</a> {{unknown}}</p>'
    )


def test_an_agent_writes_a_personal_macro_only_they_see(desk, agent, client):
    response = desk.post(NEW, macro_data(shared="on", as_note="on"))

    assert response.status_code == 302
    macro = Macro.objects.get()
    assert (macro.owner, macro.as_note, macro.body_html) == (
        agent,
        True,
        "<p>Hello {requester_first_name}</p>",
    )
    assert "Ask for a screenshot" in text(desk.get(MACROS))
    client.force_login(AgentFactory())
    assert "Ask for a screenshot" not in text(client.get(MACROS))
    assert client.get(reverse("desk:macro_edit", kwargs={"pk": macro.pk})).status_code == 404


def test_supervisors_and_admins_write_shared_macros_that_agents_use_but_cannot_change(
    client, agent
):
    admin = AgentFactory(role="admin")
    client.force_login(admin)
    client.post(NEW, macro_data(shared="on", set_status=str(Status.objects.get(slug="waiting").pk)))
    macro = Macro.objects.get()
    assert macro.shared and macro.set_status.slug == "waiting"

    client.force_login(agent)
    assert "Ask for a screenshot" in text(client.get(MACROS))
    assert client.post(reverse("desk:macro_delete", kwargs={"pk": macro.pk})).status_code == 404
    assert Macro.objects.filter(pk=macro.pk).exists()


def test_an_agent_deletes_their_macro(desk, agent):
    macro = Macro.objects.create(name="Mine", owner=agent, body_html="<p>x</p>")

    desk.post(reverse("desk:macro_delete", kwargs={"pk": macro.pk}))

    assert not Macro.objects.filter(pk=macro.pk).exists()


def test_macro_text_is_sanitised(desk):
    desk.post(NEW, macro_data(body="<p>Hi<script>alert(1)</script></p>", body_format="html"))

    assert Macro.objects.get().body_html == "<p>Hi</p>"
