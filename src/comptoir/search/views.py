"""The global search page: one query over the knowledge base and the tickets."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
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


def _directory(user: Any, q: str) -> tuple[list[User], list[Organisation]]:
    """Contacts and organisations: agents only (customers never search people)."""
    if not (user.is_authenticated and user.is_agent) or len(q) < 2:
        return [], []
    people = (
        User.objects.filter(role=Role.CUSTOMER, is_active=True)
        .filter(
            Q(email__icontains=q)
            | Q(first_name__icontains=q)
            | Q(last_name__icontains=q)
            | Q(phone__icontains=q)
        )
        .order_by("last_name", "first_name")[:PER_DIRECTORY]
    )
    organisations = Organisation.objects.filter(name__icontains=q).order_by("name")[:PER_DIRECTORY]
    return list(people), list(organisations)


@require_GET
def results(request: HttpRequest) -> HttpResponse:
    q = clean_query(request.GET.get("q", ""))
    number = parse_ticket_number(q)
    # "#1042" (or "1042") goes straight to a ticket the user may see.
    if number is not None and visible_tickets(request.user).filter(number=number).exists():
        return redirect("portal:ticket", number=number)
    kinds = [Kind.ARTICLE]
    if request.user.is_authenticated:
        kinds.append(Kind.TICKET)
    hits = services.search(user=request.user, query=q, kinds=kinds, limit=PER_KIND * 2) if q else []
    articles = [h for h in hits if h.kind == Kind.ARTICLE][:PER_KIND]
    tickets = [h for h in hits if h.kind == Kind.TICKET][:PER_KIND]
    people, organisations = _directory(request.user, q)
    return render(
        request,
        "search/results.html",
        {
            "q": q,
            "articles": articles,
            "tickets": tickets,
            "people": people,
            "organisations": organisations,
            "total": len(articles) + len(tickets) + len(people) + len(organisations),
            "show_tickets": request.user.is_authenticated,
        },
    )
