"""Which language a page is shown in, and labels of configurable data following it.

Order of precedence (settings.MIDDLEWARE: LocaleMiddleware, then
accounts.middleware.UserPreferencesMiddleware):

1. the language switch (the ``django_language`` cookie set by /i18n/setlang/);
2. the signed-in user's preferred language (profile);
3. the browser's Accept-Language header, first supported language wins;
4. English.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse

from comptoir.tickets import services
from comptoir.tickets.models import CustomField, Priority, Status, TicketType
from tests.factories import CustomerFactory, make_ticket, priority, ticket_type

pytestmark = pytest.mark.django_db

# A string of each language's login page, and of the portal's header.
LOGIN_TITLE = {
    "en": "Log in to the support portal",
    "fr": "Connectez-vous au portail de support",
    "es": "Inicie sesión en el portal de soporte",
}
MY_TICKETS = {"en": "My tickets", "fr": "Mes tickets", "es": "Mis tickets"}


def html_lang(response) -> str:
    match = re.search(r'<html lang="([^"]*)"', response.content.decode())
    assert match, "no <html lang> on the page"
    return match.group(1)


def assert_language(response, lang: str, marker: dict[str, str]) -> None:
    assert response.status_code == 200
    assert html_lang(response) == lang
    assert response["Content-Language"] == lang
    page = response.content.decode()
    assert marker[lang] in page
    for other, text in marker.items():
        if other != lang:
            assert text not in page, f"{other} text {text!r} on a {lang} page"


@pytest.fixture
def login_url():
    return reverse("account_login")


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("fr", "fr"),
        ("es", "es"),
        ("en", "en"),
        ("fr-FR,fr;q=0.9,en;q=0.8", "fr"),
        ("es-MX,es;q=0.9", "es"),
        ("en-GB,en;q=0.9,fr;q=0.5", "en"),
        ("de-DE,de;q=0.9", "en"),
        ("de", "en"),
        ("it, pt;q=0.8", "en"),
        ("de, es;q=0.7, fr;q=0.5", "es"),
        ("", "en"),
    ],
)
def test_browser_language_chooses_the_page_language(client, login_url, accept, expected):
    response = client.get(login_url, HTTP_ACCEPT_LANGUAGE=accept)
    assert_language(response, expected, LOGIN_TITLE)


def test_signed_in_customer_without_preference_follows_the_browser(client, customer):
    client.force_login(customer)
    for accept, lang in [("fr-FR,fr;q=0.9", "fr"), ("es", "es"), ("de", "en")]:
        response = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE=accept)
        assert_language(response, lang, MY_TICKETS)


def test_language_switch_changes_the_language_and_it_sticks(client, login_url):
    # The header form posts the language and the page to come back to.
    response = client.post(
        reverse("set_language"),
        {"language": "es", "next": login_url},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 302
    assert response["Location"] == login_url
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"

    # The choice wins over the browser's language, page after page.
    for _ in range(2):
        assert_language(client.get(login_url, HTTP_ACCEPT_LANGUAGE="fr"), "es", LOGIN_TITLE)

    client.post(reverse("set_language"), {"language": "en", "next": login_url})
    assert_language(client.get(login_url, HTTP_ACCEPT_LANGUAGE="fr"), "en", LOGIN_TITLE)


def test_language_switch_sticks_across_login_and_portal_pages(client, customer, login_url):
    client.post(reverse("set_language"), {"language": "fr", "next": login_url})
    assert_language(client.get(login_url, HTTP_ACCEPT_LANGUAGE="es"), "fr", LOGIN_TITLE)
    client.force_login(customer)
    for name in ("portal:home", "portal:tickets", "portal:ticket_new"):
        response = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="es")
        assert_language(response, "fr", MY_TICKETS)


def test_language_switch_to_an_unknown_language_gives_english(client, login_url):
    # Django's set_language view accepts any language it has a catalogue for, such
    # as German; the page then falls back to the browser's language, else English.
    client.post(reverse("set_language"), {"language": "es", "next": login_url})
    response = client.post(reverse("set_language"), {"language": "de", "next": login_url})
    assert response.status_code == 302
    assert_language(client.get(login_url), "en", LOGIN_TITLE)
    assert_language(client.get(login_url, HTTP_ACCEPT_LANGUAGE="fr"), "fr", LOGIN_TITLE)


def test_header_form_offers_every_language_and_marks_the_current_one(client, login_url):
    page = client.get(login_url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert f'action="{reverse("set_language")}"' in page
    options = re.findall(r'<option value="(\w+)" lang="\w+" ?(selected)?>([^<]+)</option>', page)
    assert [(code, label) for code, _selected, label in options] == [
        ("fr", "Français"),
        ("en", "English"),
        ("es", "Español"),
    ]
    assert [code for code, selected, _label in options if selected] == ["es"]


def test_profile_language_wins_over_the_browser_and_the_switch_over_both(client):
    customer = CustomerFactory(language="es")
    client.force_login(customer)
    home = reverse("portal:home")
    assert_language(client.get(home, HTTP_ACCEPT_LANGUAGE="fr"), "es", MY_TICKETS)

    client.post(reverse("set_language"), {"language": "fr", "next": home})
    assert_language(client.get(home, HTTP_ACCEPT_LANGUAGE="en"), "fr", MY_TICKETS)


# -- labels of configurable data --------------------------------------------------------------


def badge(response) -> str:
    page = response.content.decode()
    match = re.search(
        r'<div class="page-head ticket-head">.*?<span class="badge"[^>]*>([^<]*)<', page, re.S
    )
    assert match, "no status badge in the ticket header"
    return match.group(1)


def test_status_label_follows_the_language(client, customer, agent):
    ticket = make_ticket(customer, subject="Planning")
    services.ticket_reply(ticket=ticket, author=agent, body_html="<p>Could you send a capture?</p>")
    ticket.refresh_from_db()
    assert ticket.status.slug == "waiting"
    client.force_login(customer)
    url = reverse("portal:ticket", args=[ticket.number])
    expected = {
        "en": "Waiting for your response",
        "fr": "En attente de votre réponse",
        "es": "Esperando su respuesta",
    }
    for lang, label in expected.items():
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=lang)
        assert response.status_code == 200
        assert badge(response) == label
        listing = client.get(reverse("portal:tickets") + "?tab=waiting", HTTP_ACCEPT_LANGUAGE=lang)
        assert listing.content.decode().count(label) >= 2  # the tab and the ticket's row


def test_type_priority_and_custom_field_labels_follow_the_language(client, customer):
    field = CustomField.objects.get(key="reproducibility")
    ticket = make_ticket(
        customer,
        subject="Planning",
        type=ticket_type("feature"),
        priority=priority("high"),
        custom_fields={"reproducibility": "sometimes"},
    )
    field.ticket_types.add(ticket.type)
    client.force_login(customer)
    url = reverse("portal:ticket", args=[ticket.number])
    expected = {
        "en": ["<dd>Feature request</dd>", "<dd>High</dd>", "<dt>Reproducibility</dt>"],
        "fr": ["<dd>Évolution</dd>", "<dd>Haute</dd>", "<dt>Reproductibilité</dt>"],
        "es": ["<dd>Mejora</dd>", "<dd>Alta</dd>", "<dt>Reproducibilidad</dt>"],
    }
    values = {"en": "Sometimes", "fr": "Parfois", "es": "A veces"}
    for lang, fragments in expected.items():
        page = client.get(url, HTTP_ACCEPT_LANGUAGE=lang).content.decode()
        for fragment in fragments:
            assert fragment in page, (lang, fragment)
        assert f"<dd>{values[lang]}</dd>" in page


def test_new_ticket_form_choices_follow_the_language(client, customer):
    client.force_login(customer)
    expected = {
        "en": ["Help", "Feature request", "Urgent", "Reproducibility", "Happened once"],
        "fr": ["Aide", "Évolution", "Urgente", "Reproductibilité", "Une seule fois"],
        "es": ["Ayuda", "Mejora", "Urgente", "Reproducibilidad", "Una sola vez"],
    }
    help_text = {
        "en": "Who or what is affected?",
        "fr": "Indiquez les répercussions",
        "es": "¿A quién o qué afecta?",
    }
    for lang, labels in expected.items():
        page = client.get(reverse("portal:ticket_new"), HTTP_ACCEPT_LANGUAGE=lang)
        text = page.content.decode()
        for label in labels:
            assert f">{label}<" in text, (lang, label)
        assert help_text[lang] in text


def test_label_missing_in_a_language_falls_back_to_english(client, customer):
    Status.objects.filter(slug="new").update(label_es="")
    TicketType.objects.filter(slug="help").update(label_es="")
    Priority.objects.filter(slug="normal").update(label_es="")
    ticket = make_ticket(customer)
    client.force_login(customer)
    response = client.get(reverse("portal:ticket", args=[ticket.number]), HTTP_ACCEPT_LANGUAGE="es")
    assert badge(response) == "New"
    page = response.content.decode()
    assert "<dd>Help</dd>" in page
    assert "<dd>Normal</dd>" in page
