"""The knowledge base in a real browser: suggestions from the third letter, keyboard
navigation, table of contents, PDF download, related articles on the ticket form."""

from __future__ import annotations

import io
import re

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect
from pypdf import PdfReader

from tests import factories
from tests.kb.helpers import make_article

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

GUIDE = (
    "<p>Les équipes regroupent les utilisateurs.</p>"
    "<h2>Créer une équipe</h2><p>Menu Paramètres, bouton Ajouter.</p>"
    "<h2>Ajouter des membres</h2><p>Cochez les utilisateurs.</p>"
)


@pytest.fixture
def articles():
    agent = factories.AgentFactory()
    make_article("Gérer les équipes", GUIDE, author=agent, cat="settings")
    make_article("Lancer un train de facturation", "<p>Factures du mois.</p>", author=agent)
    make_article("Saisir les pointages", "<p>Arrivées et départs.</p>", author=agent)


def log_in(page, live_server):
    user = factories.CustomerFactory(email="claire@example.test", first_name="Claire")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("navigation", name="Main menu")).to_be_visible()
    return user


def test_suggestions_keyboard_toc_and_pdf(live_server, page, articles, shot):
    log_in(page, live_server)
    page.get_by_role("navigation", name="Main menu").get_by_role(
        "link", name="Knowledge base"
    ).click()
    box = page.get_by_role("combobox", name="Search the knowledge base")
    listbox = page.locator("#kb-suggestions")

    box.press_sequentially("éq", delay=50)
    page.wait_for_timeout(600)
    expect(listbox.get_by_role("option")).to_have_count(0)
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#kb-q-status")).to_contain_text("at least 3 letters")

    box.press_sequentially("u", delay=50)
    expect(page.get_by_role("listbox", name="Suggested articles")).to_be_visible()
    expect(listbox.get_by_role("option", name=re.compile("Gérer les équipes"))).to_be_visible()
    expect(listbox.get_by_role("option", name=re.compile("facturation"))).to_have_count(0)
    expect(box).to_have_attribute("aria-expanded", "true")
    shot("kb-suggestions")

    box.press("ArrowDown")
    first = listbox.get_by_role("option").first
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    box.press("Enter")

    expect(page.get_by_role("heading", level=1, name="Gérer les équipes")).to_be_visible()
    toc = page.get_by_role("navigation", name="Contents")
    expect(toc.get_by_role("link", name="Créer une équipe")).to_be_visible()
    toc.get_by_role("link", name="Ajouter des membres").click()
    expect(page).to_have_url(re.compile("#section-ajouter-des-membres$"))
    shot("kb-article")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download as PDF").click()
    pdf = download_info.value
    with open(pdf.path(), "rb") as handle:
        data = handle.read()
    assert data.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "Gérer les équipes" in text

    reading = page.get_by_role("button", name="Full-screen reading")
    reading.click()
    expect(page.get_by_role("button", name="Leave full-screen reading")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.get_by_role("navigation", name="Main menu")).to_be_hidden()


def test_mouse_picks_a_suggestion(live_server, page, articles):
    page.goto(live_server.url + "/kb/")
    page.get_by_role("combobox", name="Search the knowledge base").press_sequentially("poin")
    page.locator("#kb-suggestions").get_by_role(
        "option", name=re.compile("Saisir les pointages")
    ).click()
    expect(page.get_by_role("heading", level=1, name="Saisir les pointages")).to_be_visible()


def test_escape_closes_the_suggestions(live_server, page, articles):
    page.goto(live_server.url + "/kb/")
    box = page.get_by_role("combobox", name="Search the knowledge base")
    box.press_sequentially("fact")
    expect(page.locator("#kb-suggestions").get_by_role("option").first).to_be_visible()
    box.press("Escape")
    expect(page.get_by_role("listbox", name="Suggested articles")).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")


def test_related_articles_follow_the_subject_on_the_new_ticket_form(
    live_server, page, articles, shot
):
    log_in(page, live_server)
    page.goto(live_server.url + "/tickets/new/")
    related = page.locator("#kb-related")
    expect(related).to_contain_text("appear here as you fill in the ticket")

    subject = page.get_by_label("Subject")
    subject.fill("Impossible de lancer la facturation")
    link = related.get_by_role("link", name=re.compile("Lancer un train de facturation"))
    expect(link).to_be_visible()
    expect(link).to_have_attribute("target", "_blank")
    shot("kb-related-facturation")

    subject.fill("Des pointages ont disparu")
    expect(related.get_by_role("link", name=re.compile("Saisir les pointages"))).to_be_visible()
    expect(related.get_by_role("link", name=re.compile("train de facturation"))).to_have_count(0)
    assert page.url.endswith("/tickets/new/")  # no reload
