"""Files, the knowledge base, the directory and search through the API."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from comptoir.api.models import IdempotencyKey
from comptoir.kb import services as kb_services
from comptoir.kb.models import Article, ArticleStatus, KbCategory, Visibility
from comptoir.tickets import services
from comptoir.tickets.models import Attachment
from tests.factories import SupportGroupFactory, make_ticket

pytestmark = pytest.mark.django_db


def upload(client: APIClient, name: str = "log.txt", content: bytes = b"error 42\n", **extra):
    return client.post(
        "/api/v1/attachments/",
        {"file": SimpleUploadedFile(name, content)},
        format="multipart",
        **extra,
    )


def test_upload_then_attach_to_a_reply_then_download(customer, customer_api):
    ticket = make_ticket(customer)
    uploaded = upload(customer_api)
    assert uploaded.status_code == 201
    key = uploaded.json()["key"]
    reply = customer_api.post(
        f"/api/v1/tickets/{ticket.number}/reply/",
        {"body": "Here is the log", "attachments": [key]},
        format="json",
    )
    assert reply.status_code == 201
    assert [a["filename"] for a in reply.json()["message"]["attachments"]] == ["log.txt"]
    download = customer_api.get(f"/api/v1/attachments/{key}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"error 42\n"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in download["Content-Disposition"]
    # A file can be put on one message only.
    again = customer_api.post(
        f"/api/v1/tickets/{ticket.number}/reply/",
        {"body": "again", "attachments": [key]},
        format="json",
    )
    assert again.status_code == 400


def test_an_upload_retried_with_its_key_is_stored_once(customer_api):
    first = upload(customer_api, HTTP_IDEMPOTENCY_KEY="file-1")
    again = upload(customer_api, HTTP_IDEMPOTENCY_KEY="file-1")
    assert first.json()["key"] == again.json()["key"]
    assert Attachment.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1


def test_empty_files_are_refused(customer_api):
    response = upload(customer_api, content=b"")
    assert response.status_code == 400
    assert "empty" in response.json()["error"]["message"]


def test_nobody_downloads_what_they_may_not_see(customer, other_customer, agent, other_api):
    ticket = make_ticket(customer)
    stored = Attachment.objects.create(
        ticket=ticket,
        uploaded_by=customer,
        filename="x.txt",
        content_type="text/plain",
        size=1,
        sha256="0" * 64,
        file=SimpleUploadedFile("x.txt", b"x"),
    )
    assert other_api.get(f"/api/v1/attachments/{stored.key}/download/").status_code == 404
    assert other_api.get(f"/api/v1/attachments/{stored.key}/").status_code == 404
    assert other_api.get("/api/v1/attachments/not-a-key/").status_code == 404


def test_customers_cannot_use_someone_elses_draft(
    customer, other_customer, customer_api, other_api
):
    ticket = make_ticket(customer)
    key = upload(other_api).json()["key"]
    response = customer_api.post(
        f"/api/v1/tickets/{ticket.number}/reply/",
        {"body": "x", "attachments": [key]},
        format="json",
    )
    assert response.status_code == 400
    assert "attachments" in response.json()["error"]["fields"]


def _article(author, *, slug: str, visibility: str, status: str = ArticleStatus.PUBLISHED):
    return kb_services.article_create(
        author=author,
        category=KbCategory.objects.first(),
        language="en",
        title=slug.replace("-", " ").title(),
        body_html="<p>Steps</p>",
        status=status,
        visibility=visibility,
        slug=slug,
    )


def test_kb_reading_follows_visible_articles(agent, customer_api, agent_api):
    _article(agent, slug="public-guide", visibility=Visibility.PUBLIC)
    _article(agent, slug="customer-guide", visibility=Visibility.CUSTOMERS)
    _article(agent, slug="agent-notes", visibility=Visibility.AGENTS)
    _article(agent, slug="draft-guide", visibility=Visibility.PUBLIC, status=ArticleStatus.DRAFT)

    def slugs(client: APIClient) -> set[str]:
        return {a["slug"] for a in client.get("/api/v1/kb/articles/").json()["results"]}

    assert slugs(APIClient()) == {"public-guide"}
    assert slugs(customer_api) == {"public-guide", "customer-guide"}
    assert slugs(agent_api) == {"public-guide", "customer-guide", "agent-notes", "draft-guide"}
    assert customer_api.get("/api/v1/kb/articles/agent-notes/").status_code == 404
    article = customer_api.get("/api/v1/kb/articles/customer-guide/").json()
    assert article["title"] == "Customer Guide"
    assert article["translations"][0]["body_html"] == "<p>Steps</p>"
    categories = APIClient().get("/api/v1/kb/categories/").json()
    assert len(categories) == KbCategory.objects.filter(active=True).count()


def test_agents_write_articles_and_customers_cannot(customer_api, agent_api):
    category = KbCategory.objects.first()
    payload = {
        "category": category.slug,
        "language": "fr",
        "title": "Exporter les factures",
        "body": "<p>Menu Export <script>alert(1)</script></p>",
        "status": "published",
    }
    assert customer_api.post("/api/v1/kb/articles/", payload, format="json").status_code == 403
    created = agent_api.post("/api/v1/kb/articles/", payload, format="json")
    assert created.status_code == 201, created.json()
    slug = created.json()["slug"]
    assert "<script>" not in created.json()["translations"][0]["body_html"]
    english = agent_api.put(
        f"/api/v1/kb/articles/{slug}/translations/en/",
        {"title": "Export invoices", "body": "<p>Export menu</p>"},
        format="json",
    )
    assert english.status_code == 200
    changed = agent_api.patch(
        f"/api/v1/kb/articles/{slug}/", {"visibility": "agents"}, format="json"
    )
    assert changed.json()["visibility"] == "agents"
    assert Article.objects.get(slug=slug).translations.count() == 2
    assert customer_api.get(f"/api/v1/kb/articles/{slug}/").status_code == 404


def test_directory_is_for_agents_and_customers_see_their_organisations(
    customer, other_customer, agent, customer_api, agent_api
):
    group = SupportGroupFactory(name="Level 1")
    group.agents.add(agent)
    assert customer_api.get("/api/v1/contacts/").status_code == 403
    assert customer_api.get("/api/v1/groups/").status_code == 403
    assert customer_api.get("/api/v1/agents/").status_code == 403
    mine = customer_api.get("/api/v1/organisations/").json()["results"]
    assert [o["id"] for o in mine] == [customer.organisations.get().pk]
    contacts = agent_api.get("/api/v1/contacts/?q=claire").json()["results"]
    assert [c["email"] for c in contacts] == [customer.email]
    groups = agent_api.get("/api/v1/groups/").json()["results"]
    assert groups[0]["agents"] == [{"id": agent.pk, "name": agent.display_name}]
    assert agent_api.get(f"/api/v1/contacts/{other_customer.pk}/").json()["email"] == (
        other_customer.email
    )
    me = customer_api.get("/api/v1/me/").json()
    assert me["is_agent"] is False and me["role"] == "customer"


def test_search_returns_only_what_the_caller_may_see(customer, other_customer, agent, customer_api):
    mine = make_ticket(customer, subject="Imprimante bloquée")
    make_ticket(other_customer, subject="Imprimante en panne")
    services.ticket_reply(ticket=mine, author=agent, body_html="<p>imprimante</p>", internal=True)
    _article(agent, slug="imprimante-agents", visibility=Visibility.AGENTS)
    _article(agent, slug="imprimante-guide", visibility=Visibility.PUBLIC)
    hits = customer_api.get("/api/v1/search/?q=imprimante").json()["results"]
    assert {(h["kind"], h["reference"]) for h in hits} == {
        ("ticket", str(mine.number)),
        ("article", "imprimante-guide"),
    }
    anonymous = APIClient().get("/api/v1/search/?q=imprimante&kind=ticket").json()["results"]
    assert anonymous == []
