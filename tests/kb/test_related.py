"""Related articles and duplicate hints on the new-ticket form (seeds 000 and 001)."""

import pytest
from django.urls import reverse

from comptoir.kb.models import Visibility
from comptoir.tickets.models import Category
from tests.factories import PASSWORD, CustomerFactory, ProductFactory, make_ticket, ticket_type
from tests.kb.helpers import make_article

pytestmark = pytest.mark.django_db


def related(client, **params):
    return client.get(reverse("kb:related"), params, HTTP_ACCEPT_LANGUAGE="en").content.decode()


@pytest.fixture
def logged(client, customer):
    assert client.login(email=customer.email, password=PASSWORD)
    return client


def test_articles_follow_the_subject(logged):
    make_article("Lancer un train de facturation", "<p>Factures du mois.</p>")
    make_article("Saisir les pointages", "<p>Arrivées et départs.</p>")
    first = related(logged, subject="Impossible de lancer la facturation")
    assert "Lancer un train de facturation" in first and "Saisir les pointages" not in first
    second = related(logged, subject="Pointages manquants pour mars")
    assert "Saisir les pointages" in second and "train de facturation" not in second


def test_at_most_five_articles_each_opening_in_a_new_tab(logged):
    for n in range(7):
        make_article(f"Export numéro {n}", "<p>Exporter une liste.</p>")
    html = related(logged, subject="export de liste")
    assert html.count('target="_blank"') == 5
    assert 'rel="noopener"' in html


def test_products_alone_suggest_tagged_articles(logged):
    product = ProductFactory(name="Paie")
    make_article("Bulletins de salaire", products=[product])
    make_article("Autre sujet")
    html = related(logged, products=[product.pk])
    assert "Bulletins de salaire" in html and "Autre sujet" not in html


def test_type_moves_tagged_articles_up(logged):
    make_article("Erreur à l'export", "<p>Export en erreur.</p>")
    make_article(
        "Export : signaler un bug", "<p>Export en erreur.</p>", ticket_types=[ticket_type("bug")]
    )
    html = related(logged, subject="export en erreur", type=ticket_type("bug").pk)
    assert html.index("signaler un bug") < html.index("Erreur à l")


def test_internal_articles_are_never_suggested_to_customers(logged):
    make_article("Facturation interne", visibility=Visibility.AGENTS)
    assert "Facturation interne" not in related(logged, subject="facturation interne")


def test_own_open_similar_ticket_is_offered_but_never_someone_elses(logged, customer):
    mine = make_ticket(
        customer, subject="Export comptable en erreur", body="<p>Le fichier est vide.</p>"
    )
    make_ticket(CustomerFactory(), subject="Export comptable en erreur autre")
    html = related(logged, subject="Erreur sur l'export comptable")
    assert "You already have" in html and mine.reference in html
    assert html.count("You already have") == 1


def test_closed_tickets_are_not_offered_as_duplicates(logged, customer):
    from comptoir.tickets import services
    from comptoir.tickets.models import Status

    ticket = make_ticket(customer, subject="Export comptable en erreur")
    services.ticket_change_status(
        ticket=ticket, actor=None, status=Status.objects.filter(category=Category.CLOSED).first()
    )
    assert "You already have" not in related(logged, subject="export comptable en erreur")


def test_nothing_typed_explains_what_will_appear(logged):
    assert "appear here as you fill in the ticket" in related(logged)


def test_related_needs_a_login(client):
    assert client.get(reverse("kb:related"), {"subject": "x"}).status_code == 302
