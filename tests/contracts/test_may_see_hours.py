"""The portal home's "hours" link: who may see it, and at most one query per user
every few seconds."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comptoir.accounts.models import Membership
from comptoir.contracts.queries import may_see_hours
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_only_managers_may_see_hours(manager, member, agent):
    assert may_see_hours(manager) is True
    assert may_see_hours(member) is False
    assert may_see_hours(CustomerFactory(email="alone@example.test")) is False


def test_the_answer_follows_the_rights_at_once_without_a_cache(manager, org):
    Membership.objects.filter(user=manager, organisation=org).update(is_manager=False)

    assert may_see_hours(manager) is False


def test_remembered_per_user_for_the_configuration_delay(settings, manager, member):
    from django.core.cache import cache

    settings.COMPTOIR_CONFIG_CACHE_SECONDS = 5
    cache.clear()
    try:
        assert may_see_hours(manager) is True
        assert may_see_hours(member) is False
        with CaptureQueriesContext(connection) as queries:
            assert may_see_hours(manager) is True
            assert may_see_hours(member) is False
        assert len(queries) == 0
    finally:
        cache.clear()
