"""The one-ticket read (``access_ticket``) and "mine" (``own_tickets``) agree with
``visible_tickets``, the one source of truth, whatever way a customer sees a ticket;
and the ticket page shows fresh reference data when it comes from the
configuration cache."""

import pytest
from django.db import connection
from django.db.models import Q
from django.http import Http404
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comptoir.accounts.models import Membership, Role
from comptoir.tickets import queries, services
from comptoir.tickets.models import CustomField, Priority, Ticket, TicketParticipant
from tests.factories import (
    AgentFactory,
    OrganisationFactory,
    SupportGroupFactory,
    UserFactory,
    make_ticket,
    priority,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cache_on():
    services.config_cache_clear()
    with override_settings(COMPTOIR_CONFIG_CACHE_SECONDS=60):
        yield
    services.config_cache_clear()


def _person(organisation=None, **rights):
    user = UserFactory(role=Role.CUSTOMER)
    if organisation is not None:
        Membership.objects.create(user=user, organisation=organisation, **rights)
    return user


def _world():
    lutins, ecureuils = OrganisationFactory(), OrganisationFactory()
    level1 = SupportGroupFactory()
    people = {
        "requester": _person(lutins),
        "sees_all": _person(lutins, sees_all_tickets=True),
        "manager": _person(lutins, is_manager=True),
        "colleague": _person(lutins),
        "copied": _person(ecureuils),
        "other_org_manager": _person(ecureuils, is_manager=True),
        "no_organisation": _person(),
        "agent_in_group": AgentFactory(restricted_to_groups=True),
        "agent_outside": AgentFactory(restricted_to_groups=True),
        "agent": AgentFactory(),
        "supervisor": UserFactory(role=Role.SUPERVISOR),
    }
    level1.agents.add(people["agent_in_group"])
    requester = people["requester"]
    tickets = {
        "of the organisation": make_ticket(requester, organisation=lutins, group=level1),
        "without organisation": make_ticket(requester, organisation=None),
        "of the other organisation": make_ticket(people["copied"], organisation=ecureuils),
        "of someone else": make_ticket(people["colleague"], organisation=lutins),
    }
    TicketParticipant.objects.create(
        ticket=tickets["of the organisation"], user=people["copied"], created_at=timezone.now()
    )
    TicketParticipant.objects.create(
        ticket=tickets["without organisation"],
        user=people["colleague"],
        created_at=timezone.now(),
    )
    inactive = _person(lutins, sees_all_tickets=True)
    inactive.is_active = False
    inactive.save()
    people["inactive"] = inactive
    return people, tickets


def _reached(user, ticket):
    try:
        found = queries.access_ticket(user, ticket.number)
    except Http404:
        return False
    assert found.pk == ticket.pk
    return True


@pytest.mark.parametrize("config_cache", [False, True], ids=["cache-off", "cache-on"])
def test_access_ticket_reaches_exactly_the_visible_tickets(config_cache):
    people, tickets = _world()
    services.config_cache_clear()
    with override_settings(COMPTOIR_CONFIG_CACHE_SECONDS=60 if config_cache else 0):
        for role, user in people.items():
            visible = set(queries.visible_tickets(user).values_list("pk", flat=True))
            for name, ticket in tickets.items():
                assert _reached(user, ticket) == (ticket.pk in visible), (role, name)
    services.config_cache_clear()

    # The table above is not empty on either side.
    seen = {
        role: sorted(name for name, t in tickets.items() if _reached(user, t))
        for role, user in people.items()
    }
    assert seen["colleague"] == ["of someone else", "without organisation"]
    assert seen["copied"] == ["of the organisation", "of the other organisation"]
    assert seen["sees_all"] == seen["manager"] == ["of someone else", "of the organisation"]
    assert seen["other_org_manager"] == ["of the other organisation"]
    assert seen["inactive"] == seen["no_organisation"] == seen["agent_outside"] == []
    assert seen["agent_in_group"] == ["of the organisation"]
    assert len(seen["agent"]) == len(seen["supervisor"]) == 4
    # The customers' answers came from the read compiled once per process.
    from comptoir.core import compiled

    kept = [v for k, v in compiled._COMPILED.items() if "customer_ticket" in k]
    assert kept and all(v is not None for v in kept)


def test_access_ticket_accepts_a_leading_hash_and_refuses_other_numbers():
    people, tickets = _world()
    ticket = tickets["of the organisation"]
    requester = people["requester"]

    assert queries.access_ticket(requester, f"#{ticket.number}").pk == ticket.pk
    for number in ("abc", "0", "-1", str(2**31), str(ticket.number + 1000)):
        with pytest.raises(Http404):
            queries.access_ticket(requester, number)


def test_mine_is_what_the_customer_requested_or_is_copied_on():
    people, tickets = _world()
    for role, user in people.items():
        copied = TicketParticipant.objects.filter(user=user).values("ticket_id")
        expected = set(
            queries.visible_tickets(user)
            .filter(Q(requester=user) | Q(pk__in=copied))
            .values_list("pk", flat=True)
        )
        assert set(queries.own_tickets(user).values_list("pk", flat=True)) == expected, role
    assert queries.own_tickets(people["inactive"]).count() == 0
    assert set(queries.own_tickets(people["sees_all"])) == set()
    assert set(queries.own_tickets(people["colleague"])) == {
        tickets["of someone else"],
        tickets["without organisation"],
    }


def test_the_ticket_page_shows_reference_data_changed_a_moment_ago(client, customer, cache_on):
    ticket = make_ticket(customer, priority=priority("high"))
    client.force_login(customer)
    page = client.get(reverse("portal:ticket", args=[ticket.number]))
    assert "<dt>Priority</dt><dd>High</dd>" in page.text

    # Saving a priority empties this process's configuration cache at once.
    high = Priority.objects.get(pk=ticket.priority_id)
    high.label_en = "Urgent"
    high.save()
    page = client.get(reverse("portal:ticket", args=[ticket.number]))
    assert "<dt>Priority</dt><dd>Urgent</dd>" in page.text
    assert "<dt>Type</dt><dd>" + ticket.type.label + "</dd>" in page.text


def test_custom_fields_from_the_configuration_cache_keep_customer_visibility(
    client, customer, agent, cache_on
):
    CustomField.objects.create(
        key="internal-cost",
        label_en="Internal cost",
        field_type="number",
        visible_to_customer=False,
    )
    ticket = make_ticket(customer, custom_fields={"reproducibility": "always"})
    services.ticket_update_fields(ticket=ticket, actor=agent, custom_fields={"internal-cost": 300})
    url = reverse("portal:ticket", args=[ticket.number])

    client.force_login(customer)
    page = client.get(url).text
    assert "<dt>Reproducibility</dt><dd>Always</dd>" in page
    assert "Internal cost" not in page

    client.force_login(agent)
    page = client.get(url).text
    assert "<dt>Internal cost</dt><dd>300</dd>" in page

    # A field added a moment ago shows at once (the save empties the cache).
    CustomField.objects.create(key="browser", label_en="Browser", field_type="text")
    Ticket.objects.filter(pk=ticket.pk).update(
        custom_fields={"reproducibility": "always", "browser": "Firefox"}
    )
    client.force_login(customer)
    assert "<dt>Browser</dt><dd>Firefox</dd>" in client.get(url).text


def test_the_ticket_page_query_budget_with_the_configuration_cache(client, customer, cache_on):
    ticket = make_ticket(customer, custom_fields={"reproducibility": "always"})
    url = reverse("portal:ticket", args=[ticket.number])
    client.force_login(customer)
    client.get(url)  # warm: configuration rows and the rendered conversation

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return [q["sql"] for q in captured]

    seen = count()
    for i in range(10):
        services.ticket_reply(ticket=ticket, author=customer, body_html=f"<p>More {i}</p>")
    client.get(url)
    assert len(count()) == len(seen)
    # Session, user, the ticket (with its status, type and priority from the
    # cache), and one UNION ALL of products, themes, participants, who may be
    # added and the surveys.
    assert len(seen) == 4, "\n".join(seen)
    assert not any('FROM "tickets_status"' in sql for sql in seen)
    assert not any('FROM "tickets_customfield"' in sql for sql in seen)
