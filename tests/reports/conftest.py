"""Fixtures of the surveys, exports and reports tests."""

from __future__ import annotations

import pytest

from comptoir.tickets import services
from comptoir.tickets.models import Category, Ticket
from tests import factories


@pytest.fixture
def supervisor(db):
    # The "supervisor" role is being added to accounts.Role; the code accepts it already.
    return factories.AgentFactory(
        email="sup@support.test", first_name="Sam", last_name="Supervisor", role="supervisor"
    )


@pytest.fixture
def admin_user(db):
    return factories.AgentFactory(email="boss@support.test", first_name="Alex", role="admin")


def resolve(ticket: Ticket, agent) -> Ticket:
    return services.ticket_change_status(
        ticket=ticket, actor=agent, status=services.status_for_category(Category.RESOLVED)
    )


def reopen(ticket: Ticket, agent) -> Ticket:
    return services.ticket_change_status(
        ticket=ticket, actor=agent, status=services.status_for_category(Category.OPEN)
    )
