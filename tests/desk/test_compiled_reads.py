"""The ticket page's reads compiled once per process: every call, whoever the
viewer and whatever the ticket, must find what the plain querysets find."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.http import Http404
from django.utils import timezone

from comptoir.accounts.models import Membership
from comptoir.core import compiled
from comptoir.desk import queries
from comptoir.desk.models import TicketFollower, TicketLink, TicketPresence
from comptoir.tickets.models import Ticket
from comptoir.tickets.queries import visible_tickets
from tests.factories import (
    AgentFactory,
    CustomerFactory,
    OrganisationFactory,
    SupportGroupFactory,
    make_ticket,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    group, elsewhere = SupportGroupFactory(name="Kept"), SupportGroupFactory(name="Other")
    kept = AgentFactory(restricted_to_groups=True)
    group.agents.add(kept)
    everyone = AgentFactory()
    org = OrganisationFactory()
    alice, bob = CustomerFactory(), CustomerFactory()
    Membership.objects.create(user=alice, organisation=org)
    tickets = [
        make_ticket(alice, subject="In kept group", group=group, organisation=org),
        make_ticket(alice, subject="Elsewhere", group=elsewhere, organisation=None),
        make_ticket(bob, subject="Bob's, assigned", group=elsewhere),
        make_ticket(bob, subject="Bob's other", group=group),
    ]
    Ticket.objects.filter(pk=tickets[2].pk).update(assignee=kept)
    tickets[2].refresh_from_db()
    TicketLink.objects.create(first=tickets[0], second=tickets[2])
    TicketLink.objects.create(first=tickets[0], second=tickets[1])
    TicketFollower.objects.create(ticket=tickets[0], user=everyone)
    TicketPresence.objects.create(ticket=tickets[0], user=kept, seen_at=timezone.now())
    TicketPresence.objects.create(ticket=tickets[0], user=everyone, seen_at=timezone.now())
    return {"agents": [kept, everyone], "tickets": tickets}


def test_the_compiled_ticket_read_sees_what_visible_tickets_sees(world):
    for agent in world["agents"]:
        seen = set(visible_tickets(agent).values_list("number", flat=True))
        for ticket in world["tickets"]:
            if ticket.number in seen:
                found = queries.workspace_ticket(agent, ticket.number)
                assert (found.pk, found.subject, found.requester.email) == (
                    ticket.pk,
                    ticket.subject,
                    ticket.requester.email,
                )
                assert found.organisation == ticket.organisation
                assert found.assignee == ticket.assignee
                assert queries.merged_into(found) is None
            else:
                with pytest.raises(Http404):
                    queries.workspace_ticket(agent, ticket.number)
    # The restricted agent does not see everything (the check above means something).
    kept = world["agents"][0]
    assert visible_tickets(kept).count() == 3


def test_the_compiled_side_reads_match_the_querysets(world):
    for agent in world["agents"]:
        for ticket in world["tickets"]:
            theirs, links = queries.requester_and_linked_tickets(agent, ticket)
            if connection.features.supports_slicing_ordering_in_compound:
                plain = list(queries._requester_and_linked_query(agent, ticket))
                assert sorted(t.pk for t in theirs + links) == sorted(t.pk for t in plain)
            assert [t.pk for t in theirs] == [
                t.pk for t in queries.requester_tickets(agent, ticket)
            ]
            assert [t.pk for t in links] == [t.pk for t in queries.linked_tickets(agent, ticket)]

            read = queries.followers_and_presence(ticket, agent)
            since = timezone.now() - queries.PRESENCE_WINDOW
            rows = list(queries._followers_and_presence_query(ticket, agent, since))
            assert [f.pk for f in read.followers] == [r[3] for r in rows if r[0] == 0]
            assert len(read.others) == len([r for r in rows if r[0] == 1])
            assert (read.own_seen_at is not None) == any(r[0] == 2 for r in rows)

            assert queries.ticket_tags(ticket) == tuple(
                sorted(pk for kind, pk in queries._ticket_tags_query(ticket) if kind == k)
                for k in (0, 1)
            )
            organisations = queries.ticket_organisations(ticket)
            plain_orgs = queries._ticket_organisations_query(
                ticket.requester_id, ticket.organisation_id or 0
            )
            assert [(o.pk, o.requester_member) for o in organisations] == [
                (o.pk, o.requester_member) for o in plain_orgs
            ]


def test_presence_is_read_for_the_moment_asked(world):
    ticket, (kept, everyone) = world["tickets"][0], world["agents"]
    now = timezone.now()
    assert [p.name for p in queries.followers_and_presence(ticket, everyone, now).others] == [
        kept.display_name
    ]
    # The same compiled read, later: nobody is present any more.
    later = now + queries.PRESENCE_WINDOW + timedelta(seconds=1)
    assert queries.followers_and_presence(ticket, everyone, later).others == []


def test_on_postgresql_the_reads_are_compiled_once(world):
    if connection.vendor != "postgresql":
        pytest.skip("markers of dates are written as text elsewhere: those reads run as querysets")
    ticket, agent = world["tickets"][0], world["agents"][0]
    queries.workspace_ticket(agent, ticket.number)
    queries.requester_and_linked_tickets(agent, ticket)
    queries.followers_and_presence(ticket, agent)
    queries.ticket_tags(ticket)
    queries.ticket_organisations(ticket)
    kept = {key[2]: value for key, value in compiled._COMPILED.items()}
    for name in (
        "workspace_ticket",
        "requester_and_linked",
        "followers_and_presence",
        "ticket_tags",
        "ticket_organisations",
    ):
        assert kept[name] is not None, name
