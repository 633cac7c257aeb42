"""The rows of the queue table, written in Python.

A list page shows up to a hundred rows of fifteen cells; through the template
language they took most of the page's time (a few thousand variable lookups
and filters). Here each row is one f-string: every value is escaped,
dates are shown in the agent's time zone and format as the ``date`` filter
would, and the words are translated like the rest of the page.
"""

from __future__ import annotations

from collections.abc import Container
from datetime import datetime, tzinfo
from functools import lru_cache
from html import escape as html_escape
from typing import Any

from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import escape
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


def _sla_labels() -> dict[str, str]:
    """Each SLA level's badge (escaped), in the current language."""
    labels = {
        "breached": ("breached", _("Breached")),
        "at_risk": ("at-risk", _("At risk")),
        "paused": ("paused", _("Paused")),
        "met": ("met", _("Met")),
        "ok": ("ok", _("On time")),
    }
    return {
        level: f'<span class="sla {css}">{_escape(label)}</span>'
        for level, (css, label) in labels.items()
    }


def _sla(badge: SlaBadge, fmt: str, zone: tzinfo, labels: dict[str, str] | None = None) -> str:
    labels = labels if labels is not None else _sla_labels()
    html = labels.get(badge.level, '<span class="muted">—</span>')
    if badge.due_at is not None:
        html += f" {time_element(badge.due_at, fmt, 'due', zone=zone)}"
    return html


_NEW = ' class="is-new"'


def _escape(value: Any) -> str:
    """``escape`` as the templates apply it, without marking the result."""
    return html_escape(str(value))


def _organisation(row: ListRow, flagged: Container[int], no_hours: str) -> str:
    name = _escape(row.organisation_name)
    if row.organisation_id in flagged:
        return f"{name} {no_hours}"
    return name


def ticket_rows(rows: list[ListRow], *, date_fmt: str, flagged: Container[int] = ()) -> SafeString:
    """The ``<tr>`` of each row (``queries.list_page``). ``flagged``: ids of
    organisations without contract hours left, marked next to their name.

    Each row is one f-string (a page has up to a hundred rows of fifteen
    cells): every value is escaped as the template language would."""
    # Labels outside the f-strings: the catalogue's extraction does not look inside one.
    unassigned_label, no_hours_label = _("Unassigned"), _("No hours left")
    unassigned = f'<span class="muted">{_escape(unassigned_label)}</span>'
    no_hours = f'<span class="tag warn">{_escape(no_hours_label)}</span>'
    select = _("Select %(ref)s")
    sla_labels = _sla_labels()
    zone = timezone.get_current_timezone()
    parts = []
    for row in rows:
        url = _escape(row.url)
        reference = _escape(row.reference)
        group = row.group.name if row.group else ""
        parts.append(
            f"<tr{_NEW if row.category == Category.NEW else ''}>\n"
            f'      <td><input type="checkbox" name="ticket" value="{_escape(row.pk)}" form="bulk"'
            f' aria-label="{_escape(select % {"ref": row.reference})}"></td>\n'
            f'      <td><a href="{url}">{reference}</a></td>\n'
            f'      <td class="subject"><a href="{url}">{_escape(row.subject)}</a></td>\n'
            f"      <td>{_escape(row.requester_name)}</td>\n"
            f"      <td>{_organisation(row, flagged, no_hours)}</td>\n"
            f'      <td><span class="badge" style="--badge: {_escape(row.status.colour)}">'
            f"{_escape(row.status.label)}</span></td>\n"
            f'      <td><span class="pill" style="--pill: {_escape(row.priority.colour)}">'
            f"{_escape(row.priority.label)}</span></td>\n"
            f"      <td>{_escape(row.type.label)}</td>\n"
            f"      <td>{_escape(', '.join(row.products))}</td>\n"
            f"      <td>{_escape(', '.join(row.themes))}</td>\n"
            f"      <td>{_escape(row.assignee_name) if row.assignee_name else unassigned}</td>\n"
            f"      <td>{_escape(group)}</td>\n"
            f"      <td>{time_element(row.created_at, date_fmt, zone=zone)}</td>\n"
            f"      <td>{time_element(row.updated_at, date_fmt, zone=zone)}</td>\n"
            f"      <td>{_sla(row.sla, date_fmt, zone, sla_labels)}</td>\n"
            "    </tr>\n"
        )
    # Every value is escaped above.
    return mark_safe("    ".join(parts))
