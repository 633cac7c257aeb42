"""Seed 002 "vos billets (ou ceux de votre compagnie) ... selon vos droits": a
manager grants members the right to see all the organisation's tickets, and My
tickets then offers "mine / my organisation's"."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comptoir.accounts.models import Membership
from comptoir.tickets.models import TicketParticipant
from tests import factories
from tests.accounts.helpers import customer
from tests.portal.helpers import text

pytestmark = pytest.mark.django_db


@pytest.fixture
def lutins():
    return factories.OrganisationFactory(name="Crèche Les Lutins")


@pytest.fixture
def manager(lutins):
    return customer("direction@lutins.example", lutins, is_manager=True)


@pytest.fixture
def paul(lutins):
    return customer("paul@lutins.example", lutins)


def rows(response) -> list[str]:
    return [t.subject for t in response.context["page"].object_list]


def test_a_manager_grants_a_member_the_organisation_s_tickets(client, manager, paul, lutins):
    colleague = customer("anne@lutins.example", lutins)
    factories.make_ticket(colleague, subject="Anne's ticket")
    client.force_login(paul)
    assert "Anne's ticket" not in text(client.get(reverse("portal:tickets") + "?tab=all"))

    # When the manager ticks the right for Paul on the members page
    client.force_login(manager)
    page = client.get(reverse("accounts:members"))
    assert "paul@lutins.example" in text(page)
    membership = Membership.objects.get(user=paul)
    response = client.post(
        reverse("accounts:member_right", args=[membership.pk]),
        {"sees_all_tickets": "on"},
        follow=True,
    )
    assert "now sees all the tickets of Crèche Les Lutins" in text(response)

    # Then Paul's My tickets offers his organisation's, which include Anne's ticket
    client.force_login(paul)
    mine = client.get(reverse("portal:tickets") + "?tab=all")
    assert "My organisation's" in text(mine)
    assert rows(mine) == []
    theirs = client.get(reverse("portal:tickets") + "?tab=all&scope=organisation")
    assert rows(theirs) == ["Anne's ticket"]
    # and the tabs' links keep the choice
    assert "scope=organisation" in theirs.content.decode()

    # When the manager takes the right back, the ticket is out of reach again
    client.force_login(manager)
    client.post(reverse("accounts:member_right", args=[membership.pk]), {})
    client.force_login(paul)
    assert rows(client.get(reverse("portal:tickets") + "?tab=all&scope=organisation")) == []


def test_only_managers_reach_the_members_page_and_only_their_members(client, manager, paul):
    other = customer("x@ecureuils.example", factories.OrganisationFactory(name="Écureuils"))
    client.force_login(paul)
    assert client.get(reverse("accounts:members")).status_code == 403
    paul_membership = Membership.objects.get(user=paul)
    refused = client.post(
        reverse("accounts:member_right", args=[paul_membership.pk]), {"sees_all_tickets": "on"}
    )
    assert refused.status_code == 404
    client.force_login(manager)
    outside = Membership.objects.get(user=other)
    assert (
        client.post(
            reverse("accounts:member_right", args=[outside.pk]), {"sees_all_tickets": "on"}
        ).status_code
        == 404
    )
    assert not Membership.objects.filter(sees_all_tickets=True).exists()


def test_members_without_the_right_see_no_filter(client, paul):
    client.force_login(paul)
    page = client.get(reverse("portal:tickets"))
    assert "My organisation's" not in text(page)
    # and asking for it anyway gives their own tickets only
    factories.make_ticket(
        customer("anne@lutins.example", Membership.objects.get(user=paul).organisation)
    )
    assert rows(client.get(reverse("portal:tickets") + "?tab=all&scope=organisation")) == []


def test_mine_includes_tickets_i_am_copied_on(client, paul, lutins):
    anne = customer("anne@lutins.example", lutins)
    ticket = factories.make_ticket(anne, subject="Copied")
    TicketParticipant.objects.create(ticket=ticket, user=paul, created_at=ticket.created_at)
    client.force_login(paul)
    assert rows(client.get(reverse("portal:tickets") + "?tab=all")) == ["Copied"]


def test_the_organisation_list_runs_a_constant_number_of_queries(client, manager, lutins):
    client.force_login(manager)
    url = reverse("portal:tickets") + "?tab=all&scope=organisation"
    factories.make_ticket(customer("a0@lutins.example", lutins))
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(1, 12):
        factories.make_ticket(customer(f"a{n}@lutins.example", lutins))
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(rows(response)) == 12
    assert len(many) == len(one)
