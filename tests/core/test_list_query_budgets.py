"""Every list page of the portal, the desk, the knowledge base and the reports
runs the same number of queries whatever the number of rows it lists.

Each test renders a page with a little data, adds many more rows of the kinds
the page lists (with their own requesters, organisations, authors, groups...),
renders it again, and checks that the new rows are shown and that the number
of queries did not move. The lists already covered elsewhere are named at the
end of this file.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comptoir.accounts.models import Membership
from comptoir.desk.models import Macro, TicketFollower
from comptoir.desk.queues import QUEUES
from comptoir.kb.models import KbCategory
from comptoir.reports.models import ExportJob
from comptoir.sla.models import TicketSla
from comptoir.tickets import services
from comptoir.tickets.models import Priority, Status, TicketType
from tests.desk.helpers import QUEUE
from tests.desk.helpers import rows as desk_rows
from tests.factories import (
    AgentFactory,
    CustomerFactory,
    OrganisationFactory,
    ProductFactory,
    SupportGroupFactory,
    ThemeFactory,
    make_ticket,
)
from tests.kb.helpers import make_article
from tests.portal.helpers import listed_numbers, move

pytestmark = pytest.mark.django_db


def measure(client, url: str, params: dict | None = None) -> tuple[int, str]:
    """(queries, page) of one GET; the cached queue counts are forgotten first so
    that every measure does the same work."""
    count, response = measure_response(client, url, params)
    return count, response.content.decode()


def measure_response(client, url: str, params: dict | None = None) -> tuple[int, Any]:
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200, url
    return len(captured), response


# -- portal: My tickets, each tab, the organisation's tickets, keywords, pages --------------


def customer_tickets(customer, agent, count: int, tag: str) -> None:
    """``count`` tickets in each tab, each answered by another agent."""
    product, theme = ProductFactory(name="Planning"), ThemeFactory(name="Factures")
    for n in range(count):
        helper = AgentFactory(first_name=f"Agent {tag}{n}")
        opened = make_ticket(
            customer, subject=f"Open {tag}{n} printer", products=[product], themes=[theme]
        )
        services.ticket_assign(ticket=opened, actor=agent, assignee=helper)
        move(make_ticket(customer, subject=f"Waiting {tag}{n} printer"), "waiting", helper)
        move(make_ticket(customer, subject=f"Closed {tag}{n} printer"), "closed", helper)


PORTAL_LISTS = {
    "open tab": {"tab": "open"},
    "waiting tab": {"tab": "waiting"},
    "done tab": {"tab": "done"},
    "all, by number": {"tab": "all", "sort": "number", "dir": "asc"},
    "keywords": {"tab": "all", "q": "printer"},
    "second page": {"tab": "all", "page": "2"},
    "organisation's, all": {"tab": "all", "scope": "organisation"},
    "organisation's, open": {"tab": "open", "scope": "organisation"},
}


@pytest.mark.parametrize("params", PORTAL_LISTS.values(), ids=PORTAL_LISTS.keys())
def test_my_tickets_lists(client, agent, params):
    org = OrganisationFactory(name="Crèche Les Lutins")
    manager = CustomerFactory(email="manager@lutins.test", organisation=org)
    Membership.objects.filter(user=manager).update(is_manager=True, sees_all_tickets=True)
    colleague = CustomerFactory(email="colleague@lutins.test", organisation=org)
    client.force_login(manager)
    url = reverse("portal:tickets")
    customer_tickets(manager, agent, 9, "a")  # more than a page of 25 in "all"
    client.get(url, params)  # warm up: session, content types
    few, _ = measure(client, url, params)

    customer_tickets(manager, agent, 12, "b")
    customer_tickets(colleague, agent, 5, "c")
    many, response = measure_response(client, url, params)

    assert many == few
    assert len(listed_numbers(response)) >= 12


# -- search: an agent finds tickets, articles, contacts and organisations ------------------


def test_an_agents_search_results(client, agent):
    client.force_login(agent)
    url = reverse("search:results")

    def grow(tag: str, count: int) -> None:
        for n in range(count):
            org = OrganisationFactory(name=f"Lutins {tag}{n}")
            person = CustomerFactory(
                email=f"lutins{tag}{n}@example.test", last_name="Lutin", organisation=org
            )
            make_ticket(person, subject=f"Lutins {tag}{n} printer")
            make_article(
                f"Lutins {tag}{n}", translations={"en": (f"Lutins {tag}{n}", "<p>Lutins.</p>")}
            )

    grow("a", 1)
    client.get(url, {"q": "lutins"})
    few, _ = measure(client, url, {"q": "lutins"})
    grow("b", 8)
    many, html = measure(client, url, {"q": "lutins"})

    assert many == few
    for shown in ("b7 printer", "lutinsb7@example.test", "Lutins b7"):
        assert shown in html, shown


# -- knowledge base: home, its search, category, the editors' list -------------------------


def articles(tag: str, count: int, **kwargs) -> None:
    """``count`` articles in each of three categories, each by another author."""
    for n in range(count):
        for slug in ("troubleshooting", "billing", "getting-started"):
            make_article(
                f"Imprimer {tag}{n} {slug}",
                cat=slug,
                translations={"en": (f"Print {tag}{n} {slug}", "<p>Print it.</p>")},
                **kwargs,
            )


def new_categories(tag: str, count: int) -> None:
    for n in range(count):
        KbCategory.objects.create(slug=f"shelf-{tag}{n}", label_fr=f"Rayon {tag}{n}", order=50 + n)


@pytest.mark.parametrize("reader", ["visitor", "customer", "agent"])
@pytest.mark.parametrize("q", ["", "imprimer"])
def test_knowledge_base_home(client, customer, agent, reader, q):
    if reader != "visitor":
        client.force_login(customer if reader == "customer" else agent)
    url, params = reverse("kb:home"), {"q": q} if q else {}
    articles("a", 1)
    client.get(url, params)
    few, _ = measure(client, url, params)

    articles("b", 6)
    new_categories("b", 4)
    many, html = measure(client, url, params)

    assert many == few
    assert "Rayon b3" in html
    assert "b5" in html  # a new article among the popular ones or the hits


def test_knowledge_base_category_for_an_agent(client, agent):
    client.force_login(agent)
    url = reverse("kb:category", kwargs={"slug": "billing"})
    articles("a", 1)
    client.get(url)
    few, _ = measure(client, url)

    articles("b", 8)
    many, html = measure(client, url)

    assert many == few
    assert "b7 billing" in html


@pytest.mark.parametrize("status", ["", "published"])
def test_knowledge_base_editors_list(client, agent, status):
    client.force_login(agent)
    url, params = reverse("kb:manage"), {"status": status} if status else {}
    articles("a", 1)
    client.get(url, params)
    few, _ = measure(client, url, params)

    articles("b", 8)
    many, html = measure(client, url, params)

    assert many == few
    assert "b7 troubleshooting" in html


def test_an_article_and_its_related_articles(client, customer):
    client.force_login(customer)
    article = make_article("Imprimer", cat="billing", translations={"en": ("Print", "<p>x</p>")})
    url = reverse("kb:article", kwargs={"slug": article.slug})

    def grow(tag: str, count: int) -> None:
        """Articles chosen as related (fewer than five: the page then looks for
        more in the same category) and others of the same category."""
        for n in range(count):
            other = make_article(
                f"Relié {tag}{n}", cat="billing", translations={"en": (f"Linked {tag}{n}", "")}
            )
            if n % 4 == 1:
                article.related.add(other)

    grow("a", 2)
    client.get(url)
    few, html = measure(client, url)
    assert "Linked a0" in html and "Linked a1" in html

    grow("b", 8)
    many, html = measure(client, url)

    assert many == few
    related = html.split('id="related-title"')[1].split("</ul>")[0]
    assert related.count("<li>") == 5  # the page shows five
    assert "Linked b5" in related  # chosen ones first


# -- hours: an agent picks among the organisations with a contract -------------------------


def test_the_hours_page_of_an_agent(client, agent):
    from comptoir.contracts import services as contract_services

    client.force_login(agent)
    url = reverse("contracts:hours")

    def grow(tag: str, count: int) -> None:
        for n in range(count):
            org = OrganisationFactory(name=f"Structure {tag}{n}")
            contract_services.contract_create(
                organisation_id=org.pk, start=date(2025, 1, 1), minutes=120
            )

    grow("a", 1)
    client.get(url)
    few, _ = measure(client, url)
    grow("b", 8)
    many, html = measure(client, url)

    assert many == few
    assert "Structure b7" in html


# -- desk: each queue ----------------------------------------------------------------------


def desk_tickets(agent, group, count: int, tag: str) -> None:
    """``count`` tickets in every queue, each with its own requester, organisation,
    assignee, product and theme."""
    now = timezone.now()
    for n in range(count):
        other = AgentFactory(first_name=f"Agent {tag}{n}")
        extras = {
            "products": [ProductFactory(name=f"Product {tag}{n}")],
            "themes": [ThemeFactory(name=f"Theme {tag}{n}")],
        }
        make_ticket(subject=f"Nobody {tag}{n}", **extras)
        mine = make_ticket(subject=f"Mine {tag}{n}", **extras)
        services.ticket_assign(ticket=mine, actor=agent, assignee=agent)
        grouped = make_ticket(subject=f"Group {tag}{n}", group=group, **extras)
        services.ticket_assign(ticket=grouped, actor=agent, assignee=other)
        TicketFollower.objects.create(ticket=grouped, user=agent)
        move(make_ticket(subject=f"Waiting {tag}{n}", **extras), "waiting", other)
        move(make_ticket(subject=f"With IT {tag}{n}", **extras), "it-working", other)
        move(make_ticket(subject=f"Closed {tag}{n}", **extras), "closed", other)
        for state, due in (("risk", now + timedelta(hours=1)), ("late", now - timedelta(hours=1))):
            ticket = make_ticket(subject=f"SLA {state} {tag}{n}", **extras)
            TicketSla.objects.update_or_create(
                ticket=ticket,
                defaults={
                    "response_due_at": due,
                    "response_warn_at": now - timedelta(hours=2),
                    "responded_at": None,
                    "response_breached": due < now,
                },
            )


@pytest.mark.parametrize("queue", [q.key for q in QUEUES])
def test_each_desk_queue(client, agent, queue):
    group = SupportGroupFactory(name="Support")
    group.agents.add(agent)
    client.force_login(agent)
    params = {"queue": queue, "per_page": "100"}
    desk_tickets(agent, group, 1, "a")
    client.get(QUEUE, params)
    few, response = measure_response(client, QUEUE, params)
    shown = len(desk_rows(response))
    assert shown >= 1

    desk_tickets(agent, group, 5, "b")
    many, response = measure_response(client, QUEUE, params)

    assert many == few
    assert len(desk_rows(response)) >= shown + 5


def test_the_desk_organisation_suggestions(client, agent):
    client.force_login(agent)
    url = reverse("desk:organisations")
    for n in range(2):
        OrganisationFactory(name=f"Mairie {n:02}")
    client.get(url, {"q": "mairie"})
    few, _ = measure(client, url, {"q": "mairie"})
    for n in range(2, 40):
        OrganisationFactory(name=f"Mairie {n:02}")
    many, body = measure(client, url, {"q": "mairie"})

    assert many == few
    assert body.count('"name"') == 20  # at most 20 suggestions


def test_the_macros_list(client, agent):
    client.force_login(agent)
    url = reverse("desk:macros")
    statuses, types = list(Status.objects.all()), list(TicketType.objects.all())
    priorities = list(Priority.objects.all())

    def grow(tag: str, count: int) -> None:
        for n in range(count):
            for owner in (agent, None):
                Macro.objects.create(
                    name=f"Macro {tag}{n} {'mine' if owner else 'shared'}",
                    owner=owner,
                    body_html="<p>Hello {{ requester.first_name }}</p>",
                    set_status=statuses[n % len(statuses)],
                    set_type=types[n % len(types)],
                    set_priority=priorities[n % len(priorities)],
                    set_group=SupportGroupFactory(name=f"Group {tag}{n}{owner is None}"),
                )

    grow("a", 1)
    client.get(url)
    few, _ = measure(client, url)
    grow("b", 10)
    many, html = measure(client, url)

    assert many == few
    assert "Macro b9 mine" in html and "Macro b9 shared" in html and "Group b9" in html


# -- reports: the export form and its recent exports ---------------------------------------


def test_the_export_form_with_recent_exports(client, agent):
    client.force_login(agent)
    url = reverse("reports:export_new")
    now = timezone.now()

    def grow(tag: str, count: int) -> None:
        for n in range(count):
            ExportJob.objects.create(
                requester=agent,
                format="csv",
                filename=f"tickets-{tag}{n}.csv",
                created_at=now + timedelta(seconds=len(tag) * 100 + n),
                expires_at=now + timedelta(days=1),
            )

    grow("a", 1)
    client.get(url)
    few, _ = measure(client, url)
    grow("bb", 15)
    many, html = measure(client, url)

    assert many == few
    assert "tickets-bb14.csv" in html


TABLES = [
    "volume", "times", "sla", "workload", "satisfaction", "satisfaction_distribution",
    "backlog_status", "backlog_group", "backlog_agent", "by_type", "by_product", "by_theme",
    "by_organisation", "by_channel",
]  # fmt: skip


@pytest.mark.parametrize("key", TABLES)
def test_each_report_table_as_csv(client, agent, key):
    supervisor = AgentFactory(email="sup@support.test", role="supervisor")
    client.force_login(supervisor)
    url = reverse("reports:table_csv", kwargs={"key": key})

    def grow(tag: str, count: int) -> None:
        for n in range(count):
            helper = AgentFactory(first_name=f"Agent {tag}{n}")
            ticket = make_ticket(
                subject=f"Report {tag}{n}",
                group=SupportGroupFactory(name=f"Group {tag}{n}"),
                products=[ProductFactory(name=f"Product {tag}{n}")],
                themes=[ThemeFactory(name=f"Theme {tag}{n}")],
            )
            services.ticket_assign(ticket=ticket, actor=helper, assignee=helper)
            services.ticket_reply(ticket=ticket, author=helper, body_html="<p>Done.</p>")
            if n % 2:
                move(ticket, "resolved", helper)

    grow("a", 2)  # an open ticket and a resolved one: every measure has something to compute
    client.get(url)
    few, before = measure(client, url)
    grow("b", 6)
    many, after = measure(client, url)

    assert many == few
    # Tables with a row per product, theme, organisation, group or agent show the new ones.
    if key in ("by_product", "by_theme", "by_organisation", "backlog_group", "backlog_agent"):
        assert after.count("\n") > before.count("\n")


# -- accounts and API: an organisation's members, a person's tokens ------------------------


def test_the_members_page_of_a_manager(client):
    org = OrganisationFactory(name="Crèche Les Lutins")
    manager = CustomerFactory(email="manager@lutins.test", organisation=org)
    Membership.objects.filter(user=manager).update(is_manager=True)
    client.force_login(manager)
    url = reverse("accounts:members")
    CustomerFactory(email="m0@lutins.test", organisation=org)
    client.get(url)
    few, _ = measure(client, url)
    for n in range(1, 15):
        CustomerFactory(email=f"m{n}@lutins.test", organisation=org)
    many, html = measure(client, url)

    assert many == few
    assert "m14@lutins.test" in html


def test_the_api_tokens_page(client, agent):
    from comptoir.api.tokens import api_token_create

    client.force_login(agent)
    url = reverse("api:tokens")
    api_token_create(user=agent, name="Token a0")
    client.get(url)
    few, _ = measure(client, url)
    for n in range(1, 15):
        api_token_create(user=agent, name=f"Token b{n}")
    many, html = measure(client, url)

    assert many == few
    assert "Token b14" in html


# -- admin: the integrations -------------------------------------------------------------


def test_the_integrations_admin_list(client):
    from comptoir.accounts.models import User
    from tests.integrations.helpers import make_integration

    client.force_login(User.objects.create_superuser("root@support.test", "long-password-42"))
    url = reverse("admin:integrations_integration_changelist")
    make_integration("app-a0", name="App a0")
    client.get(url)
    few, _ = measure(client, url)
    for n in range(1, 15):
        make_integration(f"app-b{n}", name=f"App b{n}")
    many, html = measure(client, url)

    assert many == few
    assert "App b14" in html


# Covered elsewhere, with the same grow-and-compare check:
# - portal home, My tickets (all, by status): tests/portal/test_ticket_list.py
#   test_pages_run_as_many_queries_for_50_tickets_as_for_5
# - the organisation's tickets: tests/accounts/test_organisations.py
#   test_the_organisation_list_runs_a_constant_number_of_queries
# - a customer's search: tests/search/test_page.py
#   test_search_page_runs_a_constant_number_of_queries
# - a category of the knowledge base (visitor): tests/kb/test_pages.py
#   test_category_page_runs_a_constant_number_of_queries
# - a customer's hours statement: tests/contracts/test_portal.py
#   test_the_statement_page_runs_a_constant_number_of_queries
# - the desk list with every column, and by group and status: tests/desk/test_queues.py
#   test_the_list_runs_the_same_queries_for_10_and_100_rows_with_every_column;
#   tests/desk/test_scale.py
#   test_a_group_and_status_list_runs_the_same_few_queries_for_5_and_60_tickets
# - the reports dashboard: tests/reports/test_report_numbers.py
#   test_the_dashboard_costs_the_same_queries_whatever_the_tickets
# - the integrations' entry log: tests/integrations/test_admin.py
#   test_the_entry_log_lists_refusals_in_a_constant_number_of_queries
