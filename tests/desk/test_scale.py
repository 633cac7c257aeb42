"""The desk at scale: a constant number of queries per list page, counts capped
instead of counting every ticket, the organisation filter as suggestions
instead of thousands of options, and the indexes the lists need."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateformat import format as django_date_format

from comptoir.desk.queries import COUNT_CAP
from comptoir.desk.rows import format_date
from comptoir.desk.widgets import QuickSelects
from comptoir.tickets.models import Status, Ticket
from tests.factories import (
    CustomerFactory,
    OrganisationFactory,
    SupportGroupFactory,
    make_ticket,
    priority,
    ticket_type,
)
from tests.portal.helpers import text

from .helpers import QUEUE, rows

pytestmark = pytest.mark.django_db

SUGGEST = reverse("desk:organisations")


def tickets_straight_to_the_table(count: int, *, group=None, status_slug: str = "assigned"):
    """``count`` tickets written in one statement (fast to set up), one minute apart."""
    requester = CustomerFactory()
    status = Status.objects.get(slug=status_slug)
    now = timezone.now()
    start = 60_000 + Ticket.objects.count()
    Ticket.objects.bulk_create(
        Ticket(
            number=start + i,
            subject=f"Printer {i}",
            requester=requester,
            organisation=requester.organisations.first(),
            type=ticket_type(),
            priority=priority(),
            status=status,
            category=status.category,
            group=group,
            created_at=now - timedelta(minutes=i),
            updated_at=now - timedelta(minutes=i),
        )
        for i in range(count)
    )


def _bench_list(desk, group) -> tuple[int, str]:
    """The benchmark's list: a group's assigned tickets, latest update first."""
    params = {"queue": "all", "group": group.pk, "status": "assigned", "sort": "updated"}
    desk.get(QUEUE, params)  # the agent's queue counts, kept for a while
    with CaptureQueriesContext(connection) as captured:
        response = desk.get(QUEUE, {**params, "dir": "desc", "per_page": "50"})
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_a_group_and_status_list_runs_the_same_few_queries_for_5_and_60_tickets(
    desk, agent, settings
):
    settings.COMPTOIR_CONFIG_CACHE_SECONDS = 60  # statuses, groups... kept as in production
    group = SupportGroupFactory(name="Support")
    tickets_straight_to_the_table(5, group=group)
    few, html = _bench_list(desk, group)
    assert "5 tickets" in html

    tickets_straight_to_the_table(55, group=group)
    tickets_straight_to_the_table(20, group=None)  # not in the group
    many, html = _bench_list(desk, group)

    assert many == few
    assert few <= 7  # session, user, count, rows, tags, side navigation, contracts
    assert html.count('<td><a href="/desk/tickets/') == 50
    assert "60 tickets" in html and "Page 1 of 2" in html


def test_a_long_list_says_more_than_1000_and_still_pages(desk):
    tickets_straight_to_the_table(COUNT_CAP + 5)

    with CaptureQueriesContext(connection) as captured:
        first = desk.get(QUEUE, {"queue": "all", "per_page": "100"})
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"]]
    last = desk.get(QUEUE, {"queue": "all", "per_page": "100", "page": "11"})

    assert "More than 1,000 tickets" in text(first)
    assert "Page 1" in text(first) and "Page 1 of" not in text(first)
    assert "page=2" in first.content.decode()
    assert any(f"LIMIT {COUNT_CAP + 1}" in sql for sql in counts)
    assert len(rows(last)) == 5
    assert 'rel="next"' not in last.content.decode()


def test_a_page_past_the_end_of_a_short_list_shows_its_last_page(desk):
    tickets_straight_to_the_table(30)

    response = desk.get(QUEUE, {"queue": "all", "per_page": "25", "page": "9"})

    assert len(rows(response)) == 5
    assert "Page 2 of 2" in text(response)


# -- the organisation filter ------------------------------------------------------


@pytest.fixture
def organisations(db):
    """Thirty organisations, three of them town halls."""
    made = [OrganisationFactory(name=f"Association {i:02}") for i in range(27)]
    made += [
        OrganisationFactory(name=name)
        for name in ("Mairie de Saint-Aubin", "Mairie de Brest", "Communauté Mairie-Vallée")
    ]
    return {o.name: o for o in made}


def test_the_filter_suggests_at_most_20_organisations_starting_with_the_text_first(
    desk, organisations
):
    found = desk.get(SUGGEST, {"q": "mairie"}).json()["results"]
    assert [o["name"] for o in found] == [
        "Mairie de Brest",
        "Mairie de Saint-Aubin",
        "Communauté Mairie-Vallée",
    ]
    assert found[0]["id"] == organisations["Mairie de Brest"].pk

    assert len(desk.get(SUGGEST, {"q": "association"}).json()["results"]) == 20
    assert desk.get(SUGGEST, {"q": "  "}).json()["results"] == []
    assert desk.get(SUGGEST, {"q": "x" * 5000}).status_code == 200


def test_only_agents_get_suggestions(client, customer, organisations):
    assert client.get(SUGGEST, {"q": "mairie"}).status_code == 302  # to the login page

    client.force_login(customer)

    assert client.get(SUGGEST, {"q": "mairie"}).status_code == 404


def test_the_list_page_no_longer_lists_every_organisation(desk, organisations):
    html = desk.get(QUEUE, {"queue": "all"}).content.decode()

    assert "Association 07" not in html
    assert '<label for="id_organisation_name">Organisation</label>' in html
    assert 'list="organisation-suggestions"' in html


def test_typed_text_filters_by_name_without_javascript(desk, organisations):
    brest = make_ticket(CustomerFactory(organisation=organisations["Mairie de Brest"]))
    aubin = make_ticket(CustomerFactory(organisation=organisations["Mairie de Saint-Aubin"]))
    make_ticket(CustomerFactory(organisation=organisations["Association 03"]))

    response = desk.get(QUEUE, {"queue": "all", "organisation_name": "mairie de"})

    assert sorted(rows(response)) == sorted([brest.number, aubin.number])
    assert 'value="mairie de"' in response.content.decode()


def test_a_chosen_suggestion_filters_by_id_and_shows_its_name(desk, organisations):
    brest = organisations["Mairie de Brest"]
    ticket = make_ticket(CustomerFactory(organisation=brest))
    make_ticket(CustomerFactory(organisation=organisations["Mairie de Saint-Aubin"]))

    # What the page's script sends; a saved view keeps the id alone.
    chosen = desk.get(
        QUEUE, {"queue": "all", "organisation": brest.pk, "organisation_name": brest.name}
    )
    saved = desk.get(QUEUE, {"queue": "all", "organisation": brest.pk})

    assert rows(chosen) == rows(saved) == [ticket.number]
    assert 'value="Mairie de Brest"' in saved.content.decode()
    assert f'name="organisation" value="{brest.pk}"' in saved.content.decode()


def test_text_changed_after_choosing_wins_over_the_chosen_id(desk, organisations):
    brest, aubin = organisations["Mairie de Brest"], organisations["Mairie de Saint-Aubin"]
    make_ticket(CustomerFactory(organisation=brest))
    other = make_ticket(CustomerFactory(organisation=aubin))

    response = desk.get(
        QUEUE, {"queue": "all", "organisation": brest.pk, "organisation_name": "saint-aubin"}
    )

    assert rows(response) == [other.number]


def test_an_unknown_organisation_id_matches_nothing_and_a_bad_one_is_reported(desk):
    make_ticket()

    assert rows(desk.get(QUEUE, {"queue": "all", "organisation": "999999"})) == []
    response = desk.get(QUEUE, {"queue": "all", "organisation": "abc"})
    assert response.status_code == 200 and len(rows(response)) == 1


# -- indexes ---------------------------------------------------------------------------


def test_the_ticket_table_has_the_desk_list_indexes():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Ticket._meta.db_table)

    columns = {name: c["columns"] for name, c in constraints.items() if c["index"]}
    assert columns["ticket_group_status_upd"] == ["group_id", "status_id", "updated_at"]
    assert columns["ticket_assignee_status_upd"] == ["assignee_id", "status_id", "updated_at"]
    assert columns["ticket_undone_assignee_upd"][:2] == ["assignee_id", "updated_at"]
    assert columns["ticket_undone_group_upd"] == ["group_id", "updated_at"]


# -- what the pages are written with ---------------------------------------------------


@pytest.mark.parametrize("fmt", ["d/m/Y H:i", "m/d/Y h:i A", "Y-m-d H:i", "D j N Y"])
@pytest.mark.parametrize("language", ["en", "fr"])
def test_dates_read_as_the_date_filter_writes_them(fmt, language):
    with translation.override(language):
        for hour in (0, 9, 12, 23):
            moment = timezone.localtime(timezone.now()).replace(hour=hour)
            assert format_date(moment, fmt) == django_date_format(moment, fmt)


def test_quick_widgets_write_the_html_django_writes():
    from django import forms

    class Plain(forms.Form):
        one = forms.ChoiceField(choices=[("", "—"), ("a", "A & <b>"), ("b", "B")])
        many = forms.MultipleChoiceField(
            choices=[("1", "One"), ("Group", [("2", "Two")])],
            required=False,
            widget=forms.SelectMultiple(attrs={"data-chips": True, "title": 'say "hi"'}),
        )
        text = forms.CharField(max_length=20, required=False, help_text="Help")
        hidden = forms.IntegerField(required=False, widget=forms.HiddenInput)
        number = forms.DecimalField(required=False)
        day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
        email = forms.EmailField(required=False)
        body = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
        mode = forms.ChoiceField(choices=[("a", "A & b"), ("b", "B")], widget=forms.RadioSelect)
        boxes = forms.MultipleChoiceField(
            choices=[("1", "One"), ("Group", [("2", "Two")])],
            widget=forms.CheckboxSelectMultiple(attrs={"class": "chips"}),
            required=False,
        )

    class Quick(QuickSelects, Plain):
        pass

    names = ("one", "many", "text", "hidden", "number", "day", "email", "body", "mode", "boxes")
    filled = {
        "one": "a",
        "many": ["2"],
        "text": 'a "quoted" <b>',
        "hidden": "7",
        "number": "1.5",
        "day": "2026-03-01",
        "email": "a@b.test",
        "body": "Line 1\n<p>Line 2</p>",
        "mode": "a",
        "boxes": ["1", "2"],
    }
    for data in (None, filled, {"one": "zzz", "number": "x", "day": "never"}):
        plain, quick = Plain(data), Quick(data)
        for name in names:
            assert str(quick[name]) == str(plain[name]), name
    initial = Quick(initial={"text": "Hi", "body": "", "day": "2026-01-02"})
    assert str(initial["text"]) == str(Plain(initial={"text": "Hi"})["text"])


def test_a_new_group_is_offered_at_once_though_reference_data_is_kept(desk, settings):
    settings.COMPTOIR_CONFIG_CACHE_SECONDS = 60
    desk.get(QUEUE)  # statuses, groups... kept

    SupportGroupFactory(name="Night shift")

    assert ">Night shift</option>" in desk.get(QUEUE).content.decode()


def test_field_blocks_write_what_the_portal_field_template_writes():
    import re

    from django import forms
    from django.template.loader import render_to_string

    from comptoir.desk.templatetags.desk_tags import field_block

    class Sample(forms.Form):
        subject = forms.CharField(label="Subject <b>", help_text="Short & clear")
        agree = forms.BooleanField(label="Agree", required=False)
        tags = forms.MultipleChoiceField(
            label="Tags",
            choices=[("a", "A"), ("b", "B")],
            widget=forms.CheckboxSelectMultiple,
            required=False,
        )
        kind = forms.ChoiceField(
            label="Kind", choices=[("x", "X")], widget=forms.Select(attrs={"data_types": "1,2"})
        )

    def squeeze(html: str) -> str:
        return re.sub(r"\s+", " ", str(html)).replace("> <", "><").strip()

    for data in (None, {"subject": "", "kind": "nope"}):
        form = Sample(data)
        if data:
            form.is_valid()
        for name in ("subject", "agree", "tags", "kind"):
            for required in (False, True):
                expected = render_to_string(
                    "portal/_field.html", {"field": form[name], "required": required}
                )
                assert squeeze(field_block(form[name], required)) == squeeze(expected), name


FILTER_FIELD = """<div class="field{% if field.errors %} has-error{% endif %}">
  <label for="{{ field.id_for_label }}">{{ field.label }}</label>
  {{ field }}
  {% for error in field.errors %}<p class="error">{{ error }}</p>{% endfor %}
</div>"""


def test_filter_fields_write_what_the_filter_field_template_wrote():
    from django import forms
    from django.template import Context, Template

    from comptoir.desk.templatetags.desk_tags import filter_field

    class Sample(forms.Form):
        text = forms.CharField(label="Text & <more>", max_length=5)
        day = forms.DateField(label="Day", widget=forms.DateInput(attrs={"type": "date"}))

    for data in (None, {"text": "far too long", "day": "yesterday"}):
        form = Sample(data)
        for name in ("text", "day"):
            expected = Template(FILTER_FIELD).render(Context({"field": form[name]}))
            assert str(filter_field(form[name])) == expected
