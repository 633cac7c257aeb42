"""Reads of survey answers for agents' pages (the desk calls these)."""

from __future__ import annotations

from django.db.models import Avg, Count, QuerySet

from comptoir.tickets.models import Ticket

from .models import Survey


def ticket_surveys(ticket: Ticket) -> list[Survey]:
    """Every survey of a ticket, newest first, with its answer (score 1..5 or
    None, comment, answered_at): one query."""
    return list(Survey.objects.filter(ticket=ticket).order_by("-created_at", "-pk"))


def latest_scores(tickets: QuerySet[Ticket]) -> dict[int, int]:
    """ticket id -> latest answered score, for a list page (one query)."""
    rows = (
        Survey.objects.filter(ticket__in=tickets.values("pk"), score__isnull=False)
        .order_by("ticket_id", "answered_at", "pk")
        .values_list("ticket_id", "score")
    )
    # Later answers overwrite earlier ones.
    return {ticket_id: score for ticket_id, score in rows if score is not None}


def satisfaction_summary(tickets: QuerySet[Ticket]) -> dict[str, float | int | None]:
    """Average score and number of answers over ``tickets``."""
    return Survey.objects.filter(ticket__in=tickets.values("pk"), score__isnull=False).aggregate(
        answers=Count("pk"), average=Avg("score")
    )
