"""Article HTML: sanitised once when saved (nh3), anchored headings when shown."""

from __future__ import annotations

import html
import re

import nh3
from django.utils.text import slugify

from comptoir.tickets.richtext import to_text

ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "s", "sub", "sup", "code", "pre", "blockquote",
    "h2", "h3", "h4", "ul", "ol", "li", "a", "img", "figure", "figcaption", "hr",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
# Editors write h1 for the top level; the page title is the only h1.
_H1 = re.compile(r"<(/?)h1>", re.I)
_IMG = re.compile(r"<img\b[^>]*>", re.I)
_SRC = re.compile(r'\ssrc="([^"]*)"', re.I)
_HEADING = re.compile(r"<h([23])>(.*?)</h\1>", re.I | re.S)
_TAGS = re.compile(r"<[^>]+>")


def sanitise(raw: str, *, file_prefix: str) -> str:
    """Clean HTML from the editor. Images must be files of the knowledge base
    (``file_prefix``): an outside image could track readers or vanish."""
    clean = nh3.clean(
        _H1.sub(r"<\1h2>", raw or ""),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    ).strip()

    def keep_ours(match: re.Match[str]) -> str:
        src = _SRC.search(match.group(0))
        return match.group(0) if src and src.group(1).startswith(file_prefix) else ""

    return _IMG.sub(keep_ours, clean)


def plain_text(clean_html: str) -> str:
    return to_text(clean_html)


def anchor_headings(clean_html: str) -> tuple[str, list[dict[str, object]]]:
    """Give h2/h3 an id and return the table of contents: level, id, text."""
    toc: list[dict[str, object]] = []
    seen: set[str] = set()

    def add_id(match: re.Match[str]) -> str:
        level, inner = match.group(1), match.group(2)
        text = html.unescape(_TAGS.sub("", inner)).strip()
        base = "section-" + (slugify(text)[:60] or str(len(toc) + 1))
        anchor, n = base, 2
        while anchor in seen:
            anchor, n = f"{base}-{n}", n + 1
        seen.add(anchor)
        toc.append({"level": int(level), "id": anchor, "text": text})
        return f'<h{level} id="{anchor}">{inner}</h{level}>'

    return _HEADING.sub(add_id, clean_html), toc
