"""Fixtures of the API tests: clients that call the API as a given person, with
a personal token (as programs do) or with the browser session."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from comptoir.accounts.models import Role
from comptoir.api.tokens import api_token_create
from tests.factories import AgentFactory, UserFactory


def client_for(user) -> APIClient:
    client = APIClient()
    new = api_token_create(user=user, name="tests")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {new.plain}")
    return client


@pytest.fixture
def as_user() -> Callable[[object], APIClient]:
    return client_for


@pytest.fixture
def customer_api(customer) -> APIClient:
    return client_for(customer)


@pytest.fixture
def other_api(other_customer) -> APIClient:
    return client_for(other_customer)


@pytest.fixture
def agent_api(agent) -> APIClient:
    return client_for(agent)


@pytest.fixture
def admin_user(db):
    return UserFactory(
        email="admin@support.test", role=Role.ADMIN, is_staff=True, is_superuser=True
    )


@pytest.fixture
def second_agent(db):
    return AgentFactory(email="marc@support.test", first_name="Marc")
