"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Playwright's sync API runs an event loop in the test thread, so Django's ORM,
called from the same thread to prepare data, must be told that this is safe.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import pytest
from playwright.sync_api import expect

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path("/tmp/shots")

# Fail fast: a page of this app answers in milliseconds on the live server.
expect.set_options(timeout=10_000)


def _chromium_missing_reason() -> str | None:
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return None
    return (
        f"{CHROMIUM} is missing: install Debian's chromium package "
        "(scripts/install-system-deps.sh) to run the browser tests"
    )


@pytest.fixture(scope="session", autouse=True)
def _require_chromium() -> None:
    reason = _chromium_missing_reason()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser_type_launch_args(_require_chromium: None) -> dict:
    return {"executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url() -> str | None:
    # Replaces pytest-playwright's fallback, a session fixture written as an
    # instance method that pytest 9 warns about. Pages use live_server.url.
    return None


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    # An English-speaking visitor: the browser sends Accept-Language: en-US.
    return {
        **browser_context_args,
        "locale": "en-US",
        "viewport": {"width": 1280, "height": 900},
    }


@pytest.fixture(scope="session", autouse=True)
def _serialized_rollback_under_playwright(playwright, django_db_setup, django_db_blocker) -> None:
    """Let ``serialized_rollback`` restore the migrations' reference data in these tests.

    Django keeps one connection per thread, but a different one per context
    once an event loop runs in the thread, and Playwright's sync API runs one.
    When the test database was created before Playwright started (other tests
    ran first), the connection these tests get has not kept the serialized copy
    of the database: ``serialized_rollback`` then silently restores nothing and
    every test after the first finds no statuses or ticket types. Non-transactional
    tests run before transactional ones, so the database still holds that data
    here.
    """
    from django.db import connections

    with django_db_blocker.unblock():
        connection = connections["default"]
        if not hasattr(connection, "_test_serialized_contents"):
            connection._test_serialized_contents = connection.creation.serialize_db_to_string()


@pytest.fixture
def page(page):
    page.set_default_timeout(10_000)
    return page


@pytest.fixture
def shot(page):
    """Save a full-page screenshot to /tmp/shots/<name>.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
