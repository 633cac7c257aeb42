"""Every portal page and notification reads fully in French, English and Spanish.

Each page is rendered from the same data in English and in French (or Spanish).
Visible text, that is text nodes outside <script>/<style> and the placeholder,
aria-label, title, alt and data-*-label attributes, is cut into sentences; a
sentence that reads the same in both renders is untranslated, unless it is

- data: the test's own names, emails, subjects, messages, file names, products,
  themes and organisations, numbers, dates, references, URLs, or a label of
  configurable data (status, type...) whose translation is the English one; or
- a string of our compiled catalogue whose translation is identical to the
  English ("Type", "Description" in French), read through ``gettext``.

The catalogues themselves must be complete: no untranslated or fuzzy entry.
"""

from __future__ import annotations

import functools
import gettext as gnu_gettext
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.template.defaultfilters import capfirst, filesizeformat
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language_info

from comptoir.accounts.models import User
from comptoir.mail import outbound
from comptoir.portal import views as portal_views
from comptoir.tickets import services
from comptoir.tickets.attachments import attachment_store
from comptoir.tickets.models import (
    ClosedReplyPolicy,
    CustomField,
    HelpdeskSettings,
    Priority,
    Status,
    Ticket,
    TicketType,
)
from tests.factories import (
    AgentFactory,
    CustomerFactory,
    OrganisationFactory,
    ProductFactory,
    SupportGroupFactory,
    ThemeFactory,
    make_ticket,
    priority,
    ticket_type,
)

pytestmark = pytest.mark.django_db

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != "en"]
BRAND = "Comptoir"


# -- reading what a person sees ---------------------------------------------------------------

_VISIBLE_ATTRIBUTES = {"placeholder", "aria-label", "title", "alt"}


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.strings: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        for name, value in attrs:
            shown = name in _VISIBLE_ATTRIBUTES or (
                name.startswith("data-") and name.endswith("-label")
            )
            if shown and value:
                self.strings.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.strings.append(data)


_SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+|\s+·\s+")


def sentences(texts: Iterable[str]) -> set[str]:
    """The sentences of ``texts``, whitespace collapsed (a sentence is the unit compared)."""
    found = set()
    for text in texts:
        for line in text.splitlines():
            for part in _SENTENCE_END.split(" ".join(line.split())):
                if part.strip():
                    found.add(part.strip())
    return found


