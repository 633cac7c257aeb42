"""The global search page: grouped results, ticket numbers, agents' directory."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comptoir.search.backends import postgres
from tests.factories import PASSWORD, CustomerFactory, OrganisationFactory, make_ticket
from tests.kb.helpers import make_article

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(email=user.email, password=PASSWORD)


def page(client, q):
    return client.get(reverse("search:results"), {"q": q}, HTTP_ACCEPT_LANGUAGE="en")


def test_results_are_grouped_by_kind_with_highlights(client, customer):
    make_article("Imprimer les factures", "<p>Menu Facturation.</p>")
    make_ticket(customer, subject="Factures en double")
    login(client, customer)
    text = page(client, "factures").content.decode()
    articles, tickets = text.index('id="group-articles"'), text.index('id="group-tickets"')
    assert articles < text.index("Imprimer les") < tickets < text.index("en double")
    assert "<mark>" in text


def test_ticket_number_jumps_to_the_ticket_when_visible(client, customer):
    ticket = make_ticket(customer)
    other = make_ticket(CustomerFactory())
    login(client, customer)
    response = page(client, f"#{ticket.number}")
    assert response.status_code == 302 and response["Location"].endswith(
        f"/tickets/{ticket.number}/"
    )
    assert page(client, f"#{other.number}").status_code == 200


def test_agents_also_find_contacts_and_organisations(client, agent, customer):
    OrganisationFactory(name="Crèche Les Lutins")
    CustomerFactory(email="lutins@example.test", last_name="Lutin")
    login(client, customer)
    assert "Crèche Les Lutins" not in page(client, "lutin").content.decode()
    login(client, agent)
    text = page(client, "lutin").content.decode()
    assert "Crèche Les Lutins" in text and "lutins@example.test" in text


def test_search_page_runs_a_constant_number_of_queries(client, customer):
    login(client, customer)

    def count():
        # Each count starts without what PostgreSQL's backend keeps per process.
        postgres.reset_caches()
        with CaptureQueriesContext(connection) as queries:
            assert page(client, "export").status_code == 200
        return len(queries)

    make_article("Export 0")
    make_ticket(customer, subject="Export 0")
    few = count()
    for n in range(1, 8):
        make_article(f"Export {n}", translations={"en": (f"Export {n}", "<p>Export.</p>")})
        make_ticket(customer, subject=f"Export {n}")
    assert count() == few


def test_directory_takes_the_typed_text_literally(client, agent):
    CustomerFactory(email="axb@example.test", last_name="Plain")
    CustomerFactory(email="a_b@example.test", last_name="Under")
    CustomerFactory(email="ab@example.test", first_name="Cent%")
    login(client, agent)
    text = page(client, "a_b").content.decode()
    assert "a_b@example.test" in text and "axb@example.test" not in text
    text = page(client, "t%").content.decode()
    assert "ab@example.test" in text and "a_b@example.test" not in text
