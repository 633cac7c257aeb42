"""Ticket list filters: the same criteria as the desk and the portal, read from
the query string, applied to what ``visible_tickets`` already allows."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from comptoir.search.models import Kind
from comptoir.search.services import MAX_LIMIT, search
from comptoir.tickets.models import Ticket
from comptoir.tickets.queries import parse_ticket_number

from .serializers.common import id_field
from .serializers.tickets import CATEGORY_CHOICES

ORDERINGS = {
    "-updated": ("-updated_at", "-number"),
    "updated": ("updated_at", "number"),
    "-created": ("-created_at", "-number"),
    "created": ("created_at", "number"),
    "-number": ("-number",),
    "number": ("number",),
}
MAX_Q = 200


class TicketFilterSerializer(serializers.Serializer):
    category = serializers.ListField(
        child=serializers.ChoiceField(choices=CATEGORY_CHOICES),
        required=False,
        max_length=10,
        help_text=_("Status categories; repeat the parameter for several."),
    )
    status = serializers.ListField(
        child=serializers.SlugField(max_length=50), required=False, max_length=50
    )
    priority = serializers.ListField(
        child=serializers.SlugField(max_length=50), required=False, max_length=50
    )
    type = serializers.ListField(
        child=serializers.SlugField(max_length=50), required=False, max_length=50
    )
    organisation = serializers.ListField(child=id_field(), required=False, max_length=50)
    assignee = serializers.RegexField(
        r"^(me|none|[1-9][0-9]{0,17})$",
        required=False,
        help_text=_("An agent's id, me, or none for unassigned tickets."),
    )
    group = serializers.RegexField(
        r"^(none|[1-9][0-9]{0,17})$",
        required=False,
        help_text=_("A group's id, or none for tickets without a group."),
    )
    requester = id_field(required=False)
    created_after = serializers.DateTimeField(required=False)
    created_before = serializers.DateTimeField(required=False)
    updated_after = serializers.DateTimeField(required=False)
    updated_before = serializers.DateTimeField(required=False)
    q = serializers.CharField(
        max_length=MAX_Q,
        required=False,
        help_text=_("Words to search in subjects and public messages, or a ticket number."),
    )
    ordering = serializers.ChoiceField(
        choices=[(k, k) for k in ORDERINGS], required=False, default="-updated"
    )


_LIST_FILTERS = {
    "category": "category__in",
    "status": "status__slug__in",
    "priority": "priority__slug__in",
    "type": "type__slug__in",
    "organisation": "organisation_id__in",
}


def _person_or_none(value: str, field: str, user: Any) -> Q:
    if value == "none":
        return Q(**{f"{field}__isnull": True})
    if value == "me":
        return Q(**{f"{field}_id": user.pk})
    return Q(**{f"{field}_id": int(value)})


def filter_tickets(
    tickets: QuerySet[Ticket], params: dict[str, Any], *, user: Any, agent: bool
) -> QuerySet:
    """``tickets`` narrowed by the validated ``params`` (never widened)."""
    if not agent and "group" in params:
        raise serializers.ValidationError({"group": [_("Only agents can filter by group.")]})
    for name, lookup in _LIST_FILTERS.items():
        if params.get(name):
            tickets = tickets.filter(**{lookup: params[name]})
    if params.get("status") and not agent:
        # Customers see internal statuses under their category's name only: a
        # filter on an internal status must not tell them which tickets are in it.
        tickets = tickets.filter(status__visible_to_customer=True)
    if "assignee" in params:
        tickets = tickets.filter(_person_or_none(params["assignee"], "assignee", user))
    if "group" in params:
        tickets = tickets.filter(_person_or_none(params["group"], "group", user))
    if "requester" in params:
        tickets = tickets.filter(requester_id=params["requester"])
    for name, lookup in (
        ("created_after", "created_at__gte"),
        ("created_before", "created_at__lt"),
        ("updated_after", "updated_at__gte"),
        ("updated_before", "updated_at__lt"),
    ):
        if name in params:
            tickets = tickets.filter(**{lookup: params[name]})
    q = " ".join(params.get("q", "").split())
    if q:
        tickets = _matching(tickets, q, user=user)
    return tickets.order_by(*ORDERINGS[params.get("ordering", "-updated")])


def _matching(tickets: QuerySet[Ticket], q: str, *, user: Any) -> QuerySet[Ticket]:
    """The search service's best matches (at most its limit), plus the ticket
    whose number was typed; kept in the list's own order."""
    hits = search(
        user=user,
        query=q,
        kinds=(Kind.TICKET,),
        limit=MAX_LIMIT,
        excerpts=False,
        ticket_scope=tickets,
    )
    match = Q(pk__in=[hit.object_id for hit in hits])
    number = parse_ticket_number(q)
    if number is not None:
        match |= Q(number=number)
    return tickets.filter(match)
