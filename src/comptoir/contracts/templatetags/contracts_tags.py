"""The hours panel beside a ticket in the desk, and minutes shown as hours."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from .. import queries
from ..balance import contract_balance, helpdesk_today
from ..durations import format_minutes
from ..forms import TimeEntryForm
from ..queries import active_contract, ticket_entries

register = template.Library()


@register.filter
def hours(minutes: int | None) -> str:
    """Minutes as ``1 h 30 min`` (negative balances keep their sign)."""
    return format_minutes(minutes)


@register.inclusion_tag("contracts/_ticket_panel_body.html", takes_context=True)
def contract_panel(context: template.Context, ticket: Any) -> dict[str, Any]:
    """Balance of the ticket's organisation, the time-entry form (as typed, with
    its errors, when the page comes back from a failed entry) and the ticket's
    entries. A constant number of queries."""
    from comptoir.desk.widgets import quicken

    day = helpdesk_today()
    # Most organisations have no contract: the kept list of contracts says so
    # without a query (the balance needs the contract's own row when it runs).
    contract = (
        active_contract(ticket.organisation_id, day)
        if queries.contract_runs(ticket.organisation_id, day)
        else None
    )
    balance = contract_balance(contract) if contract is not None else None
    entries, count, total = ticket_entries(ticket)
    time_form = context.get("time_form")
    if time_form is None:
        time_fields = _fresh_time_fields()
    else:
        # Its fields written in Python, as the rest of the desk's ticket page.
        quicken(time_form)
        time_fields = _time_fields(time_form)
    return {
        "ticket": ticket,
        "user": context.get("user"),
        "request": context.get("request"),
        "contract": contract,
        "balance": balance,
        "no_hours_left": balance is not None and balance <= 0,
        "low": contract is not None and 0 < (balance or 0) < contract.low_threshold,
        "time_form": time_form,
        "time_fields": time_fields,
        "entries": entries,
        "entry_count": count,
        "entry_total": total,
    }


def _time_fields(form: TimeEntryForm) -> SafeString:
    """The form's four fields, as the panel lays them out."""
    from comptoir.desk.templatetags.desk_tags import field_block

    blocks = (
        field_block(form["duration"], True),
        field_block(form["day"], True),
        field_block(form["billable"]),
        field_block(form["note"]),
    )
    # Every part is escaped by field_block.
    return mark_safe("\n    ".join(blocks))


# An untouched form is the same on every ticket: only the language and today's
# date (its initial day) change it. Written once for each of those.
_FRESH_TIME_FIELDS: dict[tuple[str, str], SafeString] = {}


def _fresh_time_fields() -> SafeString:
    from comptoir.desk.widgets import quicken

    key = (translation.get_language() or "", timezone.localdate().isoformat())
    html = _FRESH_TIME_FIELDS.get(key)
    if html is None:
        form = TimeEntryForm()
        quicken(form)
        html = _time_fields(form)
        if len(_FRESH_TIME_FIELDS) > 32:
            _FRESH_TIME_FIELDS.clear()  # yesterday's forms
        _FRESH_TIME_FIELDS[key] = html
    return html


@register.simple_tag
def may_see_hours(user: Any) -> bool:
    """Whether ``user`` may open the hours pages (one query)."""
    return queries.may_see_hours(user)


@register.simple_tag
def organisations_without_hours(rows: Any) -> set[int]:
    """Ids of the organisations of a desk list's tickets that have no hours left
    (a constant number of queries for the page). ``rows`` holds tickets, or
    tuples starting with a ticket."""
    tickets = [row[0] if isinstance(row, tuple | list) else row for row in rows]
    return queries.organisations_without_hours({t.organisation_id for t in tickets})
