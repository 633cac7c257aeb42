"""Report numbers against values computed by hand on a fixed week of tickets.

The week of Monday 2 March 2026, Paris time, office hours 9:00-18:00 (default
SLA policy, Normal priority: response within 9 business hours, resolution
within 45). Business times by hand:

| ticket | created     | taken in hand (response) | resolved        | resolution |
| T1     | Mon 10:00   | Mon 11:00 (1 h)          | Mon 15:00       | 4 h        |
| T2 bug | Mon 17:00   | Tue 10:00 (2 h)          | Wed 10:00       | 9 h        |
| T3     | Tue 9:00    | Tue 9:30 (30 min)        | Tue 10:00       | 30 min     |
| T4     | Wed 9:00    | Thu 12:00 (12 h, late)   | - (waits on customer after a reply Thu 14:00) |
| T5     | Thu 10:00   | -                        | -               |            |

Surveys: T1 rated 5 ("Parfait"), T2 rated 2 ("Lent"), T3 not answered.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comptoir.reports import metrics
from comptoir.reports.metrics import Scope
from comptoir.reports.models import Survey
from comptoir.reports.surveys import survey_answer
from comptoir.tickets import services
from comptoir.tickets.models import Category
from tests import factories

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
H = timedelta(hours=1)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=PARIS)


@pytest.fixture
def week(customer, agent):
    helper = factories.AgentFactory(email="helper@support.test", first_name="Hugo", last_name="H")
    group = factories.SupportGroupFactory(name="Paie")

    def step(when: datetime, action, **kwargs):
        with time_machine.travel(when, tick=False):
            return action(**kwargs)

    def create(when: datetime, subject: str, **kwargs):
        return step(when, factories.make_ticket, requester=customer, subject=subject, **kwargs)

    def assign(when, ticket, who):
        return step(when, services.ticket_assign, ticket=ticket, actor=who, assignee=who)

    def resolve(when, ticket, who):
        resolved = services.status_for_category(Category.RESOLVED)
        return step(when, services.ticket_change_status, ticket=ticket, actor=who, status=resolved)

    t1 = create(at(2, 10), "T1", group=group)
    assign(at(2, 11), t1, agent)
    resolve(at(2, 15), t1, agent)
    t2 = create(at(2, 17), "T2", group=group, type=factories.ticket_type("bug"))
    assign(at(3, 10), t2, agent)
    resolve(at(4, 10), t2, agent)
    t3 = create(at(3, 9), "T3")
    assign(at(3, 9, 30), t3, helper)
    resolve(at(3, 10), t3, helper)
    t4 = create(at(4, 9), "T4")
    assign(at(5, 12), t4, agent)
    step(at(5, 14), services.ticket_reply, ticket=t4, author=agent, body_html="<p>Which file?</p>")
    t5 = create(at(5, 10), "T5")
    surveys = {s.ticket.subject: s for s in Survey.objects.select_related("ticket")}
    step(at(5, 16), survey_answer, survey=surveys["T1"], score=5, comment="Parfait")
    step(at(5, 17), survey_answer, survey=surveys["T2"], score=2, comment="Lent")
    return {"group": group, "agent": agent, "helper": helper, "tickets": [t1, t2, t3, t4, t5]}


def scope(**kwargs) -> Scope:
    return Scope.for_days(date(2026, 3, 2), date(2026, 3, 6), PARIS, **kwargs)


def test_created_and_solved_per_day(week):
    table = metrics.volume(scope())

    assert table.rows == [
        [date(2026, 3, 2), 2, 1],
        [date(2026, 3, 3), 1, 1],
        [date(2026, 3, 4), 1, 1],
        [date(2026, 3, 5), 1, 0],
        [date(2026, 3, 6), 0, 0],
    ]


def test_created_and_solved_per_week(week):
    table = metrics.volume(scope(granularity="week"))

    assert table.rows == [[date(2026, 3, 2), 5, 3]]


def test_first_response_and_resolution_medians_and_90th_percentiles(week):
    table = metrics.times(scope())

    # Responses 0.5, 1, 2, 12 h: median (rank 2) 1 h, 90th (rank 4) 12 h.
    # Resolutions 0.5, 4, 9 h: median (rank 2) 4 h, 90th (rank 3) 9 h.
    assert table.rows == [
        ["First response", 4, 1 * H, 12 * H],
        ["Resolution", 3, 4 * H, 9 * H],
    ]


def test_filters_narrow_every_number(week):
    paie = scope(group_id=week["group"].pk)

    assert metrics.times(paie).rows == [
        ["First response", 2, 1 * H, 2 * H],
        ["Resolution", 2, 4 * H, 9 * H],
    ]
    assert [r[1:] for r in metrics.volume(paie).rows][:3] == [[2, 1], [0, 0], [0, 1]]
    bugs = metrics.created_by(scope(type_id=week["tickets"][1].type_id), "type")
    assert bugs.rows == [["Bug", 1]]


def test_sla_compliance(week):
    table = metrics.sla_compliance(scope())

    # T4 was taken in hand after 12 business hours: its 9-hour response target is missed.
    assert table.rows == [
        ["First response", 4, 3, 1, 75.0],
        ["Resolution", 3, 3, 0, 100.0],
    ]


def test_backlog_by_status_group_and_agent(week):
    s = scope()

    assert sorted(metrics.backlog(s, "status").rows) == [
        ["New", 1],
        ["Waiting for your response", 1],
    ]
    assert metrics.backlog(s, "group").rows == [["No group", 2]]
    assert sorted(metrics.backlog(s, "agent").rows) == [["Not assigned", 1], ["Sophie Agent", 1]]


def test_breakdowns_of_created_tickets(week, customer):
    s = scope()

    assert metrics.created_by(s, "type").rows == [["Help", 4], ["Bug", 1]]
    assert metrics.created_by(s, "channel").rows == [["Web", 5]]
    organisation = customer.organisations.get().name
    assert metrics.created_by(s, "organisation").rows == [[organisation, 5]]
    assert metrics.created_by(s, "product").rows == [["None", 5]]


def test_satisfaction_average_distribution_and_comments(week):
    summary, distribution, comments = metrics.satisfaction(scope())

    assert summary.rows == [[3, 2, 3.5, 66.7]]
    assert [row[1] for row in distribution.rows] == [1, 0, 0, 1, 0]  # 5, 4, 3, 2, 1
    assert [(c.ticket.subject, c.score, c.comment) for c in comments] == [
        ("T2", 2, "Lent"),
        ("T1", 5, "Parfait"),
    ]


def test_agent_workload(week):
    table = metrics.workload(scope())

    assert table.rows == [["Sophie Agent", 1, 2, 1], ["Hugo H", 0, 1, 0]]


# -- the pages ----------------------------------------------------------------------------


QUERY = "?date_from=2026-03-02&date_to=2026-03-06&granularity=day"


def test_the_dashboard_shows_tables_and_charts_to_supervisors(week, supervisor, client):
    client.force_login(supervisor)

    page = client.get("/reports/" + QUERY)

    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('<svg class="chart"') >= 5
    assert "Tickets created and solved" in html and "75.0" in html and "Parfait" in html
    assert 'href="/reports/tables/volume.csv' in html


def test_each_table_downloads_as_csv(week, supervisor, client):
    client.force_login(supervisor)

    response = client.get("/reports/tables/times.csv" + QUERY)

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        ["Measure", "Tickets", "Median", "90th percentile"],
        ["First response", "4", "1 h 00", "12 h 00"],
        ["Resolution", "3", "4 h 00", "9 h 00"],
    ]


@pytest.mark.parametrize("role", ["customer", "agent"])
def test_reports_are_for_supervisors_only(role, customer, agent, client):
    client.force_login(customer if role == "customer" else agent)

    assert client.get("/reports/").status_code == 403
    assert client.get("/reports/tables/volume.csv").status_code == 403


def test_the_dashboard_costs_the_same_queries_whatever_the_tickets(week, supervisor, client):
    client.force_login(supervisor)
    with CaptureQueriesContext(connection) as before:
        client.get("/reports/" + QUERY)
    for n in range(6):
        with time_machine.travel(at(6, 10 + n), tick=False):
            factories.make_ticket(week["tickets"][0].requester, subject=f"More {n}")

    with CaptureQueriesContext(connection) as after:
        client.get("/reports/" + QUERY)

    assert len(after) == len(before)
