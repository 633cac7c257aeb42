"""The search service as a reader sees it, on whichever database the suite runs.

The suite runs once on SQLite and once on PostgreSQL (DATABASE_URL): the same
tests, so both backends promise the same things.
"""

import pytest
from django.db import connection

from comptoir.kb.models import ArticleStatus, Visibility
from comptoir.search.services import search, suggest
from comptoir.tickets import services as ticket_services
from tests.factories import CustomerFactory, make_ticket
from tests.kb.helpers import make_article

pytestmark = pytest.mark.django_db

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="stemming is a PostgreSQL promise"
)


def titles(hits):
    return [h.title for h in hits]


def test_accents_and_case_are_ignored_both_ways(customer):
    make_article("Gérer les équipes", "<p>Ajoutez une équipe depuis le menu Paramètres.</p>")
    make_article("Créer une facture", "<p>Menu Facturation.</p>")
    assert titles(search(user=customer, query="equipe")) == ["Gérer les équipes"]
    assert titles(search(user=customer, query="EQUIPES")) == ["Gérer les équipes"]
    assert titles(search(user=customer, query="créer FACTURE")) == ["Créer une facture"]
    assert titles(search(user=customer, query="creer facture")) == ["Créer une facture"]


@on_postgres
def test_french_plurals_and_verb_forms_match(customer):
    make_article("Facture bloquée", "<p>Les prélèvements sont bloqués quand le mandat expire.</p>")
    assert titles(search(user=customer, query="factures bloquées")) == ["Facture bloquée"]
    assert titles(search(user=customer, query="bloquer la facturation")) == ["Facture bloquée"]
    assert titles(search(user=customer, query="facture annulée")) == []
    assert titles(search(user=customer, query="prélèvement bloque")) == ["Facture bloquée"]
    assert titles(search(user=customer, query="facturer")) == ["Facture bloquée"]


def test_websearch_syntax_phrases_exclusions_and_or(customer):
    make_article("Mot de passe oublié", "<p>Réinitialiser le mot de passe.</p>")
    make_article("Passe sanitaire", "<p>Un autre mot sur ce passe.</p>")
    make_article("Imprimer un contrat", "<p>Menu Éditions.</p>")
    assert titles(search(user=customer, query='"mot de passe"')) == ["Mot de passe oublié"]
    assert titles(search(user=customer, query="passe -sanitaire")) == ["Mot de passe oublié"]
    found = titles(search(user=customer, query="contrat or sanitaire"))
    assert sorted(found) == ["Imprimer un contrat", "Passe sanitaire"]


def test_a_typo_in_one_word_still_finds_the_title(customer):
    make_article("Personnaliser les éditions", "<p>Menu Paramètres.</p>")
    found = titles(search(user=customer, query="personaliser"))
    if connection.vendor == "postgresql":
        assert found == ["Personnaliser les éditions"]
    else:
        # SQLite has no trigrams: a misspelt word simply does not match.
        assert found == []


def test_title_matches_rank_above_body_matches(customer):
    make_article(
        "Consulter l'historique",
        "<p>Le planning des absences, le planning des présences et le planning mensuel.</p>",
    )
    make_article("Planning des absences", "<p>Une page pour voir qui est là.</p>")
    assert titles(search(user=customer, query="planning"))[0] == "Planning des absences"


def test_customer_never_gets_internal_draft_or_archived_articles(customer, agent):
    make_article("Procédure interne de remboursement", visibility=Visibility.AGENTS)
    make_article("Remboursement brouillon", status=ArticleStatus.DRAFT)
    make_article("Remboursement ancienne version", status=ArticleStatus.ARCHIVED)
    make_article("Remboursement client", visibility=Visibility.CUSTOMERS)
    assert titles(search(user=customer, query="remboursement")) == ["Remboursement client"]
    agent_titles = titles(search(user=agent, query="remboursement"))
    assert "Procédure interne de remboursement" in agent_titles
    assert "Remboursement ancienne version" in agent_titles
    assert "Remboursement brouillon" not in agent_titles


def test_visitors_only_find_public_articles(customer):
    from django.contrib.auth.models import AnonymousUser

    make_article("Horaires du support", visibility=Visibility.PUBLIC)
    make_article("Horaires réservés", visibility=Visibility.CUSTOMERS)
    assert titles(search(user=AnonymousUser(), query="horaires")) == ["Horaires du support"]


def test_customer_finds_own_tickets_but_never_others_or_internal_notes(customer, agent):
    mine = make_ticket(customer, subject="Export comptable en erreur")
    other = make_ticket(CustomerFactory(), subject="Export comptable impossible")
    ticket_services.ticket_reply(
        ticket=mine, author=agent, body_html="<p>Voir le journal zanzibar.</p>", internal=True
    )
    hits = search(user=customer, query="export comptable", kinds=["ticket"])
    assert [h.obj for h in hits] == [mine]
    assert search(user=customer, query="zanzibar") == []
    assert {h.obj for h in search(user=agent, query="export comptable")} == {mine, other}
    assert [h.obj for h in search(user=agent, query="zanzibar")] == []


def test_public_replies_are_searchable(customer, agent):
    ticket = make_ticket(customer, subject="Question")
    ticket_services.ticket_reply(
        ticket=ticket, author=agent, body_html="<p>Videz le cache du navigateur.</p>"
    )
    hits = search(user=customer, query="navigateur")
    assert [h.obj for h in hits] == [ticket]
    assert "<mark>" in hits[0].excerpt_html


def test_excerpts_are_escaped_and_highlighted(customer):
    make_article("Balises", "<p>Tapez &lt;script&gt; puis balise dans le champ.</p>")
    hit = search(user=customer, query="balise")[0]
    assert "<script>" not in hit.excerpt_html
    assert "&lt;script&gt;" in hit.excerpt_html
    assert "<mark>balise</mark>" in hit.excerpt_html
    assert "<mark>Balises</mark>" in hit.title_html


def test_suggestions_start_at_three_letters_and_match_prefixes(customer):
    make_article("Gérer les équipes", "<p>Menu Paramètres.</p>")
    make_article("Imprimer un contrat", "<p>Menu Éditions.</p>")
    assert suggest(user=customer, query="éq") == []
    assert titles(suggest(user=customer, query="équ")) == ["Gérer les équipes"]
    assert titles(suggest(user=customer, query="gérer les équ")) == ["Gérer les équipes"]
    assert titles(suggest(user=customer, query="impr")) == ["Imprimer un contrat"]


def test_article_in_readers_language_is_preferred(customer):
    from django.utils import translation

    make_article(
        "Exporter les dossiers",
        "<p>Exporter au format tableur.</p>",
        translations={"en": ("Export records", "<p>Export to a spreadsheet format.</p>")},
    )
    with translation.override("en"):
        hits = search(user=customer, query="export")
    assert titles(hits) == ["Export records"]
    with translation.override("fr"):
        hits = search(user=customer, query="exporter")
    assert titles(hits) == ["Exporter les dossiers"]
