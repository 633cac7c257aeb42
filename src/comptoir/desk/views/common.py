"""What every desk page shares: agents only, the desk's side navigation."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import url_has_allowed_host_and_scheme

from comptoir.accounts.models import User
from comptoir.tickets.attachments import attachment_store, pending_attachments
from comptoir.tickets.models import Attachment

from .. import queries
from ..queues import QUEUES, queue_counts


class AgentRequest(HttpRequest):
    """A request of a logged-in agent (what ``agent_required`` lets through)."""

    user: User  # type: ignore[assignment]


def agent_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged-in agents only; anybody else gets the answer a missing page gets."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not getattr(request.user, "is_agent", False):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def desk_context(request: AgentRequest, *, current: str = "") -> dict[str, Any]:
    """The side navigation: queues with their counts (kept a while), saved views
    and away (one query)."""
    user = request.user
    counts = queue_counts(user)
    views, profile = queries.saved_views_and_profile(user)
    return {
        "queues": [(q.key, q.label, counts[q.key]) for q in QUEUES],
        "current_queue": current,
        "saved_views": views,
        "profile": profile,
    }


def store_uploads(request: AgentRequest, form: Any) -> list[Attachment]:
    """Keep every file sent, even when the form has errors, so nothing is lost."""
    kept = pending_attachments(keys=form.pending_keys(), user=request.user)
    for upload in request.FILES.getlist("attachments"):
        try:
            kept.append(
                attachment_store(file=upload, filename=upload.name or "", user=request.user)
            )
        except ValidationError as error:
            form.add_error("attachments", error)
    form.data = form.data.copy()
    form.data["pending"] = ",".join(str(a.key) for a in kept)
    return kept


def safe_next(request: HttpRequest, fallback: str) -> str:
    """Where to go back to after a POST: a local address only."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback
