"""What keeps search fast at scale, as a user notices it: the ticket number
typed goes straight to the ticket, counts stop at a cap, agents who see every
ticket get the same answers without the visibility scope, suggestions are one
small query."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.urls import reverse

from comptoir.accounts.models import Role
from comptoir.search import services
from comptoir.search.backends import postgres, sqlite
from comptoir.tickets.models import Ticket
from comptoir.tickets.queries import sees_all_tickets, visible_tickets
from tests.factories import (
    PASSWORD,
    AgentFactory,
    CustomerFactory,
    SupportGroupFactory,
    make_ticket,
)
from tests.kb.helpers import make_article

pytestmark = pytest.mark.django_db


def page(client, q):
    return client.get(reverse("search:results"), {"q": q}, HTTP_ACCEPT_LANGUAGE="en")


def ids(hits):
    return sorted(hit.object_id for hit in hits)


def test_agents_jump_to_the_desk_page_of_a_ticket_number(client, agent, customer):
    ticket = make_ticket(customer)
    assert client.login(email=agent.email, password=PASSWORD)
    response = page(client, f"#{ticket.number}")
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:ticket", kwargs={"number": ticket.number})


def test_customers_jump_to_the_portal_page_and_never_to_others_tickets(client, customer):
    ticket = make_ticket(customer)
    other = make_ticket(CustomerFactory(), subject="Autre")
    assert client.login(email=customer.email, password=PASSWORD)
    response = page(client, f"#{ticket.number}")
    assert response["Location"] == reverse("portal:ticket", kwargs={"number": ticket.number})
    assert page(client, f"#{other.number}").status_code == 200


def test_ticket_hits_link_agents_to_the_desk(agent, customer):
    ticket = make_ticket(customer, subject="Imprimante bloquée")
    [hit] = services.search(user=agent, query="imprimante", kinds=["ticket"])
    assert hit.url == reverse("desk:ticket", kwargs={"number": ticket.number})
    [hit] = services.search(user=customer, query="imprimante", kinds=["ticket"])
    assert hit.url == reverse("portal:ticket", kwargs={"number": ticket.number})


@pytest.fixture
def small_cap(monkeypatch):
    monkeypatch.setattr(postgres, "CANDIDATES", 3)
    monkeypatch.setattr(sqlite, "CANDIDATES", 3)


def test_counts_stop_at_the_cap_and_say_more_than(client, agent, customer, small_cap):
    for n in range(5):
        make_ticket(customer, subject=f"Relance facture {n}")
    pages = services.search_kinds(user=agent, query="relance", kinds=["ticket"], limit=2)
    assert (pages["ticket"].total, pages["ticket"].capped) == (3, True)
    assert len(pages["ticket"].hits) == 2
    assert client.login(email=agent.email, password=PASSWORD)
    text = page(client, "relance").content.decode()
    assert "More than 3 results" in text and ">3+</span>" in text


def test_counts_below_the_cap_are_exact(client, customer, small_cap):
    for n in range(2):
        make_ticket(customer, subject=f"Relance facture {n}")
    pages = services.search_kinds(user=customer, query="relance", kinds=["ticket"], limit=1)
    assert (pages["ticket"].total, pages["ticket"].capped) == (2, False)
    assert client.login(email=customer.email, password=PASSWORD)
    assert "2 results for" in page(client, "relance").content.decode()


def test_agents_who_see_all_get_what_the_restricted_path_returns(agent, customer):
    group, elsewhere = SupportGroupFactory(), SupportGroupFactory()
    restricted = AgentFactory(role=Role.AGENT, restricted_to_groups=True)
    group.agents.add(restricted)
    mine = [make_ticket(customer, subject=f"Sauvegarde échouée {n}") for n in range(3)]
    others = [make_ticket(CustomerFactory(), subject=f"Sauvegarde lente {n}") for n in range(2)]
    Ticket.objects.filter(pk__in=[t.pk for t in mine]).update(group=group)
    Ticket.objects.filter(pk__in=[t.pk for t in others]).update(group=elsewhere)
    assert sees_all_tickets(agent) and not sees_all_tickets(restricted)
    assert not sees_all_tickets(customer) and not sees_all_tickets(AnonymousUser())

    everything = services.search(user=agent, query="sauvegarde", kinds=["ticket"])
    assert ids(everything) == sorted(t.pk for t in mine + others)
    # The restricted agent's own search (scope joined) and an unrestricted agent's
    # search narrowed to that agent's visible tickets agree.
    scoped = services.search(user=restricted, query="sauvegarde", kinds=["ticket"])
    narrowed = services.search(
        user=agent, query="sauvegarde", kinds=["ticket"], ticket_scope=visible_tickets(restricted)
    )
    assert ids(scoped) == ids(narrowed) == sorted(t.pk for t in mine)
    # The same for a customer, whose few ticket ids drive the search.
    as_customer = services.search(user=customer, query="sauvegarde", kinds=["ticket"])
    narrowed = services.search(
        user=agent, query="sauvegarde", kinds=["ticket"], ticket_scope=visible_tickets(customer)
    )
    assert ids(as_customer) == ids(narrowed) == sorted(t.pk for t in mine)


def test_visitors_and_deactivated_users_find_no_ticket(customer):
    make_ticket(customer, subject="Sauvegarde échouée")
    assert services.search(user=AnonymousUser(), query="sauvegarde", kinds=["ticket"]) == []
    customer.is_active = False
    assert services.search(user=customer, query="sauvegarde", kinds=["ticket"]) == []


def test_suggestions_are_one_query_with_marked_prefixes(django_assert_num_queries):
    make_article("Gérer les équipes <b>vite</b>")
    with django_assert_num_queries(1):
        [found] = services.suggest(user=AnonymousUser(), query="gérer les équ")
    assert "<mark>équipes</mark>" in found.title_html and "&lt;b&gt;" in found.title_html
    assert found.category_label and found.url.startswith("/kb/")


def test_suggestions_respect_article_visibility(customer):
    from comptoir.kb.models import ArticleStatus

    make_article("Imprimer un contrat", status=ArticleStatus.DRAFT)
    assert services.suggest(user=customer, query="impr") == []


def test_recency_windows_find_what_the_whole_index_finds(agent, customer, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from comptoir.search.models import SearchDocument

    # Ten tickets, the first the most recently updated; "relance" in six of
    # them, "rappel" in the two newest, "oubli" in the two oldest.
    words = ["rappel", "rappel relance", "x", "relance", "x", "relance", "relance", "x"]
    words += ["relance oubli", "relance oubli"]
    tickets = [make_ticket(customer, subject=f"Dossier {w}") for w in words]
    now = timezone.now()
    for age, ticket in enumerate(tickets):
        SearchDocument.objects.filter(kind="ticket", object_id=ticket.pk).update(
            updated_at=now - timedelta(days=age)
        )

    def answers(windows, cap):
        monkeypatch.setattr(postgres, "WINDOWS", windows)
        monkeypatch.setattr(postgres, "CANDIDATES", cap)
        monkeypatch.setattr(sqlite, "CANDIDATES", cap)
        postgres.reset_caches()
        found = {}
        for word in ("relance", "rappel", "oubli", "dossier"):
            page = services.search_kinds(user=agent, query=word, kinds=["ticket"], limit=10)
            found[word] = (ids(page["ticket"].hits), page["ticket"].total, page["ticket"].capped)
        return found

    for fill in (postgres.FILL, 0.01):  # the middle window skipped, or always tried
        monkeypatch.setattr(postgres, "FILL", fill)
        for cap in (1, 3, 100):
            whole = answers((), cap)
            assert answers((2, 4), cap) == whole
            assert answers((1,), cap) == whole
    assert answers((), 3)["relance"][1:] == (3, True)
    assert answers((2, 4), 100)["relance"][1:] == (6, False)
    postgres.reset_caches()


def test_recency_windows_agree_on_ties_and_skipped_windows(agent, customer, monkeypatch):
    """Documents updated together (one bulk change) share ``updated_at``: every
    window, wide or narrow, tried or skipped, and the whole index give the same
    hits in the same order, and the same capped count."""
    from datetime import timedelta

    from django.utils import timezone

    from comptoir.search.models import SearchDocument

    ages = [0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 3]
    tickets = [make_ticket(customer, subject="Relance dossier") for _ in ages]
    now = timezone.now()
    for age, ticket in zip(ages, tickets, strict=True):
        SearchDocument.objects.filter(kind="ticket", object_id=ticket.pk).update(
            updated_at=now - timedelta(days=age)
        )
    # The same text everywhere: the newest first, then the highest id.
    newest = [t.pk for t in sorted(tickets, key=lambda t: (ages[tickets.index(t)], -t.pk))]

    def answer(windows, cap, ranked, fill, walk_share=postgres.WALK_SHARE):
        monkeypatch.setattr(postgres, "WINDOWS", windows)
        monkeypatch.setattr(postgres, "WALK_SHARE", walk_share)
        monkeypatch.setattr(postgres, "CANDIDATES", cap)
        monkeypatch.setattr(postgres, "RANKED", ranked)
        monkeypatch.setattr(postgres, "FILL", fill)
        monkeypatch.setattr(sqlite, "CANDIDATES", cap)
        postgres.reset_caches()
        page = services.search_kinds(user=agent, query="relance", kinds=["ticket"], limit=20)
        hits = page["ticket"]
        return [hit.object_id for hit in hits.hits], hits.total, hits.capped

    for cap in (2, 5, 100):
        for ranked in (2, 300):
            whole = answer((), cap, ranked, postgres.FILL)
            for fill in (postgres.FILL, 0.7, 0.01):
                for windows in ((1,), (2, 4, 6), (1, 5, 8), (4, 7, 20)):
                    # Windows read from their newest document, or through the index.
                    for walk_share in (0.0, 2.0):
                        assert answer(windows, cap, ranked, fill, walk_share) == whole
            if connection.vendor == "postgresql":
                # The most recent matches are ranked, ties settled by the id.
                assert whole[0] == newest[: min(cap + 1, ranked)]
            assert whole[1:] == (min(cap, len(ages)), cap < len(ages))
    postgres.reset_caches()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL planner settings")
def test_planner_settings_of_the_search_stay_in_its_statement(agent, customer):
    make_ticket(customer, subject="Relance dossier")

    def settings():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('jit'), current_setting('max_parallel_workers_per_gather')"
            )
            return cursor.fetchone()

    before = settings()
    pages = services.search_kinds(user=agent, query="relance", kinds=["ticket", "article"])
    assert pages["ticket"].total == 1
    assert settings() == before
