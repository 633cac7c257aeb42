"""The settings module read from the environment, as each deployment sets it.

Each case starts a fresh interpreter with the variables set, the way a web node
starts, and prints what Django ends up with.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from django.core.cache import caches
from django.test import override_settings
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379

# Variables of this environment that would change what a case sees.
OURS = (
    "REDIS_URL",
    "COMPTOIR_BEHIND_PROXY",
    "COMPTOIR_PROXY_COUNT",
    "COMPTOIR_S3_BUCKET",
    "COMPTOIR_S3_ENDPOINT_URL",
    "COMPTOIR_S3_REGION",
    "COMPTOIR_S3_ACCESS_KEY_ID",
    "COMPTOIR_S3_SECRET_ACCESS_KEY",
    "COMPTOIR_S3_PREFIX",
    "COMPTOIR_CACHE_PREFIX",
    "DJANGO_SETTINGS_MODULE",
)

REPORT = textwrap.dedent(
    """
    import json, django
    django.setup()
    from django.conf import settings
    from django.test import RequestFactory
    from allauth.account.adapter import get_adapter
    from rest_framework.throttling import BaseThrottle

    request = RequestFactory().get(
        "/",
        REMOTE_ADDR="10.0.0.2",
        HTTP_HOST="127.0.0.1",
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_X_FORWARDED_HOST="support.example.com",
        HTTP_X_FORWARDED_FOR="203.0.113.7, 10.0.0.1",
    )
    settings.ALLOWED_HOSTS = ["127.0.0.1", "support.example.com"]
    storage = settings.STORAGES["default"]
    print(json.dumps({
        "cache": settings.CACHES["default"],
        "session_engine": settings.SESSION_ENGINE,
        "storage_backend": storage["BACKEND"],
        "storage_options": storage.get("OPTIONS", {}),
        "secure": request.is_secure(),
        "host": request.get_host(),
        "login_rate_limit_ip": get_adapter().get_client_ip(request),
        "api_rate_limit_ip": BaseThrottle().get_ident(request),
    }))
    """
)


def settings_with(tmp_path: Path, code: str = REPORT, **env: str) -> dict:
    """What ``comptoir.settings`` gives with ``env`` set (nothing else of ours)."""
    clean = {k: v for k, v in os.environ.items() if k not in OURS}
    clean.update(
        DJANGO_SETTINGS_MODULE="comptoir.settings",
        COMPTOIR_VAR_DIR=str(tmp_path),
        SECRET_KEY="settings-test",
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        **env,
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=clean,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def redis_reachable() -> bool:
    try:
        socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.fixture
def redis_url() -> str:
    """A Redis database for these tests; missing Redis skips them, except in CI."""
    if not redis_reachable():
        message = f"Redis is not reachable on {REDIS_HOST}:{REDIS_PORT}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI needs it for the Redis cache tests.")
        pytest.skip(f"{message}: start it to test the shared cache and sessions.")
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/15"


# -- one machine: the defaults --------------------------------------------------------


def test_one_machine_keeps_a_process_cache_database_sessions_and_local_files(tmp_path):
    found = settings_with(tmp_path)

    assert found["cache"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert found["session_engine"] == "django.contrib.sessions.backends.db"
    assert found["storage_backend"] == "django.core.files.storage.FileSystemStorage"


def test_without_a_proxy_forwarded_headers_are_not_believed(tmp_path):
    found = settings_with(tmp_path)

    assert found["secure"] is False
    assert found["host"] == "127.0.0.1"
    # A client cannot pick the address its rate limits count against.
    assert found["login_rate_limit_ip"] == "10.0.0.2"
    assert found["api_rate_limit_ip"] == "10.0.0.2"


# -- several machines -----------------------------------------------------------------


def test_redis_url_puts_the_cache_and_sessions_in_redis(tmp_path):
    found = settings_with(tmp_path, REDIS_URL="redis://cache.internal:6379/1")

    assert found["cache"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert found["cache"]["LOCATION"] == "redis://cache.internal:6379/1"
    assert found["session_engine"] == "django.contrib.sessions.backends.cached_db"


def test_behind_a_proxy_the_forwarded_scheme_host_and_address_are_used(tmp_path):
    found = settings_with(tmp_path, COMPTOIR_BEHIND_PROXY="1")

    assert found["secure"] is True
    assert found["host"] == "support.example.com"
    # The address our proxy saw, not what the client put before it.
    assert found["login_rate_limit_ip"] == "10.0.0.1"
    assert found["api_rate_limit_ip"] == "10.0.0.1"


def test_two_proxies_of_ours_count_the_address_the_first_one_saw(tmp_path):
    found = settings_with(tmp_path, COMPTOIR_BEHIND_PROXY="1", COMPTOIR_PROXY_COUNT="2")

    assert found["login_rate_limit_ip"] == "203.0.113.7"
    assert found["api_rate_limit_ip"] == "203.0.113.7"


def test_an_s3_bucket_stores_files_there_privately(tmp_path):
    found = settings_with(
        tmp_path,
        COMPTOIR_S3_BUCKET="comptoir-files",
        COMPTOIR_S3_ENDPOINT_URL="https://s3.example.net",
        COMPTOIR_S3_REGION="fr-par",
        COMPTOIR_S3_ACCESS_KEY_ID="key-id",
        COMPTOIR_S3_SECRET_ACCESS_KEY="secret",
    )

    assert found["storage_backend"] == "storages.backends.s3.S3Storage"
    options = found["storage_options"]
    assert options["bucket_name"] == "comptoir-files"
    assert options["endpoint_url"] == "https://s3.example.net"
    assert options["region_name"] == "fr-par"
    assert options["access_key"] == "key-id"
    assert options["default_acl"] == "private"


def test_the_s3_storage_loads_with_those_settings(tmp_path):
    code = textwrap.dedent(
        """
        import json, django
        django.setup()
        from django.core.files.storage import default_storage
        bucket, endpoint = default_storage.bucket_name, default_storage.endpoint_url
        kind = type(default_storage._wrapped).__name__
        print(json.dumps({"class": kind, "bucket": bucket, "endpoint": endpoint}))
        """
    )
    found = settings_with(
        tmp_path,
        code,
        COMPTOIR_S3_BUCKET="comptoir-files",
        COMPTOIR_S3_ENDPOINT_URL="https://s3.example.net",
    )

    assert found == {
        "class": "S3Storage",
        "bucket": "comptoir-files",
        "endpoint": "https://s3.example.net",
    }


def test_the_redis_cache_round_trips_a_value(tmp_path, redis_url):
    key = f"settings-test-{uuid.uuid4().hex}"
    code = textwrap.dedent(
        f"""
        import json, django
        django.setup()
        from django.core.cache import cache
        cache.set("{key}", {{"tickets": [1, 2]}}, 30)
        got = cache.get("{key}")
        cache.delete("{key}")
        print(json.dumps({{"got": got, "after_delete": cache.get("{key}")}}))
        """
    )

    found = settings_with(tmp_path, code, REDIS_URL=redis_url)

    assert found == {"got": {"tickets": [1, 2]}, "after_delete": None}


def test_a_logged_in_customer_is_served_from_a_session_kept_in_redis(client, customer, redis_url):
    prefix = f"comptoir-test-{uuid.uuid4().hex}"
    redis_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": prefix,
        }
    }
    with override_settings(
        CACHES=redis_cache, SESSION_ENGINE="django.contrib.sessions.backends.cached_db"
    ):
        client.force_login(customer)
        session_key = client.cookies["sessionid"].value
        try:
            response = client.get(reverse("portal:home"))

            assert response.status_code == 200
            assert "Claire" in response.text
            assert caches["default"].get(f"django.contrib.sessions.cached_db{session_key}")
        finally:
            caches["default"].delete(f"django.contrib.sessions.cached_db{session_key}")


def test_templates_are_compiled_once_per_process_when_debug_is_off(tmp_path):
    code = textwrap.dedent(
        """
        import json, django
        django.setup()
        from django.template import engines
        loaders = engines["django"].engine.template_loaders
        print(json.dumps([type(loader).__module__ for loader in loaders]))
        """
    )

    assert settings_with(tmp_path, code, DEBUG="0") == ["django.template.loaders.cached"]
