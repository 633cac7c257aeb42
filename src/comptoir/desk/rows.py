"""The rows of the queue table, written in Python.

A list page shows up to a hundred rows of fifteen cells; through the template
language they took most of the page's time (a few thousand variable lookups
and filters). Here each row is one ``format_html``: every value is escaped,
dates are shown in the agent's time zone and format as the ``date`` filter
would, and the words are translated like the rest of the page.
"""

from __future__ import annotations

from collections.abc import Container
from datetime import datetime, tzinfo
from functools import lru_cache
from typing import Any

from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from comptoir.tickets.models import Category

from .queries import ListRow, SlaBadge

# Django date format characters strftime writes the same way.
_STRFTIME = {"d": "%d", "m": "%m", "Y": "%Y", "y": "%y", "H": "%H", "i": "%M", "s": "%S", "h": "%I"}


@lru_cache(maxsize=32)
def _strftime_pieces(fmt: str) -> tuple[str, ...] | None:
    """``fmt`` as strftime patterns, split where AM/PM goes ("A"), or None
    when it uses anything else (then Django's formatter is used)."""
    pieces, out = [], []
    for char in fmt:
        if char in _STRFTIME:
            out.append(_STRFTIME[char])
        elif char == "A":
            pieces.append("".join(out))
            out = []
        elif char.isalpha() or char == "\\":
            return None
        else:
            out.append(char.replace("%", "%%"))
    pieces.append("".join(out))
    return tuple(pieces)


def format_date(local: datetime, fmt: str) -> str:
    """``local`` as the ``date`` filter writes it with ``fmt``, quicker for
    the formats agents choose from (``User.date_format``)."""
    pieces = _strftime_pieces(fmt)
    if pieces is None:
        return date_format(local, fmt)
    if len(pieces) == 1:
        return local.strftime(pieces[0])
    meridiem = _("PM") if local.hour > 11 else _("AM")
    return meridiem.join(local.strftime(p) if p else "" for p in pieces)


def time_element(
    value: datetime | None, fmt: str, css: str = "", *, zone: tzinfo | None = None
) -> SafeString:
    """``<time datetime="...">...</time>`` in the current time zone, as the
    templates wrote it with the ``date`` filter."""
    if value is None:
        return mark_safe("")
    local = value.astimezone(zone or timezone.get_current_timezone())
    text = escape(format_date(local, fmt))
    if css:
        return mark_safe(
            f'<time class="{escape(css)}" datetime="{local.isoformat()}">{text}</time>'
        )
    # The ISO form holds digits, "-", ":", "+" and "T" only.
    return mark_safe(f'<time datetime="{local.isoformat()}">{text}</time>')


def _sla(badge: SlaBadge, fmt: str, zone: tzinfo) -> SafeString:
    labels = {
        "breached": ("breached", _("Breached")),
        "at_risk": ("at-risk", _("At risk")),
        "paused": ("paused", _("Paused")),
        "met": ("met", _("Met")),
        "ok": ("ok", _("On time")),
    }
    if badge.level in labels:
        css, label = labels[badge.level]
        html = format_html('<span class="sla {}">{}</span>', css, label)
    else:
        html = mark_safe('<span class="muted">—</span>')
    if badge.due_at is not None:
        html += format_html(" {}", time_element(badge.due_at, fmt, "due", zone=zone))
    return html


_ROW = (
    "<tr{}>\n"
    '      <td><input type="checkbox" name="ticket" value="{}" form="bulk" aria-label="{}"></td>\n'
    '      <td><a href="{}">{}</a></td>\n'
    '      <td class="subject"><a href="{}">{}</a></td>\n'
    "      <td>{}</td>\n"
    "      <td>{}</td>\n"
    '      <td><span class="badge" style="--badge: {}">{}</span></td>\n'
    '      <td><span class="pill" style="--pill: {}">{}</span></td>\n'
    "      <td>{}</td>\n"
    "      <td>{}</td>\n"
    "      <td>{}</td>\n"
    "      <td>{}</td>\n"
    "      <td>{}</td>\n"
    "      <td>{}</td>\n"
    "      <td>{}</td>\n"
    "      <td>{}</td>\n"
    "    </tr>\n"
)


def _organisation(row: ListRow, flagged: Container[int], no_hours: SafeString) -> Any:
    if row.organisation_id in flagged:
        return format_html("{} {}", row.organisation_name, no_hours)
    return row.organisation_name


def ticket_rows(rows: list[ListRow], *, date_fmt: str, flagged: Container[int] = ()) -> SafeString:
    """The ``<tr>`` of each row (``queries.list_page``). ``flagged``: ids of
    organisations without contract hours left, marked next to their name."""
    unassigned = format_html('<span class="muted">{}</span>', _("Unassigned"))
    no_hours = format_html('<span class="tag warn">{}</span>', _("No hours left"))
    zone = timezone.get_current_timezone()
    return format_html_join(
        "    ",
        _ROW,
        (
            (
                mark_safe(' class="is-new"') if row.category == Category.NEW else "",
                row.pk,
                _("Select %(ref)s") % {"ref": row.reference},
                row.url,
                row.reference,
                row.url,
                row.subject,
                row.requester_name,
                _organisation(row, flagged, no_hours),
                row.status.colour,
                row.status.label,
                row.priority.colour,
                row.priority.label,
                row.type.label,
                ", ".join(row.products),
                ", ".join(row.themes),
                row.assignee_name or unassigned,
                row.group.name if row.group else "",
                time_element(row.created_at, date_fmt, zone=zone),
                time_element(row.updated_at, date_fmt, zone=zone),
                _sla(row.sla, date_fmt, zone),
            )
            for row in rows
        ),
    )
