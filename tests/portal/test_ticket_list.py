"""My tickets and the home page: tabs, search, sorting, pages, the search box."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comptoir.portal.views import PAGE_SIZE
from comptoir.tickets import services
from comptoir.tickets.models import Ticket
from tests.factories import AgentFactory, make_ticket
from tests.portal.helpers import listed_numbers, move, set_dates, tab_counts, text

pytestmark = pytest.mark.django_db

LIST = reverse("portal:tickets")
HOME = reverse("portal:home")


def numbers(*tickets):
    return [t.number for t in tickets]


# -- tabs ---------------------------------------------------------------------------


@pytest.fixture
def mixed_tickets(customer, other_customer, agent):
    """Claire's tickets in every state (and one of Bob's that must never count)."""
    new = [make_ticket(customer, subject=f"New {i}") for i in range(2)]
    assigned = make_ticket(customer, subject="Assigned")
    services.ticket_assign(ticket=assigned, actor=agent, assignee=agent)
    internal = move(make_ticket(customer, subject="IT working"), "it-working", agent)
    waiting = [
        move(make_ticket(customer, subject=f"Waiting {i}"), "waiting", agent) for i in (1, 2)
    ]
    resolved = move(make_ticket(customer, subject="Resolved"), "resolved", agent)
    closed = move(make_ticket(customer, subject="Closed"), "closed", agent)
    make_ticket(other_customer, subject="Bob's ticket")
    return {
        "open": [*new, assigned, internal],
        "waiting": waiting,
        "done": [resolved, closed],
    }


def test_tabs_count_tickets_by_what_the_customer_has_to_do(client, customer, mixed_tickets):
    client.force_login(customer)

    response = client.get(LIST)

    assert tab_counts(response) == {
        "Open or in progress": 4,
        "Waiting for your response": 2,
        "Resolved or closed": 2,
        "All tickets": 8,
    }


def test_home_tiles_show_the_same_counts(client, customer, mixed_tickets):
    client.force_login(customer)

    response = client.get(HOME)

    assert tab_counts(response) == {
        "Open or in progress": 4,
        "Waiting for your response": 2,
        "Resolved or closed": 2,
        "All tickets": 8,
    }
    # and the open tickets are listed there
    assert sorted(listed_numbers(response)) == sorted(numbers(*mixed_tickets["open"]))


@pytest.mark.parametrize("tab", ["open", "waiting", "done"])
def test_each_tab_lists_its_tickets_only(client, customer, mixed_tickets, tab):
    client.force_login(customer)

    response = client.get(LIST, {"tab": tab})

    assert sorted(listed_numbers(response)) == sorted(numbers(*mixed_tickets[tab]))


def test_the_list_opens_on_the_open_tab_and_all_shows_everything(client, customer, mixed_tickets):
    client.force_login(customer)

    default = client.get(LIST)
    everything = client.get(LIST, {"tab": "all"})

    assert sorted(listed_numbers(default)) == sorted(numbers(*mixed_tickets["open"]))
    assert len(listed_numbers(everything)) == 8
    assert "Bob's ticket" not in everything.text


def test_an_empty_list_says_so(client, customer):
    client.force_login(customer)

    response = client.get(LIST, {"tab": "all"})

    assert "No ticket here." in text(response)


# -- query counts ---------------------------------------------------------------------


def _tickets_for(customer, count, agents):
    """``count`` tickets in varied states, assigned to various agents."""
    for i in range(count):
        ticket = make_ticket(customer, subject=f"Ticket {i}")
        if i % 3 == 0:
            services.ticket_assign(ticket=ticket, actor=agents[0], assignee=agents[i % 2])
        elif i % 3 == 1:
            services.ticket_reply(
                ticket=ticket, author=agents[1], body_html="<p>Could you send a screenshot?</p>"
            )


def _queries(client, url, params=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured)


PAGES = {
    "my tickets": (LIST, {"tab": "all"}),
    "my tickets by status": (LIST, {"tab": "all", "sort": "status"}),
    "home": (HOME, {}),
}


def test_pages_run_as_many_queries_for_50_tickets_as_for_5(client, customer):
    agents = [AgentFactory(first_name="Ana"), AgentFactory(first_name="Bea")]
    client.force_login(customer)
    _tickets_for(customer, 5, agents)
    client.get(HOME)  # warm up (session, content types)
    with_5 = {name: _queries(client, url, params) for name, (url, params) in PAGES.items()}

    _tickets_for(customer, 45, agents)
    with_50 = {name: _queries(client, url, params) for name, (url, params) in PAGES.items()}

    assert with_5 == with_50
    # Session, user, statuses, the tab counts (which also give the pager its
    # total), the rows; My tickets asks whether to offer the organisation's
    # tickets, home whether to link the support hours.
    assert with_50 == {"my tickets": 6, "my tickets by status": 6, "home": 6}


# -- search ---------------------------------------------------------------------------


@pytest.fixture
def searchable(customer, agent):
    invoice = make_ticket(customer, subject="Invoice PDF is blank")
    login = make_ticket(customer, subject="Login loop", body="<p>I cannot sign in.</p>")
    services.ticket_reply(
        ticket=login, author=agent, body_html="<p>Did the password reset email arrive?</p>"
    )
    printer = make_ticket(customer, subject="Cannot print")
    services.ticket_reply(
        ticket=printer, author=agent, body_html="<p>Suspect the firmware</p>", internal=True
    )
    return {"invoice": invoice, "login": login, "printer": printer}


def test_search_finds_a_ticket_by_a_word_of_its_subject(client, customer, searchable):
    client.force_login(customer)

    response = client.get(LIST, {"tab": "all", "q": "invoice"})

    assert listed_numbers(response) == [searchable["invoice"].number]
    # and the search box keeps the words
    assert 'value="invoice"' in response.text


def test_search_finds_a_ticket_by_a_word_of_a_public_message(client, customer, searchable):
    client.force_login(customer)

    response = client.get(LIST, {"tab": "all", "q": "password"})

    assert listed_numbers(response) == [searchable["login"].number]


def test_search_ignores_words_only_in_internal_notes(client, customer, searchable):
    client.force_login(customer)

    response = client.get(LIST, {"tab": "all", "q": "firmware"})

    assert listed_numbers(response) == []
    assert "No ticket here." in text(response)


def test_search_never_finds_someone_elses_ticket(client, customer, other_customer, searchable):
    make_ticket(other_customer, subject="Invoice totals wrong")
    client.force_login(customer)

    response = client.get(LIST, {"tab": "all", "q": "invoice"})

    assert listed_numbers(response) == [searchable["invoice"].number]


def test_search_by_ticket_number(client, customer, searchable):
    client.force_login(customer)

    response = client.get(LIST, {"tab": "all", "q": f"#{searchable['printer'].number}"})

    assert listed_numbers(response) == [searchable["printer"].number]


def test_search_stays_within_the_chosen_tab(client, customer, searchable, agent):
    move(searchable["invoice"], "resolved", agent)
    client.force_login(customer)

    open_tab = client.get(LIST, {"tab": "open", "q": "invoice"})
    done_tab = client.get(LIST, {"tab": "done", "q": "invoice"})

    assert listed_numbers(open_tab) == []
    assert listed_numbers(done_tab) == [searchable["invoice"].number]


# -- sorting --------------------------------------------------------------------------


@pytest.fixture
def three(customer, agent):
    """Three tickets whose creation, update and status orders all differ."""
    now = timezone.now()
    a = move(make_ticket(customer, subject="A"), "waiting", agent)  # status order 30
    b = make_ticket(customer, subject="B")  # new: status order 0
    c = move(make_ticket(customer, subject="C"), "acknowledged", agent)  # status order 10
    set_dates(a, created=now - timedelta(days=3), updated=now - timedelta(hours=2))
    set_dates(b, created=now - timedelta(days=2), updated=now - timedelta(hours=1))
    set_dates(c, created=now - timedelta(days=1), updated=now - timedelta(hours=3))
    return a, b, c


@pytest.mark.parametrize(
    "sort,expected_asc",
    [("created", "ABC"), ("updated", "CAB"), ("status", "BCA"), ("number", "ABC")],
)
def test_sorting_changes_the_order(client, customer, three, sort, expected_asc):
    by_subject = {t.subject: t.number for t in three}
    client.force_login(customer)

    asc = client.get(LIST, {"tab": "all", "sort": sort, "dir": "asc"})
    desc = client.get(LIST, {"tab": "all", "sort": sort, "dir": "desc"})

    assert listed_numbers(asc) == [by_subject[s] for s in expected_asc]
    assert listed_numbers(desc) == [by_subject[s] for s in reversed(expected_asc)]


def test_default_order_is_last_update_first(client, customer, three):
    a, b, c = three
    client.force_login(customer)

    response = client.get(LIST, {"tab": "all"})

    assert listed_numbers(response) == numbers(b, a, c)


# -- pages ----------------------------------------------------------------------------


def test_pagination_shows_the_second_page(client, customer):
    now = timezone.now()
    tickets = [make_ticket(customer, subject=f"Ticket {i}") for i in range(PAGE_SIZE + 5)]
    for age, ticket in enumerate(reversed(tickets)):
        set_dates(ticket, updated=now - timedelta(minutes=age))
    client.force_login(customer)

    first = client.get(LIST, {"tab": "all"})
    second = client.get(LIST, {"tab": "all", "page": 2})

    assert listed_numbers(first) == numbers(*reversed(tickets))[:PAGE_SIZE]
    assert "Page 1 of 2" in text(first)
    assert 'rel="next"' in first.text
    assert listed_numbers(second) == numbers(*reversed(tickets))[PAGE_SIZE:]
    assert "Page 2 of 2" in text(second)
    assert 'rel="prev"' in second.text and 'rel="next"' not in second.text


def test_page_links_keep_tab_search_and_sort(client, customer):
    for i in range(PAGE_SIZE + 1):
        make_ticket(customer, subject=f"Report {i}")
    client.force_login(customer)

    response = client.get(LIST, {"tab": "all", "q": "report", "sort": "created", "dir": "asc"})

    assert "?tab=all&amp;q=report&amp;sort=created&amp;dir=asc&amp;page=2" in response.text


# -- the search box (jump) -------------------------------------------------------------


@pytest.mark.parametrize("typed", ["#{n}", "{n}", " # {n} "])
def test_search_box_goes_straight_to_a_ticket_number(client, customer, typed):
    ticket = make_ticket(customer)
    client.force_login(customer)

    response = client.get(reverse("portal:jump"), {"q": typed.format(n=ticket.number)})

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:ticket", args=[ticket.number])


def test_search_box_does_not_reveal_someone_elses_ticket(client, customer, other_customer):
    theirs = make_ticket(other_customer, subject="Salary data")
    client.force_login(customer)

    response = client.get(reverse("portal:jump"), {"q": f"#{theirs.number}"}, follow=True)

    first_hop = response.redirect_chain[0][0]
    assert first_hop.startswith(LIST) and "q=%23" in first_hop
    assert response.status_code == 200
    assert listed_numbers(response) == []
    assert "Salary data" not in response.text


def test_search_box_searches_text(client, customer):
    ticket = make_ticket(customer, subject="Invoice PDF is blank")
    client.force_login(customer)

    response = client.get(reverse("portal:jump"), {"q": "invoice pdf"}, follow=True)

    assert response.redirect_chain[0][0] == f"{LIST}?tab=all&q=invoice%20pdf"
    assert listed_numbers(response) == [ticket.number]


# -- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": "0"},
        {"page": "-3"},
        {"page": "999999999999999999999999"},
        {"sort": "evil"},
        {"sort": "requester__password"},
        {"dir": "sideways"},
        {"tab": "xyz"},
        {"q": "x" * 20_000},
        {"q": "%' OR 1=1 --"},
        {"q": "nul\x00byte"},
        {"q": "#99999999999999999999"},
        {"q": "#999999999"},
    ],
)
def test_bad_list_parameters_never_break_the_page(client, customer, params):
    ticket = make_ticket(customer)
    client.force_login(customer)

    response = client.get(LIST, {"tab": "all", **params})

    assert response.status_code == 200
    if "q" not in params:
        assert listed_numbers(response) == [ticket.number]


@pytest.mark.parametrize(
    "q", ["", "x" * 20_000, "#99999999999999999999", "99999999999999999999", "nul\x00byte"]
)
def test_bad_search_box_input_never_breaks(client, customer, q):
    make_ticket(customer)
    client.force_login(customer)

    response = client.get(reverse("portal:jump"), {"q": q}, follow=True)

    assert response.status_code == 200


def test_home_with_no_ticket_invites_to_open_one(client, customer):
    client.force_login(customer)

    response = client.get(HOME)

    assert "Open a new ticket" in text(response)
    assert tab_counts(response)["All tickets"] == 0
    assert not Ticket.objects.exists()
