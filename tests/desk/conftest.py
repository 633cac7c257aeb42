import pytest

from tests.factories import AgentFactory, SupportGroupFactory


@pytest.fixture
def desk(client, agent):
    """A client logged in as an agent."""
    client.force_login(agent)
    return client


@pytest.fixture
def team(db):
    """A group of three agents, in id order: Anne, Bruno, Chloé."""
    group = SupportGroupFactory(name="Support")
    agents = [
        AgentFactory(first_name=name, last_name="Support", email=f"{name.lower()}@support.test")
        for name in ("Anne", "Bruno", "Chloe")
    ]
    group.agents.set(agents)
    return group, agents


@pytest.fixture
def other_client():
    """A second browser, for a customer or a colleague, next to the agent's."""
    from django.test import Client

    return Client()