def _parse(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return parser.strings


def visible_strings(html: str) -> set[str]:
    return sentences(_parse(html))


def _all_text(html: str) -> str:
    return " ".join(" ".join(_parse(html)).split())


# -- telling untranslated text from data and identical translations ---------------------------


class _Missing(gnu_gettext.NullTranslations):
    def gettext(self, message: str) -> str:
        return "\x00missing"


@functools.cache
def _compiled_catalogue(lang: str) -> gnu_gettext.GNUTranslations:
    with open(LOCALE_DIR / lang / "LC_MESSAGES" / "django.mo", "rb") as handle:
        catalogue = gnu_gettext.GNUTranslations(handle)
    catalogue.add_fallback(_Missing())
    return catalogue


def identical_in_catalogue(text: str, lang: str) -> bool:
    """``text`` is one of our strings and its ``lang`` translation is the English text."""
    if _compiled_catalogue(lang).gettext(text) != text:
        return False
    with translation.override(lang):
        return translation.gettext(text) == text


_LETTER = re.compile(r"[^\W\d_]")
_URL_OR_EMAIL = re.compile(r"https?://\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Between data and around punctuation: what is left are words that must be ours.
_FRAGMENT_SEPARATOR = re.compile(
    r"\x00|[·:;,()\[\]<>«»“”\"|*]|(?<=\w)[.!?](?=\s|$)|\s[-\u2013\u2014]\s"
)


@dataclass
class Data:
    """Text that is the same in every language because it is the test's data."""

    values: set[str] = field(default_factory=set)

    def add(self, *values: Any) -> None:
        self.values.update(str(v) for v in values if str(v).strip())

    def strip(self, text: str) -> str:
        text = _URL_OR_EMAIL.sub("\x00", text)
        for value in sorted(self.values, key=len, reverse=True):
            text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", "\x00", text)
        return text


def explained(text: str, lang: str, data: Data) -> bool:
    if identical_in_catalogue(text, lang):
        return True
    for fragment in _FRAGMENT_SEPARATOR.split(data.strip(text)):
        fragment = fragment.strip()
        if _LETTER.search(fragment) and not identical_in_catalogue(fragment, lang):
            return False
    return True


def untranslated(english: set[str], other: set[str], lang: str, data: Data) -> list[str]:
    return sorted(s for s in english & other if not explained(s, lang, data))


def labels_identical_to_english(lang: str) -> set[str]:
    """Labels of configurable data whose ``lang`` version is the English one ("Bug")."""
    found = set()
    for model in (Status, TicketType, Priority, CustomField):
        for row in model.objects.all():
            if getattr(row, f"label_{lang}") in ("", row.label_en):
                found.add(row.label_en)
    for custom in CustomField.objects.all():
        if getattr(custom, f"help_{lang}") in ("", custom.help_en):
            found.add(custom.help_en)
        for choice in custom.choices:
            if choice.get(lang) in (None, "", choice.get("en")):
                found.add(choice.get("en") or choice["value"])
    return found


# -- the data -----------------------------------------------------------------------------------


@dataclass
class World:
    customer: User
    newcomer: User
    agent: User
    tickets: dict[str, Ticket]
    data: Data
    attachment_sizes: list[int]

    def url(self, key: str) -> str:
        return reverse("portal:ticket", args=[self.tickets[key].number])

    def data_for(self, lang: str) -> Data:
        data = Data(set(self.data.values))
        data.add(*labels_identical_to_english(lang))
        for size in self.attachment_sizes:
            for code in ("en", lang):
                with translation.override(code):
                    data.add(filesizeformat(size))
        return data


def _move(ticket: Ticket, slug: str, actor: User) -> Ticket:
    return services.ticket_change_status(
        ticket=ticket, actor=actor, status=Status.objects.get(slug=slug)
    )


def _pdf(name: str, user: User, size: int = 2300):
    content = (b"%PDF-1.4\n" + b"0" * size)[:size]
    return attachment_store(file=ContentFile(content), filename=name, user=user)


@pytest.fixture
def world() -> World:
    data = Data()
    organisation = OrganisationFactory(name="Crèche Les Lutins")
    customer = CustomerFactory(
        email="claire.martin@lutins.test",
        first_name="Claire",
        last_name="Martin",
        organisation=organisation,
    )
    newcomer = CustomerFactory(
        email="paul.roux@mairie.test",
        first_name="Paul",
        last_name="Roux",
        organisation=OrganisationFactory(name="Mairie de Saint-Malo"),
    )
    newcomer.organisations.add(OrganisationFactory(name="CCAS de Rennes"))
    agent = AgentFactory(
        email="sophie.durand@support.test", first_name="Sophie", last_name="Durand"
    )
    products = [ProductFactory(name="Kapi Paie"), ProductFactory(name="Kapi Planning")]
    themes = [ThemeFactory(name="Facturation"), ThemeFactory(name="Pointages")]
    # One required custom field, so a failed submit shows our own required message.
    CustomField.objects.filter(key="reproducibility").update(required=True)

    invoice = _pdf("facture-mars.pdf", customer)
    extract = _pdf("extraction-planning.pdf", agent, size=5400)
    tickets: dict[str, Ticket] = {}
    tickets["new"] = make_ticket(
        customer,
        subject="Impression du planning impossible",
        body="<p>Le bouton Imprimer ne fait rien depuis ce matin.</p>",
        type=ticket_type("bug"),
        priority=priority("high"),
        products=products,
        themes=themes,
        custom_fields={
            "reproducibility": "always",
            "impact": "several",
            "steps-to-reproduce": "Ouvrir le planning\nCliquer sur Imprimer",
        },
        attachments=[invoice],
    )
    bodies = {
        "acknowledged": "Les exports comptables sont vides.",
        "assigned": "Impossible d'ajouter un enfant.",
        "waiting": "Le pointage du soir est décalé d'une heure.",
        "it-working": "Erreur 500 sur la page des factures.",
        "resolved": "Le mot de passe ne se réinitialise pas.",
        "closed": "Demande de formation pour une nouvelle collègue.",
    }
    subjects = {
        "acknowledged": "Export comptable vide",
        "assigned": "Ajout d'un enfant",
        "waiting": "Pointage décalé",
        "it-working": "Erreur sur les factures",
        "resolved": "Mot de passe",
        "closed": "Formation",
    }
    for key, body in bodies.items():
        tickets[key] = make_ticket(customer, subject=subjects[key], body=f"<p>{body}</p>")
    _move(tickets["acknowledged"], "acknowledged", agent)
    services.ticket_assign(ticket=tickets["assigned"], actor=agent, assignee=agent)
    services.ticket_assign(ticket=tickets["waiting"], actor=agent, assignee=agent)
    agent_reply = "Pourriez-vous nous envoyer une capture du pointage ?"
    services.ticket_reply(
        ticket=tickets["waiting"],
        author=agent,
        body_html=f"<p>{agent_reply}</p>",
        attachments=[extract],
    )
    services.ticket_reply(
        ticket=tickets["waiting"],
        author=agent,
        body_html="<p>Note interne : voir avec l'équipe planning.</p>",
        internal=True,
    )
    _move(tickets["it-working"], "it-working", agent)
    _move(tickets["resolved"], "resolved", agent)
    services.ticket_close(ticket=tickets["closed"], actor=customer)
    tickets["follow-up"] = make_ticket(
        customer,
        subject="Formation (suite)",
        body="<p>Une date en mars serait idéale.</p>",
        follows=tickets["closed"],
    )
    for key in tickets:
        tickets[key].refresh_from_db()
    assert {t.status.slug for t in tickets.values()} == {s.slug for s in Status.objects.all()}

    data.add(BRAND, organisation, *products, *themes, "CCAS de Rennes", "Mairie de Saint-Malo")
    for person in (customer, newcomer, agent):
        data.add(person.email, person.first_name, person.last_name, person.display_name)
    data.add(*subjects.values(), *bodies.values(), agent_reply)
    data.add("Impression du planning impossible", "Formation (suite)", "Ouvrir le planning")
    data.add("Le bouton Imprimer ne fait rien depuis ce matin.", "Cliquer sur Imprimer")
    data.add("Une date en mars serait idéale.", "facture-mars.pdf", "extraction-planning.pdf")
    data.add("vide.txt", "capture.pdf", "Nouvelle demande", "Voici la capture demandée.")
    for code, _name in settings.LANGUAGES:
        # The language switch names each language in its own language.
        data.add(capfirst(get_language_info(code)["name_local"]))

    return World(
        customer=customer,
        newcomer=newcomer,
        agent=agent,
        tickets=tickets,
        data=data,
        attachment_sizes=[invoice.size, extract.size, 1200],
    )


# -- rendering each page in two languages -------------------------------------------------------


@dataclass
class Comparison:
    """Renders pages in English and in each other language, and collects what is untranslated."""

    client: Any
    world: World
    problems: list[str] = field(default_factory=list)
    pages: int = 0

    def fetch(
        self,
        lang: str,
        path: str,
        *,
        post: Callable[[], dict[str, Any]] | None = None,
        setup: Callable[[], None] | None = None,
        status: int = 200,
    ) -> str:
        # The language switch's cookie: it wins over the browser and the profile.
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
        # Each render sees the same data: whatever a POST changes is rolled back.
        with transaction.atomic():
            if setup:
                setup()
            if post is None:
                response = self.client.get(path, follow=True)
            else:
                response = self.client.post(path, post(), follow=True)
            transaction.set_rollback(True)
        assert response.status_code == status, (path, lang, response.status_code)
        html = response.content.decode()
        assert f'<html lang="{lang}">' in html, (path, lang)
        return html

    def page(self, name: str, path: str, *, shows: Iterable[str] = (), **kwargs: Any) -> None:
        """Compare ``path`` in every language; ``shows`` is English text the page must show
        (proof that the case happened, such as an error message)."""
        html = self.fetch("en", path, **kwargs)
        english = visible_strings(html)
        assert len(english) > 10, f"{name}: almost nothing to read ({sorted(english)})"
        text = _all_text(html)
        for expected in shows:
            assert expected in text, f"{name}: {expected!r} not on the page"
        for lang in TRANSLATED:
            other = visible_strings(self.fetch(lang, path, **kwargs))
            data = self.world.data_for(lang)
            self.problems += [
                f"{lang}, {name}: {s!r}" for s in untranslated(english, other, lang, data)
            ]
        self.pages += 1

    def check(self) -> None:
        assert self.pages
        assert not self.problems, "Same text as in English:\n  " + "\n  ".join(self.problems)


def _upload(name: str, content: bytes, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture(params=TRANSLATED)
def lang(request) -> str:
    return request.param


@pytest.fixture
def compare(client, world) -> Comparison:
    return Comparison(client=client, world=world)


def test_login_page(compare, world):
    login = reverse("account_login")
    compare.page("login page", login)
    compare.page(
        "login page, wrong password",
        login,
        post=lambda: {"login": world.customer.email, "password": "not-the-password"},
    )
    compare.page("login page, empty form", login, post=lambda: {"login": "", "password": ""})
    compare.check()


def test_home_and_ticket_lists(client, compare, world, monkeypatch):
    monkeypatch.setattr(portal_views, "PAGE_SIZE", 3)  # a list of two pages and more
    for _ in range(2):  # the second login gives "Last login: ..."
        client.force_login(world.customer)
    compare.page("home", reverse("portal:home"), shows=["Last login:"])
    tickets = reverse("portal:tickets")
    for tab in ("open", "waiting", "done", "all"):
        compare.page(f"my tickets, {tab}", f"{tickets}?tab={tab}")
        compare.page(f"my tickets, {tab}, search", f"{tickets}?tab={tab}&q=planning")
        compare.page(
            f"my tickets, {tab}, no match",
            f"{tickets}?tab={tab}&q=nothing-matches",
            shows=["No ticket here."],
        )
    compare.page(
        "my tickets, page 2",
        f"{tickets}?tab=all&page=2&sort=number&dir=asc",
        shows=["Previous", "Page 2 of 3", "Next"],
    )
    client.force_login(world.newcomer)
    compare.page(
        "home, first login, no ticket", reverse("portal:home"), shows=["This is your first login."]
    )
    compare.check()


def test_new_ticket_form(client, compare, world):
    client.force_login(world.customer)
    url = reverse("portal:ticket_new")
    compare.page("new ticket", url)
    bug = ticket_type("bug")
    compare.page(
        "new ticket, failed submit",
        url,
        status=400,
        shows=[
            "Please correct the errors below.",
            "This field is required.",
            "The file “vide.txt” is empty.",
            "Files already attached (kept, no need to add them again):",
        ],
        post=lambda: {
            "type": bug.pk,
            "priority": priority().pk,
            "subject": "",
            "description": "",
            "attachments": [
                _upload("capture.pdf", b"%PDF-1.4\n" + b"1" * 1200),
                _upload("vide.txt", b"", "text/plain"),
            ],
        },
    )
    compare.page(
        "new ticket, created",
        url,
        shows=["has been created."],
        post=lambda: {
            "organisation": world.customer.organisations.get().pk,
            "type": ticket_type("help").pk,
            "priority": priority().pk,
            "subject": "Nouvelle demande",
            "description": "Voici la capture demandée.",
        },
    )
    client.force_login(world.newcomer)
    compare.page("new ticket, two organisations", url, shows=["CCAS de Rennes"])
    compare.page("new ticket, two organisations, failed", url, status=400, post=lambda: {})
    compare.check()


def _policy(policy: str) -> Callable[[], None]:
    return lambda: HelpdeskSettings.objects.update_or_create(
        pk=1, defaults={"closed_reply_policy": policy}
    )


def test_ticket_pages(client, compare, world):
    client.force_login(world.customer)
    for key in world.tickets:
        compare.page(f"ticket {key}", world.url(key))
    closed_notice = {
        ClosedReplyPolicy.REOPEN: "Replying will reopen this ticket.",
        ClosedReplyPolicy.NEW_TICKET: "your message will open a new ticket linked to this one.",
        ClosedReplyPolicy.REFUSE: "This ticket is closed and can no longer be answered.",
    }
    for policy, notice in closed_notice.items():
        compare.page(
            f"ticket closed, policy {policy}",
            world.url("closed"),
            setup=_policy(policy),
            shows=[notice],
        )
    compare.check()


def test_ticket_actions(client, compare, world):
    client.force_login(world.customer)
    reply = lambda key: reverse("portal:ticket_reply", args=[world.tickets[key].number])  # noqa: E731
    message = lambda: {"body": "Voici la capture demandée."}  # noqa: E731
    compare.page("reply sent", reply("waiting"), post=message, shows=["Your reply has been sent."])
    compare.page(
        "empty reply",
        reply("assigned"),
        post=lambda: {"body": ""},
        status=400,
        shows=["The message is empty."],
    )
    compare.page(
        "reply with a file",
        reply("new"),
        post=lambda: {
            "body": "",
            "attachments": [_upload("capture.pdf", b"%PDF-1.4\n" + b"1" * 1200)],
        },
    )
    compare.page(
        "reply on closed, reopens",
        reply("closed"),
        post=message,
        setup=_policy(ClosedReplyPolicy.REOPEN),
    )
    compare.page(
        "reply on closed, new ticket",
        reply("closed"),
        shows=["is closed, so your message opened ticket"],
        post=message,
        setup=_policy(ClosedReplyPolicy.NEW_TICKET),
    )
    compare.page(
        "reply on closed, refused",
        reply("closed"),
        shows=["can no longer be answered"],
        post=message,
        setup=_policy(ClosedReplyPolicy.REFUSE),
        status=400,
    )
    close = reverse("portal:ticket_close", args=[world.tickets["resolved"].number])
    compare.page("ticket closed by the customer", close, post=dict, shows=["is closed."])
    compare.check()


# -- notification emails ------------------------------------------------------------------------


def _mail_story(world: World, lang: str) -> None:
    """Ticket events that each send their kind of mail to the customer or an agent."""
    customer, agent = world.customer, world.agent
    colleague = AgentFactory(
        email="marc.petit@support.test", first_name="Marc", last_name="Petit", language=lang
    )
    group = SupportGroupFactory(name="Équipe planning")
    group.agents.add(agent)
    ticket = make_ticket(
        customer,
        subject="Impression impossible",
        body="<p>Le bouton Imprimer ne fait rien depuis ce matin.</p>",
        group=group,
    )
    services.ticket_assign(ticket=ticket, actor=None, assignee=colleague)
    services.ticket_assign(ticket=ticket, actor=colleague, assignee=agent)
    services.ticket_reply(
        ticket=ticket,
        author=agent,
        body_html="<p>Pourriez-vous nous envoyer une capture du pointage ?</p>",
        attachments=[_pdf("extraction-planning.pdf", agent)],
    )
    services.ticket_reply(
        ticket=ticket, author=customer, body_html="<p>Voici la capture demandée.</p>"
    )
    services.ticket_reply(
        ticket=ticket,
        author=colleague,
        body_html="<p>@Sophie Durand voir avec l'équipe planning.</p>",
        internal=True,
    )
    _move(ticket, "it-working", agent)
    _move(ticket, "resolved", agent)
    services.ticket_close(ticket=ticket, actor=agent)
    _policy(ClosedReplyPolicy.REFUSE)()
    services.ticket_close(ticket=world.tickets["resolved"], actor=agent)


def _rare_mails(world: World) -> list[tuple[str, str]]:
    """Mails no portal action sends: a bounce, and answers to refused incoming mail."""
    ticket = world.tickets["assigned"]
    kinds = [
        ("agent_bounce", {"ticket": ticket, "recipient": world.agent}),
        ("refused_closed", {"ticket": ticket, "recipient": world.customer}),
        ("refused_unknown", {"ticket": None, "recipient": None}),
    ]
    common = {
        "address": "compta@lutins.test",
        "reason": "550 5.1.1",
        "subject": "Impression impossible",
        "url": "http://example.test/tickets/new/",
    }
    return [outbound.render(kind, {**common, **context}) for kind, context in kinds]


@dataclass
class Mail:
    to: str
    subject: str
    texts: set[str]  # sentences of the text body and of the HTML body


def _mails(world: World, lang: str) -> list[Mail]:
    """Every mail of the story, everyone reading ``lang``."""
    with transaction.atomic():
        User.objects.update(language=lang)
        mail.outbox.clear()
        _mail_story(world, lang)
        sent = list(mail.outbox)
        transaction.set_rollback(True)
    assert len(sent) >= 10
    mails = []
    for message in sent:
        html = "".join(body for body, kind in message.alternatives if kind == "text/html")
        texts = sentences([message.subject, message.body]) | visible_strings(html)
        mails.append(Mail(message.to[0], message.subject, texts))
    with translation.override(lang):
        for text, html in _rare_mails(world):
            mails.append(Mail("-", "-", sentences([text]) | visible_strings(html)))
    return mails


def test_notification_emails(world):
    english = _mails(world, "en")
    problems = []
    for lang in TRANSLATED:
        other = _mails(world, lang)
        assert [m.to for m in english] == [m.to for m in other]
        data = world.data_for(lang)
        data.add("Impression impossible", "Équipe planning", "Marc Petit")
        data.add("@Sophie Durand voir avec l'équipe planning.", "550 5.1.1")
        for en_mail, mail_ in zip(english, other, strict=True):
            same = untranslated(en_mail.texts, mail_.texts, lang, data)
            problems += [f"{lang}, mail to {mail_.to}: {s!r}" for s in same]
    assert not problems, "Same text as in English:\n  " + "\n  ".join(problems)


# -- the catalogues -------------------------------------------------------------------------------


@dataclass
class Entry:
    msgid: str
    msgstr: dict[int, str]
    flags: set[str]
    msgctxt: str | None = None
    plural: str | None = None


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text[1:-1])


def read_po(path: Path) -> list[Entry]:
    """A simple reader of the .po files makemessages writes (obsolete entries skipped)."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        flags: set[str] = set()
        parts: dict[str, str] = {}
        current = None
        for line in block.splitlines():
            if line.startswith("#,"):
                flags |= {f.strip() for f in line[2:].split(",")}
            elif line.startswith("#") or not line.strip():
                continue
            elif line.startswith('"'):
                assert current, line
                parts[current] += _unquote(line)
            else:
                keyword, _space, value = line.partition(" ")
                current = keyword
                parts[current] = _unquote(value)
        if "msgid" not in parts:
            continue
        msgstr = {
            int(m.group(1) or 0): value
            for key, value in parts.items()
            if (m := re.fullmatch(r"msgstr(?:\[(\d+)\])?", key))
        }
        entries.append(
            Entry(
                msgid=parts["msgid"],
                msgstr=msgstr,
                flags=flags,
                msgctxt=parts.get("msgctxt"),
                plural=parts.get("msgid_plural"),
            )
        )
    return entries


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "django.po"


_PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[sdif]|\{[\w.]*\}")


def test_every_language_has_its_catalogue(lang):
    assert po_path(lang).is_file()
    assert po_path(lang).with_suffix(".mo").is_file(), "run compilemessages (make messages)"


def test_catalogue_has_no_untranslated_or_fuzzy_entry(lang):
    entries = read_po(po_path(lang))
    header, messages = entries[0], entries[1:]
    assert header.msgid == ""
    assert f"Language: {lang}\n" in header.msgstr[0]
    assert len(messages) > 100
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert not fuzzy, f"fuzzy entries in {lang}: {fuzzy}"
    empty = [e.msgid for e in messages if not all(e.msgstr.values())]
    assert not empty, f"untranslated entries in {lang}: {empty}"
    for entry in messages:
        for text in entry.msgstr.values():
            assert sorted(_PLACEHOLDER.findall(text)) == sorted(
                _PLACEHOLDER.findall(entry.msgid)
            ), f"placeholders differ in {lang}: {entry.msgid!r} -> {text!r}"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext (msgfmt) not installed")
def test_msgfmt_finds_every_entry_translated(lang):
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "-", str(po_path(lang))],
        capture_output=True,
        text=False,
        check=False,
    )
    report = result.stderr.decode()
    assert result.returncode == 0, report
    assert re.fullmatch(r"\d+ translated messages?\.\s*", report), report
    # The committed .mo is what msgfmt makes of the .po today.
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in read_po(po_path(lang))[1:] if not e.plural}
    catalogue = gnu_gettext.GNUTranslations(__import__("io").BytesIO(result.stdout))
    for (context, msgid), msgstr in compiled.items():
        if context is None:
            assert catalogue.gettext(msgid) == msgstr[0]


def test_compiled_catalogue_is_up_to_date(lang):
    """What Django serves for each of our strings is the .po's translation."""
    stale = []
    with translation.override(lang):
        for entry in read_po(po_path(lang))[1:]:
            if entry.plural is not None:
                got = [
                    translation.npgettext(entry.msgctxt, entry.msgid, entry.plural, n)
                    if entry.msgctxt
                    else translation.ngettext(entry.msgid, entry.plural, n)
                    for n in (1, 2)
                ]
                ok = all(g in entry.msgstr.values() for g in got)
            elif entry.msgctxt is not None:
                ok = translation.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr[0]
            else:
                ok = translation.gettext(entry.msgid) == entry.msgstr[0]
            if not ok:
                stale.append(entry.msgid)
    assert not stale, f"{lang} .mo out of date, run compilemessages: {stale}"
