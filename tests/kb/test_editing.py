"""Agents write articles: sanitised on save, images stored and served, search kept in step."""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from comptoir.kb import services
from comptoir.kb.models import Article, ArticleStatus, KbFile
from comptoir.search.services import search
from tests.factories import PASSWORD
from tests.kb.helpers import category, make_article
from tests.portal.helpers import PNG

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(email=user.email, password=PASSWORD)


def test_content_is_sanitised_on_save(agent):
    article = make_article(
        "Sécurité",
        '<h1>Titre</h1><p onclick="x()">Texte<script>alert(1)</script></p>'
        '<img src="https://tracker.example/pixel.gif"><a href="javascript:alert(1)">lien</a>',
        author=agent,
    )
    html = article.translations.get().body_html
    assert "<script" not in html and "onclick" not in html and "javascript:" not in html
    assert "tracker.example" not in html
    assert "<h2>Titre</h2>" in html


def test_customers_cannot_write_articles(customer):
    with pytest.raises(PermissionDenied):
        services.article_create(
            author=customer, category=category(), language="fr", title="x", body_html="<p>x</p>"
        )


def test_editor_pages_are_for_agents_only(client, customer):
    login(client, customer)
    assert client.get(reverse("kb:manage")).status_code == 404
    assert client.get(reverse("kb:article_new")).status_code == 404
    assert client.post(reverse("kb:upload")).status_code == 404


def test_agent_writes_publishes_and_translates_an_article(client, agent, customer):
    login(client, agent)
    response = client.post(
        reverse("kb:article_new"),
        {
            "language": "fr",
            "title": "Clôturer un exercice",
            "summary": "Fin d'année.",
            "body": "<h2>Étapes</h2><p>Menu Comptabilité.</p>",
            "category": category("billing").pk,
            "status": ArticleStatus.DRAFT,
            "visibility": "customers",
            "default_language": "fr",
        },
    )
    article = Article.objects.get()
    assert response.status_code == 302
    assert search(user=customer, query="clôturer") == []  # still a draft
    client.post(
        reverse("kb:article_edit", kwargs={"pk": article.pk}) + "?lang=en",
        {
            "meta-category": category("billing").pk,
            "meta-status": ArticleStatus.PUBLISHED,
            "meta-visibility": "customers",
            "meta-default_language": "fr",
            "meta-slug": article.slug,
            "text-title": "Closing a financial year",
            "text-body": "<p>Accounting menu.</p>",
        },
    )
    article.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED and article.published_at is not None
    assert sorted(article.translations.values_list("language", flat=True)) == ["en", "fr"]
    assert [h.obj for h in search(user=customer, query="clôturer")] == [article]
    assert [h.obj for h in search(user=customer, query="financial year")] == [article]


def test_pasted_image_is_uploaded_then_belongs_to_the_article(client, agent):
    login(client, agent)
    answer = client.post(
        reverse("kb:upload"),
        {"file": SimpleUploadedFile("capture.png", PNG, content_type="image/png")},
    )
    url = json.loads(answer.content)["url"]
    assert client.get(url).status_code == 200
    article = make_article(
        "Avec image", f'<p>Voici :</p><p><img src="{url}" alt="x"></p>', author=agent
    )
    assert f'src="{url}"' in article.translations.get().body_html
    assert KbFile.objects.get().article == article


def test_upload_refuses_what_is_not_an_image(client, agent):
    login(client, agent)
    answer = client.post(
        reverse("kb:upload"),
        {"file": SimpleUploadedFile("page.png", b"<html>hello</html>", content_type="image/png")},
    )
    assert answer.status_code == 400 and not KbFile.objects.exists()


def test_edit_page_offers_the_rich_editor_and_image_upload(client, agent):
    article = make_article(author=agent)
    login(client, agent)
    text = client.get(reverse("kb:article_edit", kwargs={"pk": article.pk})).content.decode()
    assert 'data-kb-editor="1"' in text
    assert ('type="file"' in text and "Insert an image" in text) or "Insérer une image" in text


def test_views_are_counted_with_one_update():
    article = make_article()
    services.article_record_view(article=article)
    services.article_record_view(article=article)
    article.refresh_from_db()
    assert article.view_count == 2


def test_reserved_addresses_are_not_given_to_articles(agent):
    article = make_article("Manage", author=agent)
    assert article.slug == "manage-article"
