"""The global search page: one query over the knowledge base and the tickets."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from comptoir.accounts.models import Organisation, Role, User
from comptoir.tickets.queries import parse_ticket_number, visible_tickets

from . import services
from .models import Kind
from .text import clean_query

PER_KIND = 20
PER_DIRECTORY = 10


# The contact's searchable text on PostgreSQL: one expression under a trigram
# index (search migration 0004, which repeats it). Line breaks between the
# fields: a query never holds one, so a match never spans two fields.
PEOPLE_TEXT = "(email || E'\\n' || first_name || E'\\n' || last_name || E'\\n' || phone)"


def _like_anywhere(q: str) -> str:
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _directory(user: Any, q: str) -> tuple[list[User], list[Organisation]]:
    """Contacts and organisations: agents only (customers never search people)."""
    if not (user.is_authenticated and user.is_agent) or len(q) < 2:
        return [], []
    people = User.objects.filter(role=Role.CUSTOMER, is_active=True)
    organisations = Organisation.objects.all()
    if connection.vendor == "postgresql":
        # ILIKE on the indexed expressions: the trigram indexes answer them
        # (UPPER(...) LIKE, what icontains writes, would read every contact).
        pattern = [_like_anywhere(q)]
        people = people.filter(RawSQL(f"{PEOPLE_TEXT} ILIKE %s", pattern, BooleanField()))
        organisations = organisations.filter(RawSQL("name ILIKE %s", pattern, BooleanField()))
    else:
        people = people.filter(
            Q(email__icontains=q)
            | Q(first_name__icontains=q)
            | Q(last_name__icontains=q)
            | Q(phone__icontains=q)
        )
        organisations = organisations.filter(name__icontains=q)
    return (
        list(people.order_by("last_name", "first_name")[:PER_DIRECTORY]),
        list(organisations.order_by("name")[:PER_DIRECTORY]),
    )


@require_GET
def results(request: HttpRequest) -> HttpResponse:
    q = clean_query(request.GET.get("q", ""))
    number = parse_ticket_number(q)
    # "#1042" (or "1042") goes straight to a ticket the user may see: agents to
    # the desk's page, customers to the portal's.
    if (
        number is not None
        and 0 < number < 2**31
        and visible_tickets(request.user).filter(number=number).exists()
    ):
        page = "desk:ticket" if getattr(request.user, "is_agent", False) else "portal:ticket"
        return redirect(page, number=number)
    kinds = [Kind.ARTICLE]
    if request.user.is_authenticated:
        kinds.append(Kind.TICKET)
    pages = (
        services.search_kinds(user=request.user, query=q, kinds=kinds, limit=PER_KIND) if q else {}
    )
    empty = services.Page(hits=[], total=0, capped=False)
    articles = pages.get(Kind.ARTICLE, empty)
    tickets = pages.get(Kind.TICKET, empty)
    people, organisations = _directory(request.user, q)
    return render(
        request,
        "search/results.html",
        {
            "q": q,
            "articles": articles.hits,
            "tickets": tickets.hits,
            "article_total": articles.total,
            "ticket_total": tickets.total,
            "people": people,
            "organisations": organisations,
            # Counts stop at a cap: "more than 1,000 results" rather than counting them all.
            "total": articles.total + tickets.total + len(people) + len(organisations),
            "article_capped": articles.capped,
            "ticket_capped": tickets.capped,
            "capped": articles.capped or tickets.capped,
            "show_tickets": request.user.is_authenticated,
        },
    )
