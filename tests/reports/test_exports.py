"""Ticket exports: what a person may see, nothing more, in files that open right."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comptoir.tickets import services
from comptoir.tickets.models import CustomField
from tests import factories

pytestmark = pytest.mark.django_db

EXPORT = "/reports/exports/new/"
ALL_FIELDS = [
    "number", "subject", "status", "type", "priority", "requester", "requester_email",
    "organisation", "group", "assignee", "products", "themes", "channel", "created_at",
    "updated_at", "first_response_at", "resolved_at", "closed_at", "description",
    "satisfaction", "satisfaction_comment", "cf:reproducibility", "cf:additional-information",
]  # fmt: skip
AGENT_ONLY = {"group", "satisfaction", "satisfaction_comment"}
CUSTOMER_FIELDS = [f for f in ALL_FIELDS if f not in AGENT_ONLY]


def export(client, fmt: str = "csv", fields=CUSTOMER_FIELDS, **extra):
    data = {"format": fmt, "columns": list(fields), "tab": "all", **extra}
    return client.post(EXPORT, data)


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads the accents
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def sheet_rows(response) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(workbook.active.iter_rows(values_only=True))


def by_number(rows: list, number: int) -> tuple:
    return next(r for r in rows if str(r[0]) == str(number))


# -- what a customer gets -----------------------------------------------------------------


def test_a_customer_exports_their_tickets_and_nothing_else(customer, other_customer, agent, client):
    mine = factories.make_ticket(customer, subject="Mon planning est vide")
    services.ticket_reply(
        ticket=mine, author=agent, body_html="<p>SECRET internal note</p>", internal=True
    )
    services.ticket_reply(ticket=mine, author=agent, body_html="<p>Public answer</p>")
    theirs = factories.make_ticket(other_customer, subject="Autre structure")
    client.force_login(customer)

    rows = csv_rows(export(client))

    header, body = rows[0], rows[1:]
    assert [r[0] for r in body] == [str(mine.number)]
    flat = "\n".join(",".join(r) for r in rows)
    assert "SECRET" not in flat and "Autre structure" not in flat
    assert str(theirs.number) not in [r[0] for r in body]
    assert header[:3] == ["Number", "Subject", "Status"]


def test_agent_only_columns_are_refused_to_customers(customer, client):
    factories.make_ticket(customer)
    client.force_login(customer)

    response = export(client, fields=["number", "group", "satisfaction_comment"])

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_customer_export_stays_within_visible_tickets_in_excel(
    customer, other_customer, agent, client
):
    factories.make_ticket(customer, subject="Le mien")
    factories.make_ticket(other_customer, subject="Pas le mien")
    client.force_login(customer)

    rows = sheet_rows(export(client, "xlsx"))

    subjects = [r[1] for r in rows[1:]]
    assert subjects == ["Le mien"]


def test_custom_fields_hidden_from_customers_are_not_exportable(customer, client):
    hidden = CustomField.objects.create(
        key="internal-score", field_type="text", label_en="Internal score",
        visible_to_customer=False,
    )  # fmt: skip
    factories.make_ticket(customer, custom_fields={"internal-score": "42"})
    client.force_login(customer)

    form = client.get(EXPORT).content.decode()
    response = export(client, fields=["number", f"cf:{hidden.key}"])

    assert "Internal score" not in form
    assert response.status_code == 400 and b"42" not in response.content


# -- cell contents ----------------------------------------------------------------------


@pytest.fixture
def tricky(customer):
    product = factories.ProductFactory(name="Planning")
    ticket = factories.make_ticket(
        customer,
        subject='=HYPERLINK("http://evil.test","clic")',
        body="<p>Première ligne</p><p>Deuxième ligne : à ça</p>",
        products=[product],
        custom_fields={"reproducibility": "always", "additional-information": "+33 6 12"},
    )
    return ticket


def test_csv_neutralises_formulas_and_keeps_accents_and_line_breaks(tricky, customer, client):
    client.force_login(customer)

    rows = csv_rows(export(client))

    header, row = rows[0], rows[1]
    cells = dict(zip(header, row, strict=True))
    assert cells["Subject"] == '\'=HYPERLINK("http://evil.test","clic")'
    assert cells["Description"] == "Première ligne\nDeuxième ligne : à ça"
    assert cells["Products"] == "Planning"
    assert cells["Reproducibility"] == "Always"
    assert cells["Additional information"] == "'+33 6 12"


def test_excel_keeps_formula_looking_text_as_text(tricky, customer, client):
    client.force_login(customer)

    workbook = openpyxl.load_workbook(
        io.BytesIO(b"".join(export(client, "xlsx").streaming_content))
    )

    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    subject = sheet.cell(row=2, column=header.index("Subject") + 1)
    assert subject.data_type == "s"  # a string, never a formula
    assert subject.value == '=HYPERLINK("http://evil.test","clic")'
    description = sheet.cell(row=2, column=header.index("Description") + 1).value
    assert description == "Première ligne\nDeuxième ligne : à ça"


def test_dates_are_in_the_users_zone_and_format(customer, client):
    customer.time_zone = "America/Montreal"
    customer.date_format = "m/d/Y h:i A"
    customer.save()
    with time_machine.travel(datetime(2026, 1, 15, 3, 30, tzinfo=ZoneInfo("UTC")), tick=False):
        factories.make_ticket(customer)
    client.force_login(customer)

    csv_cells = dict(zip(*csv_rows(export(client, fields=["number", "created_at"])), strict=True))
    rows = sheet_rows(export(client, "xlsx", fields=["number", "created_at"]))

    # 03:30 UTC is 22:30 the day before in Montreal.
    assert csv_cells["Created"] == "01/14/2026 10:30 PM"
    assert rows[1][1] == datetime(2026, 1, 14, 22, 30)


def test_the_date_range_limits_by_creation_day(customer, client):
    for day in (1, 10, 20):
        with time_machine.travel(datetime(2026, 3, day, 12, tzinfo=ZoneInfo("UTC")), tick=False):
            factories.make_ticket(customer, subject=f"Day {day}")
    client.force_login(customer)

    rows = csv_rows(
        export(client, fields=["subject"], date_from="2026-03-05", date_to="2026-03-20")
    )

    assert sorted(r[0] for r in rows[1:]) == ["Day 10", "Day 20"]


def test_the_list_tab_is_kept(customer, agent, client):
    open_one = factories.make_ticket(customer, subject="Still open")
    done = factories.make_ticket(customer, subject="Done")
    services.ticket_close(ticket=done, actor=customer)
    client.force_login(customer)

    rows = csv_rows(client.post(EXPORT, {"format": "csv", "columns": ["subject"], "tab": "done"}))

    assert [r[0] for r in rows[1:]] == ["Done"]
    assert open_one.subject not in str(rows)


def test_the_form_offers_formats_dates_and_field_boxes(customer, client):
    client.force_login(customer)

    page = client.get(EXPORT + "?tab=done&q=planning")

    html = page.content.decode()
    assert page.status_code == 200
    assert 'type="radio" name="format" value="xlsx"' in html
    assert 'type="checkbox" name="columns" value="cf:reproducibility"' in html
    assert 'name="q" value="planning"' in html  # the list's filters are carried along


def test_the_my_tickets_page_links_to_the_export(customer, client):
    client.force_login(customer)

    html = client.get("/tickets/?tab=done").content.decode()

    assert "Export tickets" in html and "/reports/exports/new/?tab=done" in html


# -- agents ------------------------------------------------------------------------------------


def test_agents_export_any_list_with_its_filters(customer, agent, client):
    group = factories.SupportGroupFactory(name="Paie")
    in_group = factories.make_ticket(customer, subject="Paie", group=group)
    factories.make_ticket(customer, subject="Autre")
    client.force_login(agent)

    rows = csv_rows(export(client, fields=["number", "group"], group=str(group.pk)))

    assert rows == [["Number", "Group"], [str(in_group.number), "Paie"]]


def test_agents_see_ratings_in_the_export(customer, agent, client):
    from tests.reports.conftest import resolve

    ticket = factories.make_ticket(customer)
    resolve(ticket, agent)
    from comptoir.reports.models import Survey
    from comptoir.reports.surveys import survey_answer

    survey_answer(survey=Survey.objects.get(), score=4, comment="Très bien")
    client.force_login(agent)

    rows = csv_rows(export(client, fields=["number", "satisfaction", "satisfaction_comment"]))

    assert rows[1] == [str(ticket.number), "4", "Très bien"]


# -- cost ----------------------------------------------------------------------------------------


def count_queries(client, fmt: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = export(client, fmt, fields=ALL_FIELDS)
        b"".join(response.streaming_content)
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_rows(customer, agent, client):
    client.force_login(agent)
    product = factories.ProductFactory(name="Paie")
    factories.make_ticket(customer, products=[product])
    few = {fmt: count_queries(client, fmt) for fmt in ("csv", "xlsx")}
    for _ in range(12):
        factories.make_ticket(customer, products=[product])

    many = {fmt: count_queries(client, fmt) for fmt in ("csv", "xlsx")}

    assert many == few
