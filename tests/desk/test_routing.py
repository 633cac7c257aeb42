"""Routing rules and automatic assignment on ticket creation, for every channel."""

from __future__ import annotations

import pytest

from comptoir.desk.models import AssignmentMode, DeskAgentProfile, DeskGroupSettings, RoutingRule
from comptoir.tickets import services
from comptoir.tickets.models import Channel, EventKind, Status, TicketEvent
from tests.factories import (
    AgentFactory,
    CustomerFactory,
    OrganisationFactory,
    ProductFactory,
    SupportGroupFactory,
    ThemeFactory,
    make_ticket,
    priority,
    ticket_type,
)

pytestmark = pytest.mark.django_db


def assignment(group, mode, **kwargs):
    return DeskGroupSettings.objects.create(group=group, assignment=mode, **kwargs)


def away(agent):
    DeskAgentProfile.objects.update_or_create(user=agent, defaults={"away": True})


def rule(name, group, *, order=0, priority=None, channel="", **conditions):
    created = RoutingRule.objects.create(
        name=name, group=group, order=order, priority=priority, channel=channel
    )
    for field, values in conditions.items():
        getattr(created, field).set(values)
    return created


def assignees(tickets):
    return [t.assignee.first_name if t.assignee else None for t in tickets]


# -- routing rules --------------------------------------------------------------------


def test_without_rules_or_settings_a_new_ticket_is_left_as_it_came():
    ticket = make_ticket()

    assert ticket.group is None and ticket.assignee is None
    assert list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True)) == [
        EventKind.CREATED
    ]


def test_first_matching_rule_in_order_sends_the_ticket_to_its_group_and_priority():
    mobile = ProductFactory(name="Pointage mobile")
    technical, functional = SupportGroupFactory(name="Technique"), SupportGroupFactory()
    rule("Everything else", functional, order=20)
    rule("Mobile", technical, order=10, priority=priority("high"), products=[mobile])

    routed = make_ticket(products=[mobile])
    other = make_ticket()

    assert (routed.group, routed.priority.slug) == (technical, "high")
    assert (other.group, other.priority.slug) == (functional, "normal")
    changes = TicketEvent.objects.filter(ticket=routed, kind=EventKind.FIELD)
    assert {(e.field, e.old_value, e.new_value, e.actor_id) for e in changes} == {
        ("group", "", "Technique", None),
        ("priority", "normal", "high", None),
    }


@pytest.mark.parametrize("condition", ["themes", "ticket_types", "organisations", "channel"])
def test_each_condition_is_required_when_set(condition):
    group = SupportGroupFactory()
    theme, org = ThemeFactory(), OrganisationFactory()
    values = {
        "themes": {"themes": [theme]},
        "ticket_types": {"ticket_types": [ticket_type("bug")]},
        "organisations": {"organisations": [org]},
        "channel": {"channel": Channel.EMAIL},
    }[condition]
    rule("Only some", group, **values)
    matching = {
        "themes": {"themes": [theme]},
        "ticket_types": {"type": ticket_type("bug")},
        "organisations": {"organisation": org},
        "channel": {"channel": Channel.EMAIL},
    }[condition]

    assert make_ticket(**matching).group == group
    assert make_ticket().group is None


def test_an_inactive_rule_is_skipped():
    RoutingRule.objects.create(name="Off", group=SupportGroupFactory(), active=False)

    assert make_ticket().group is None


def test_a_ticket_arriving_with_a_group_keeps_it_when_no_rule_matches():
    mailbox_group = SupportGroupFactory()

    assert make_ticket(group=mailbox_group, channel=Channel.EMAIL).group == mailbox_group


# -- automatic assignment ------------------------------------------------------------


def test_round_robin_takes_turns_and_skips_the_agent_who_is_away(team):
    group, (_anne, bruno, _chloe) = team
    assignment(group, AssignmentMode.ROUND_ROBIN)
    rule("All", group)
    away(bruno)

    tickets = [make_ticket() for _ in range(4)]

    assert assignees(tickets) == ["Anne", "Chloe", "Anne", "Chloe"]


