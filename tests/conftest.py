import pytest

from tests.factories import AgentFactory, CustomerFactory


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (queue counts, reference data)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def customer(db):
    return CustomerFactory(email="claire@example.test", first_name="Claire")


@pytest.fixture
def other_customer(db):
    return CustomerFactory(email="bob@example.test", first_name="Bob")


@pytest.fixture
def agent(db):
    return AgentFactory(email="agent@support.test", first_name="Sophie", last_name="Agent")
