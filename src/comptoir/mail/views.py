"""Pages of the email channel: notification preferences, a mail's full text,
and the original of an incoming mail for agents."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from comptoir.tickets import queries

from .forms import PreferencesForm
from .models import InboundMail, NotificationPreference


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    pref, _created = NotificationPreference.objects.get_or_create(user=request.user)  # type: ignore[misc]
    agent = request.user.is_agent  # type: ignore[union-attr]
    form = PreferencesForm(request.POST or None, instance=pref, agent=agent)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("mail:preferences")
    return render(request, "mail/preferences.html", {"form": form})


@login_required
@require_GET
def message_full(request: HttpRequest, number: int, message_id: int) -> HttpResponse:
    """The whole mail a ticket message came from, quoted history included."""
    ticket = queries.access_ticket(request.user, number)  # type: ignore[arg-type]
    message = queries.visible_messages(request.user, ticket).filter(pk=message_id).first()  # type: ignore[arg-type]
    if message is None:
        raise Http404
    inbound = (
        InboundMail.objects.filter(ticket_message=message, duplicate_of__isnull=True)
        .order_by("pk")
        .first()
    )
    if inbound is None:
        raise Http404
    return render(
        request,
        "mail/message_full.html",
        {"ticket": ticket, "message": message, "inbound": inbound},
    )


@login_required
@require_GET
def inbound_raw(request: HttpRequest, pk: int) -> FileResponse:
    """The original as received ("show original"), for agents only."""
    if not request.user.is_agent:  # type: ignore[union-attr]
        raise Http404
    inbound = InboundMail.objects.filter(pk=pk).first()
    if inbound is None or not inbound.raw:
        raise Http404
    response = FileResponse(
        inbound.raw.open("rb"),
        as_attachment=True,
        filename=f"mail-{inbound.pk}.eml",
        content_type="message/rfc822",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
