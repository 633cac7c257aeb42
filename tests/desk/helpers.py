"""Reading desk pages the way an agent does."""

from __future__ import annotations

import re

from django.urls import reverse

QUEUE = reverse("desk:queue")
_ROW = re.compile(r'<td><a href="/desk/tickets/(\d+)/">#\d+</a></td>')
_COUNT = re.compile(
    r'\?queue=(?P<key>\w+)"[^>]*><span>[^<]*</span> <span class="count" data-count="\w+">'
    r"(?P<n>\d+)</span>"
)


def rows(response) -> list[int]:
    """Ticket numbers listed, top to bottom."""
    return [int(n) for n in _ROW.findall(response.content.decode())]


def counts(response) -> dict[str, int]:
    """The side navigation's queue counts."""
    return {m["key"]: int(m["n"]) for m in _COUNT.finditer(response.content.decode())}


def ticket_url(ticket) -> str:
    return reverse("desk:ticket", kwargs={"number": ticket.number})
