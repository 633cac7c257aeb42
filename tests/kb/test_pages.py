"""The knowledge base as readers use it: pages, search box, PDF, votes, files."""

import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from comptoir.kb.models import Article, ArticleStatus, KbCategory, Visibility
from comptoir.kb.queries import visible_articles
from tests.factories import PASSWORD
from tests.kb.helpers import make_article

pytestmark = pytest.mark.django_db

GUIDE = (
    "<h1>Avant de commencer</h1><p>Vérifiez vos droits.</p>"
    "<h2>Créer l'export</h2><p>Menu Éditions.</p>"
    "<h3>Choisir les colonnes</h3><p>Cochez les colonnes.</p>"
    "<table><tr><th>Colonne</th><td>Nom</td></tr></table><pre><code>SELECT 1;</code></pre>"
)


def login(client, user):
    assert client.login(email=user.email, password=PASSWORD)


def test_six_default_categories_with_labels_icons_and_descriptions():
    categories = list(KbCategory.objects.all())
    assert len(categories) == 6
    for category in categories:
        assert category.icon and category.label_fr and category.label_en and category.label_es
        assert category.description_fr and category.description_en and category.description_es


def test_home_lists_categories_and_counts_only_what_the_reader_may_see(client, customer):
    make_article("Public", visibility=Visibility.PUBLIC, cat="billing")
    make_article("Interne", visibility=Visibility.AGENTS, cat="billing")
    login(client, customer)
    page = client.get(reverse("kb:home"), HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Billing and payments" in text and "1 article" in text
    assert "Public" in text and "Interne" not in text


def test_visibility_is_one_function_for_visitors_customers_and_agents(customer, agent):
    public = make_article("A", visibility=Visibility.PUBLIC)
    customers = make_article("B", visibility=Visibility.CUSTOMERS)
    internal = make_article("C", visibility=Visibility.AGENTS)
    draft = make_article("D", status=ArticleStatus.DRAFT)
    archived = make_article("E", status=ArticleStatus.ARCHIVED)
    assert set(visible_articles(AnonymousUser())) == {public}
    assert set(visible_articles(customer)) == {public, customers}
    assert set(visible_articles(agent)) == {public, customers, internal, draft, archived}


def test_article_page_has_a_table_of_contents_with_anchors(client):
    article = make_article("Exporter les dossiers", GUIDE)
    page = client.get(reverse("kb:article", kwargs={"slug": article.slug}))
    text = page.content.decode()
    assert page.status_code == 200
    assert '<h2 id="section-avant-de-commencer">' in text
    assert 'href="#section-creer-lexport"' in text
    assert 'href="#section-choisir-les-colonnes"' in text
    assert "<table>" in text and "<pre><code>" in text


def test_internal_article_is_not_found_for_customers(client, customer, agent):
    article = make_article("Procédure interne", visibility=Visibility.AGENTS)
    url = reverse("kb:article", kwargs={"slug": article.slug})
    assert client.get(url).status_code == 404
    login(client, customer)
    assert client.get(url).status_code == 404
    assert client.get(reverse("kb:article_pdf", kwargs={"slug": article.slug})).status_code == 404
    login(client, agent)
    assert client.get(url).status_code == 200


def test_each_reading_counts_one_view(client):
    article = make_article()
    url = reverse("kb:article", kwargs={"slug": article.slug})
    client.get(url)
    client.get(url)
    article.refresh_from_db()
    assert article.view_count == 2


def test_reader_gets_their_language_then_the_default_one(client):
    article = make_article(
        "Exporter les dossiers",
        translations={"en": ("Export records", "<p>Export.</p>")},
    )
    url = reverse("kb:article", kwargs={"slug": article.slug})
    assert "Export records" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Exporter les dossiers" in client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    # No Spanish text: the default language (French) is shown.
    assert "Exporter les dossiers" in client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert (
        "Exporter les dossiers"
        in client.get(url + "?lang=fr", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )


def test_pdf_is_a_real_pdf_with_the_title_and_headings(client):
    article = make_article("Exporter les dossiers", GUIDE)
    response = client.get(reverse("kb:article_pdf", kwargs={"slug": article.slug}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Exporter les dossiers" in text
    assert "Choisir les colonnes" in text


def test_helpful_vote_counts_once_per_user(client, customer):
    article = make_article()
    login(client, customer)
    url = reverse("kb:article_vote", kwargs={"slug": article.slug})
    client.post(url, {"helpful": "yes"})
    client.post(url, {"helpful": "no"})
    article.refresh_from_db()
    assert (article.helpful_yes, article.helpful_no) == (1, 0)
    page = client.get(
        reverse("kb:article", kwargs={"slug": article.slug}), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Thank you for your feedback." in page.content.decode()


def test_helpful_vote_counts_once_per_visitor_session(client):
    article = make_article()
    url = reverse("kb:article_vote", kwargs={"slug": article.slug})
    client.post(url, {"helpful": "no"})
    client.post(url, {"helpful": "no"})
    article.refresh_from_db()
    assert (article.helpful_yes, article.helpful_no) == (0, 1)


def test_suggestions_ask_for_three_letters_then_list_articles(client):
    make_article("Gérer les équipes")
    url = reverse("kb:suggest")
    short = client.get(url, {"q": "éq"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Type at least 3 letters" in short and 'role="option"' not in short
    found = client.get(url, {"q": "equ"}).content.decode()
    assert 'role="option"' in found and "Gérer les" in found


def test_home_search_box_is_an_accessible_combobox(client):
    text = client.get(reverse("kb:home")).content.decode()
    assert 'role="combobox"' in text and 'aria-controls="kb-suggestions"' in text
    assert 'role="listbox"' in text and 'aria-expanded="false"' in text


def test_category_page_runs_a_constant_number_of_queries(client):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("kb:category", kwargs={"slug": "billing"})).status_code == 200
        return len(queries)

    make_article("Un", cat="billing", translations={"en": ("One", "<p>1</p>")})
    few = count()
    for n in range(6):
        make_article(f"Article {n}", cat="billing", translations={"en": (f"A {n}", "<p>x</p>")})
    assert count() == few


def test_search_results_page_of_the_knowledge_base(client):
    make_article("Imprimer un contrat", "<p>Menu Éditions puis Contrats.</p>")
    text = client.get(reverse("kb:home"), {"q": "contrats"}).content.decode()
    assert "<mark>" in text and "Imprimer un contrat" in text.replace("<mark>", "").replace(
        "</mark>", ""
    )


def test_file_of_an_internal_article_is_hidden_from_customers(client, customer, agent):
    from django.core.files.base import ContentFile

    from comptoir.kb import services
    from tests.portal.helpers import PNG

    article = make_article("Interne", visibility=Visibility.AGENTS, author=agent)
    stored = services.kb_file_store(
        file=ContentFile(PNG), filename="shot.png", user=agent, article=article, image=True
    )
    url = reverse("kb:file", kwargs={"key": stored.key})
    login(client, customer)
    assert client.get(url).status_code == 404
    login(client, agent)
    response = client.get(url)
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"


def test_archived_article_is_gone_for_customers_but_readable_by_agents(client, customer, agent):
    article = make_article("Ancienne procédure", status=ArticleStatus.ARCHIVED)
    url = reverse("kb:article", kwargs={"slug": article.slug})
    login(client, customer)
    assert client.get(url).status_code == 404
    login(client, agent)
    assert client.get(url).status_code == 200
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.ARCHIVED
