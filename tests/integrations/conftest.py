import pytest
from django.core.cache import cache

from tests.integrations.helpers import make_integration


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    # The entry page counts requests per address and minute in the cache.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def integration(db):
    return make_integration()
