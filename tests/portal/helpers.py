"""Reading portal pages the way a user does: visible text, form values, ticket rows."""

from __future__ import annotations

import base64
import re
from collections import defaultdict
from datetime import datetime
from html.parser import HTMLParser

from django.core.files.uploadedfile import SimpleUploadedFile

from comptoir.tickets import services
from comptoir.tickets.models import ClosedReplyPolicy, HelpdeskSettings, Status, Ticket

# A 1x1 transparent PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJ"
    "RU5ErkJggg=="
)


def upload(name: str, content: bytes = b"hello", content_type: str = "text/plain"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def set_policy(policy: ClosedReplyPolicy) -> None:
    HelpdeskSettings.objects.update_or_create(pk=1, defaults={"closed_reply_policy": policy})


def move(ticket: Ticket, slug: str, actor=None) -> Ticket:
    """Put ``ticket`` in the status ``slug`` the way an agent would."""
    return services.ticket_change_status(
        ticket=ticket, actor=actor, status=Status.objects.get(slug=slug)
    )


def set_dates(ticket: Ticket, *, created: datetime | None = None, updated: datetime | None = None):
    changes = {}
    if created:
        changes["created_at"] = created
    if updated:
        changes["updated_at"] = updated
    Ticket.objects.filter(pk=ticket.pk).update(**changes)


class _TextParser(HTMLParser):
    _SKIP = {"script", "style", "head"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIP:
            self._skipping += 1

    def handle_endtag(self, tag):
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1
        self.parts.append(" ")

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(data)


def text(response) -> str:
    """What a reader sees on the page, whitespace collapsed."""
    parser = _TextParser()
    parser.feed(response.content.decode())
    return " ".join("".join(parser.parts).split())


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, list[str]] = defaultdict(list)
        self.inputs: dict[str, list[dict[str, str | None]]] = defaultdict(list)
        self._select: str | None = None
        self._option: dict[str, str | None] | None = None
        self._option_text: list[str] = []
        self._textarea: str | None = None
        self._textarea_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        name = attributes.get("name")
        if tag == "input" and name:
            self.inputs[name].append(attributes)
            kind = attributes.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attributes:
                    self.values[name].append(attributes.get("value") or "on")
            elif kind != "file":
                self.values[name].append(attributes.get("value") or "")
        elif tag == "select" and name:
            self._select = name
            self.values.setdefault(name, [])
        elif tag == "option" and self._select:
            self._option = attributes
            self._option_text = []
        elif tag == "textarea" and name:
            self._textarea = name
            self._textarea_text = []

    def handle_endtag(self, tag):
        if tag == "option" and self._option is not None:
            if "selected" in self._option:
                value = self._option.get("value")
                self.values[self._select].append(
                    value if value is not None else "".join(self._option_text)
                )
            self._option = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.values[self._textarea].append("".join(self._textarea_text).lstrip("\n"))
            self._textarea = None

    def handle_data(self, data):
        if self._option is not None:
            self._option_text.append(data)
        if self._textarea:
            self._textarea_text.append(data)


def form(response) -> _FormParser:
    """The fields of the page's forms: ``.values[name]`` as the browser would submit them."""
    parser = _FormParser()
    parser.feed(response.content.decode())
    return parser


_ROW_REF = re.compile(r'<td><a href="/tickets/(\d+)/">#\d+</a></td>')


def listed_numbers(response) -> list[int]:
    """The ticket numbers in the table of a list page, top to bottom."""
    return [int(n) for n in _ROW_REF.findall(response.content.decode())]


_TAB = re.compile(
    r'<a href="\?tab=(?P<key>\w+)[^"]*"[^>]*>(?P<label>[^<]+)<span class="count">(?P<n>\d+)</span>'
)
_TILE = re.compile(r'<a href="[^"]*\?tab=\w+"><strong>(?P<n>\d+)</strong>\s*(?P<label>[^<]+)</a>')


def tab_counts(response) -> dict[str, int]:
    """The tabs of the ticket list (or the tiles of the home page): label -> count."""
    html = response.content.decode()
    found = _TAB.finditer(html) if 'class="tabs"' in html else _TILE.finditer(html)
    return {m["label"].strip(): int(m["n"]) for m in found}


def submitted(response, form_class: str, changes: dict | None = None) -> dict[str, list[str]]:
    """What the browser would send from the form ``form_class`` of the page, with ``changes``
    (a value of None leaves the field out)."""
    html = response.content.decode()
    start = html.index(f'class="{form_class}"')
    start = html.rindex("<form", 0, start)
    end = html.index("</form>", start)
    parser = _FormParser()
    parser.feed(html[start:end])
    data = {name: list(values) for name, values in parser.values.items()}
    for name, value in (changes or {}).items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value if isinstance(value, list) else [value]
    return data
