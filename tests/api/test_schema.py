"""The OpenAPI description and its documentation pages, served without any
outside address; and schemathesis over every operation of the schema: no
server error, no status code, content type or body the schema does not
describe.

The schemathesis run is bounded (``MAX_EXAMPLES`` per operation and mode) to
keep the whole file well under a minute.
"""

from __future__ import annotations

import json
import re

import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient
from schemathesis import GenerationMode

from comptoir.api.tokens import api_token_create
from comptoir.kb import services as kb_services
from comptoir.kb.models import ArticleStatus, KbCategory, Visibility
from comptoir.tickets import services
from comptoir.tickets.attachments import attachment_store
from comptoir.wsgi import application
from tests.factories import AgentFactory, CustomerFactory, SupportGroupFactory, make_ticket

MAX_EXAMPLES = 15


def test_schema_is_openapi_3_and_lists_every_resource(db):
    response = APIClient().get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    assert {
        "/api/v1/tickets/",
        "/api/v1/tickets/{number}/reply/",
        "/api/v1/tickets/{number}/messages/",
        "/api/v1/attachments/{key}/download/",
        "/api/v1/kb/articles/",
        "/api/v1/search/",
        "/api/v1/contacts/",
    } <= paths
    # Every operation documents the error format.
    for operations in schema["paths"].values():
        for operation in operations.values():
            assert "404" in operation["responses"]
            assert "429" in operation["responses"]


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_documentation_pages_load_their_assets_from_our_own_static_files(db, url):
    page = APIClient().get(url).content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    scripts = [s for s in sources if s.endswith(".js")]
    assert scripts, "the page loads its viewer"
    for source in sources:
        assert not source.startswith(("http://", "https://", "//")), source
    for script in scripts:
        assert finders.find(script.removeprefix("/static/")), script


# -- schemathesis -------------------------------------------------------------------


def _load_schema() -> schemathesis.BaseSchema:
    # Generated in-process (no server, no database): the same document /api/schema/ serves.
    document = SchemaGenerator().get_schema(request=None, public=True)
    # Valid and invalid inputs; the "coverage" phase (every boundary of every
    # parameter, about ten times the requests) is off to keep the run short.
    config = schemathesis.Config.from_dict(
        {"generation": {"mode": "all"}, "phases": {"coverage": {"enabled": False}}}
    )
    return schemathesis.openapi.from_dict(_jsonable(document), config=config)


def _jsonable(document: dict) -> dict:
    return json.loads(JSONRenderer().render(document))


schema = _load_schema()


@pytest.fixture
def world(db):
    """A small helpdesk: a customer's ticket with a file, an agent, a group, an article."""
    cache.clear()
    customer = CustomerFactory(email="claire@example.test")
    agent = AgentFactory(email="agent@support.test")
    group = SupportGroupFactory(name="Level 1")
    group.agents.add(agent)
    ticket = make_ticket(customer)
    services.ticket_reply(ticket=ticket, author=agent, body_html="<p>Note</p>", internal=True)
    stored = attachment_store(file=ContentFile(b"hello"), filename="a.txt", user=agent)
    article = kb_services.article_create(
        author=agent,
        category=KbCategory.objects.first(),
        language="en",
        title="Export guide",
        body_html="<p>Steps</p>",
        status=ArticleStatus.PUBLISHED,
        visibility=Visibility.PUBLIC,
    )
    token = api_token_create(user=agent, name="schemathesis").plain
    return {
        "headers": {"Authorization": f"Bearer {token}"},
        "known": {
            "number": ticket.number,
            "key": str(stored.key),
            "slug": article.slug,
            "id": customer.pk,
        },
        "references": {
            "type": "help",
            "priority": "normal",
            "category": article.category.slug,
            "assignee": agent.pk,
            "requester": customer.pk,
            "organisation": customer.organisations.get().pk,
            "group": group.pk,
            "products": [],
            "themes": [],
            "ticket_types": [],
            "related": [],
            "attachments": [],
            "custom_fields": {},
        },
        "ticket_status": "resolved",
    }


def _half(value: object) -> bool:
    return sum(map(ord, repr(value))) % 2 == 0


def _point_at_real_objects(case, world: dict) -> None:
    """About half of the generated path values, and of the references in valid
    bodies, are swapped for objects that exist: operations then run on real
    data too, not only into 404s and unknown codes."""
    for name, value in list((case.path_parameters or {}).items()):
        if name in world["known"] and _half(value):
            case.path_parameters[name] = world["known"][name]
    meta = getattr(case, "_meta", None)
    positive = meta is not None and meta.generation.mode == GenerationMode.POSITIVE
    if positive and isinstance(case.body, dict) and _half(case.body):
        body = dict(case.body)
        for name, value in world["references"].items():
            if name in body:
                body[name] = value
        if "status" in body and "/tickets/" in case.path:
            body["status"] = world["ticket_status"]
        case.body = body


@pytest.fixture
def _keep_test_connection():
    """Requests go through the real WSGI handler, whose request signals would
    close the test's database connection (in its transaction) as after any
    request; Django's own test client disconnects them the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def _lenient_throttle(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": "100000/min"},
    }


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
@pytest.mark.django_db
def test_every_operation_keeps_to_the_schema(case, world, _lenient_throttle, _keep_test_connection):
    _point_at_real_objects(case, world)
    case.call_and_validate(
        app=application,
        headers=world["headers"],
        checks=[
            schemathesis.checks.not_a_server_error,
            schemathesis.specs.openapi.checks.status_code_conformance,
            schemathesis.specs.openapi.checks.content_type_conformance,
            schemathesis.specs.openapi.checks.response_schema_conformance,
        ],
    )