def test_least_open_gives_the_ticket_to_the_agent_with_the_fewest_open_tickets(team):
    group, (anne, bruno, chloe) = team
    for agent, count in ((anne, 2), (bruno, 0), (chloe, 1)):
        for _ in range(count):
            services.ticket_assign(ticket=make_ticket(), actor=agent, assignee=agent)
    closed = make_ticket()
    services.ticket_assign(ticket=closed, actor=bruno, assignee=bruno)
    services.ticket_close(ticket=closed, actor=bruno)  # closed tickets are no load
    assignment(group, AssignmentMode.LEAST_OPEN)
    rule("All", group)
    away(chloe)

    tickets = [make_ticket() for _ in range(4)]

    # Bruno (0) twice to catch up with Anne (2), then they alternate; Chloé is away.
    assert assignees(tickets) == ["Bruno", "Bruno", "Anne", "Bruno"]


def test_agents_at_their_cap_are_skipped_and_nobody_gets_the_ticket_when_all_are(team):
    group, (_anne, _bruno, chloe) = team
    assignment(group, AssignmentMode.ROUND_ROBIN, max_open_per_agent=1)
    DeskAgentProfile.objects.create(user=chloe, max_open_tickets=2)
    rule("All", group)

    tickets = [make_ticket() for _ in range(5)]

    assert assignees(tickets) == ["Anne", "Bruno", "Chloe", "Chloe", None]


def test_inactive_agents_and_groups_without_automatic_assignment_get_nothing(team):
    group, (anne, bruno, chloe) = team
    settings = assignment(group, AssignmentMode.NONE)
    rule("All", group)
    assert make_ticket().assignee is None

    settings.assignment = AssignmentMode.ROUND_ROBIN
    settings.save()
    for agent in (anne, bruno):
        agent.is_active = False
        agent.save()
    assert make_ticket().assignee == chloe


def test_an_assigned_new_ticket_stays_new_so_the_response_clock_keeps_running(team):
    group, agents = team
    assignment(group, AssignmentMode.ROUND_ROBIN)
    rule("All", group)

    ticket = make_ticket()

    assert ticket.assignee == agents[0]
    assert ticket.status == Status.objects.get(slug="new")
    assert ticket.sla.responded_at is None
    event = TicketEvent.objects.get(ticket=ticket, field="assignee")
    assert (event.actor, event.new_value, event.created_at) == (
        None,
        agents[0].email,
        ticket.created_at,
    )


def test_the_group_agents_hear_of_the_routed_ticket_and_the_customer_sees_the_agent(
    team, client, mailoutbox
):
    group, agents = team
    assignment(group, AssignmentMode.ROUND_ROBIN)
    rule("All", group)
    customer = CustomerFactory()

    ticket = make_ticket(customer, language="en")

    told = sorted(m.to[0] for m in mailoutbox)
    assert told == sorted([customer.email, *(a.email for a in agents)])
    client.force_login(customer)
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert "Anne Support" in page


def test_an_email_ticket_is_routed_like_the_others(team):
    group, agents = team
    assignment(group, AssignmentMode.ROUND_ROBIN)
    rule("Mail", group, channel=Channel.EMAIL)

    ticket = make_ticket(channel=Channel.EMAIL)

    assert (ticket.group, ticket.assignee) == (group, agents[0])


def test_a_supervisor_or_admin_in_the_group_takes_turns_too(team):
    group, _agents = team
    admin = AgentFactory(role="admin", first_name="Zoe")
    group.agents.add(admin)
    assignment(group, AssignmentMode.ROUND_ROBIN)
    rule("All", group)

    tickets = [make_ticket() for _ in range(4)]

    assert assignees(tickets) == ["Anne", "Bruno", "Chloe", "Zoe"]
