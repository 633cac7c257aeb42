"""The survey block of the portal's ticket page, and faces by score."""

from __future__ import annotations

from typing import Any

from django import template

from comptoir.tickets.models import DONE_CATEGORIES, Ticket

from ..forms import SurveyForm
from ..surveys import Face, face_of, is_open

register = template.Library()


@register.simple_tag
def face(score: Any) -> Face | None:
    try:
        return face_of(int(score))
    except (TypeError, ValueError):
        return None


@register.inclusion_tag("reports/_ticket_survey.html", takes_context=True)
def ticket_survey(
    context: dict[str, Any], ticket: Ticket, surveys: list[Any] | None = None
) -> dict[str, Any]:
    """For the requester: the latest survey's form while it is open (their answer
    afterwards). For agents: every survey of the ticket with its answer.

    ``surveys``, when the page read them with its other rows, are the ticket's
    surveys latest first; otherwise one query reads them, whatever their number."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    if surveys is None:
        surveys = list(ticket.surveys.all().order_by("-created_at", "-pk")[:20])
    else:
        surveys = surveys[:20]
    latest = surveys[0] if surveys else None
    mine = latest if latest is not None and latest.requester_id == user.pk else None
    form = None
    if mine is not None and ticket.category in DONE_CATEGORIES and is_open(mine):
        form = SurveyForm(initial={"score": mine.score, "comment": mine.comment}, scale=mine.scale)
    agent_view = user.is_agent
    return {
        "show": bool(form or mine or (agent_view and surveys)),
        "ticket": ticket,
        "survey": mine,
        "mine": mine,
        "form": form,
        "surveys": surveys if agent_view else [],
        "user": user,
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }
