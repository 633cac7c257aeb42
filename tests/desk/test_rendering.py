"""What the desk pages write once and keep, or write in Python: the same HTML
as the templates and Django's widgets wrote, and kept renderings that follow
the data they show."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django import forms
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comptoir.desk import queries
from comptoir.desk.history import Entry
from comptoir.desk.models import DeskAgentProfile, SavedView, TicketFollower, TicketPresence
from comptoir.desk.reference import reference
from comptoir.desk.templatetags.desk_tags import history_entries, radio_tag
from comptoir.desk.widgets import KeptChoices, QuickSelects
from comptoir.tickets import services
from comptoir.tickets.models import Message
from tests.factories import AgentFactory, ProductFactory, make_ticket

from .helpers import QUEUE, ticket_url

pytestmark = pytest.mark.django_db

PAIRS = [("", "—"), ("a", "A & <b>"), ("b", "B"), (3, "Three"), ("a", "A again")]


class Plain(forms.Form):
    one = forms.ChoiceField(choices=PAIRS, required=False)
    many = forms.MultipleChoiceField(
        choices=PAIRS,
        required=False,
        widget=forms.SelectMultiple(attrs={"data-chips": True, "title": 'say "hi"'}),
    )


class Kept(QuickSelects, Plain):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("one", "many"):
            self.fields[name].choices = KeptChoices(PAIRS)


def test_kept_choices_render_and_validate_as_django_choices():
    cases = (None, {"one": "a", "many": ["a", "3"]}, {"one": "zzz", "many": ["zzz"]}, {"one": ""})
    for data in cases:
        plain, kept = Plain(data), Kept(data)
        assert plain.is_valid() == kept.is_valid()
        for name in ("one", "many"):
            # A single select marks its first match only, as Django does.
            assert str(kept[name]) == str(plain[name]), (data, name)
    assert str(Kept(initial={"one": 3})["one"]) == str(Plain(initial={"one": 3})["one"])


def test_a_check_box_written_in_python_keeps_its_html_and_its_kind():
    from comptoir.desk.widgets import quicken

    class Box(forms.Form):
        agree = forms.BooleanField(required=False, widget=forms.CheckboxInput(attrs={"x": "1"}))

    for data in (None, {"agree": "on"}, {}):
        plain, quick = Box(data), Box(data)
        quicken(quick)
        assert str(quick["agree"]) == str(plain["agree"])
        assert quick["agree"].widget_type == plain["agree"].widget_type == "checkbox"


def test_radio_buttons_written_in_python_are_the_ones_django_writes():
    class Mode(forms.Form):
        mode = forms.ChoiceField(
            choices=[("a", "A & b"), ("b", "B")], widget=forms.RadioSelect, initial="a"
        )

    class QuickMode(QuickSelects, Mode):
        pass

    for form in (Mode(), QuickMode(), Mode({"mode": "b"})):
        for radio in form["mode"]:
            assert radio_tag(radio) == radio.tag()


HISTORY_LOOP = """{% load i18n desk_tags %}{% for entry in history %}
      <li{% if entry.internal %} class="internal"{% endif %}>
        {{ entry.at|time_tag:user.date_format }}
        <span class="who">{{ entry.actor }}</span>
        <span class="what">{{ entry.text }}{% if entry.ticket_number %} <a href="{% url 'desk:ticket' entry.ticket_number %}">#{{ entry.ticket_number }}</a>{% endif %}{% if entry.message_id %} <a href="#message-{{ entry.message_id }}">{% translate "read" %}</a>{% endif %}{% if entry.old or entry.new %}: <del>{{ entry.old|default:"—" }}</del> → <ins>{{ entry.new|default:"—" }}</ins>{% endif %}</span>
      </li>
    {% endfor %}"""  # noqa: E501


def test_history_entries_write_what_the_history_template_wrote(agent):
    now = timezone.now()
    history = [
        Entry(at=now, actor="Anne <b>", text="Ticket created"),
        Entry(at=now, actor="Bruno", text="Status", old="New", new="Assigned & more"),
        Entry(at=now, actor="Bruno", text="Subject", old="", new="x"),
        Entry(at=now, actor="System", text="Merged into ticket", ticket_number=1042),
        Entry(at=now, actor="Chloé", text="Internal note", message_id=7, internal=True),
    ]
    context = Context({"history": history, "user": agent})

    assert history_entries(context, history) == Template(HISTORY_LOOP).render(context)


def test_the_side_navigation_reads_views_and_away_in_one_query(agent):
    SavedView.objects.create(owner=agent, name="b second", query="queue=all")
    SavedView.objects.create(owner=agent, name="a first", query="queue=mine")
    SavedView.objects.create(owner=AgentFactory(), name="not mine", query="")

    with CaptureQueriesContext(connection) as captured:
        views, profile = queries.saved_views_and_profile(agent)
    assert len(captured) == 1
    assert [(v.name, v.query) for v in views] == [
        ("a first", "queue=mine"),
        ("b second", "queue=all"),
    ]
    assert [v.pk for v in views] == [v.pk for v in queries.saved_views(agent)]
    assert profile.away is False and profile.pk is None

    DeskAgentProfile.objects.create(user=agent, away=True)
    views, profile = queries.saved_views_and_profile(agent)
    assert profile.away is True and profile.pk == queries.agent_profile(agent).pk
    assert len(views) == 2


def test_followers_and_presence_come_in_one_query_in_their_order(agent):
    ticket = make_ticket()
    now = timezone.now()
    zoe = AgentFactory(first_name="Zoé", last_name="Martin")
    bea = AgentFactory(first_name="Béa", last_name="Roux")
    TicketFollower.objects.create(ticket=ticket, user=zoe)
    TicketFollower.objects.create(ticket=ticket, user=agent)
    TicketPresence.objects.create(ticket=ticket, user=zoe, seen_at=now)
    TicketPresence.objects.create(ticket=ticket, user=bea, seen_at=now, typing_at=now)
    TicketPresence.objects.create(ticket=ticket, user=agent, seen_at=now)  # the viewer
    gone = AgentFactory(first_name="Ancien")
    TicketPresence.objects.create(ticket=ticket, user=gone, seen_at=now - timedelta(hours=1))

    with CaptureQueriesContext(connection) as captured:
        followers, present = queries.followers_and_present(ticket, agent, now)

    assert len(captured) == 1
    assert [f.pk for f in followers] == [f.pk for f in queries.followers(ticket)]
    assert [f.display_name for f in followers] == [zoe.display_name, agent.display_name]
    assert present == queries.others_present(ticket, agent, now)
    assert [(p.name, p.typing) for p in present] == [("Béa Roux", True), ("Zoé Martin", False)]


def test_tags_and_links_are_read_in_one_query_each(agent, settings):
    settings.COMPTOIR_CONFIG_CACHE_SECONDS = 60  # statuses... kept as in production
    other, ticket, third = make_ticket(), make_ticket(), make_ticket()  # ids in that order
    products = [ProductFactory(), ProductFactory()]
    ticket.products.set(products)
    from comptoir.desk.models import TicketLink

    TicketLink.objects.create(first=ticket, second=third)
    TicketLink.objects.create(first=other, second=ticket)
    reference()

    with CaptureQueriesContext(connection) as captured:
        tags = queries.ticket_tags(ticket)
        links = queries.linked_tickets(agent, ticket)
    assert len(captured) == 2
    assert sorted(tags[0]) == sorted(p.pk for p in products) and tags[1] == []
    assert [t.number for t in links] == sorted([other.number, third.number])
    assert [t.number for t in queries.linked_tickets(agent, third)] == [ticket.number]


def test_the_conversation_is_kept_until_the_ticket_changes(desk, agent, settings):
    settings.COMPTOIR_CONFIG_CACHE_SECONDS = 60
    ticket = make_ticket(subject="Printer", language="en")
    page = ticket_url(ticket)
    desk.get(page)

    with CaptureQueriesContext(connection) as captured:
        assert desk.get(page).status_code == 200
    assert not any("tickets_message" in q["sql"] for q in captured.captured_queries)

    services.ticket_reply(ticket=ticket, author=agent, body_html="<p>Second thoughts</p>")
    html = desk.get(page).content.decode()
    last = Message.objects.filter(ticket=ticket).order_by("-pk").first()
    assert "Second thoughts" in html
    assert f'data-seen="{last.pk}"' in html
    assert f'name="seen_message" value="{last.pk}"' in html

    services.ticket_reply(ticket=ticket, author=agent, body_html="<p>n</p>", internal=True)
    assert "Internal note</span>" in desk.get(page).content.decode()
    agent.language = "fr"
    agent.save(update_fields=["language"])
    assert "Note interne</span>" in desk.get(page).content.decode()


def test_filter_choices_are_written_once_and_follow_the_language(desk, agent, settings):
    settings.COMPTOIR_CONFIG_CACHE_SECONDS = 60
    english = desk.get(QUEUE, {"queue": "all", "assignee": "none"}).content.decode()
    ref = reference()
    kept = {key for key in ref.derived if isinstance(key, tuple)}

    agent.language = "fr"
    agent.save(update_fields=["language"])
    french = desk.get(QUEUE, {"queue": "all"}).content.decode()

    assert ("desk:filter-choices", "en") in kept and ("desk:bulk-choices", "en") in kept
    assert '<option value="none" selected>Nobody</option>' in english
    assert '<option value="none">Personne</option>' in french
    assert reference() is ref  # the same kept rows, written in both languages


def test_the_filter_fields_written_once_follow_the_url_and_the_language(desk, agent, settings):
    settings.COMPTOIR_CONFIG_CACHE_SECONDS = 60
    make_ticket()
    wrong = {"queue": "all", "created_from": "yesterday"}

    first = desk.get(QUEUE, wrong).content.decode()
    again = desk.get(QUEUE, wrong).content.decode()
    right = desk.get(QUEUE, {"queue": "all", "created_from": "2026-01-02"}).content.decode()
    agent.language = "fr"
    agent.save(update_fields=["language"])
    french = desk.get(QUEUE, wrong).content.decode()

    assert first.count('class="error"') == again.count('class="error"') == 1
    assert 'value="yesterday"' in again and 'value="2026-01-02"' not in again
    assert 'class="error"' not in right and 'value="2026-01-02"' in right
    assert '<label for="id_created_from">Created from</label>' in first
    assert '<label for="id_created_from">Created from</label>' not in french
    assert french.count('class="error"') == 1
