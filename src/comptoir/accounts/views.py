"""Account pages: activation, profile, organisation members, customer import,
and the people of a ticket's conversation."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from allauth.account.utils import perform_login
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.tickets import queries

from . import participants, services
from .forms import EmailForm, ImportForm, MemberRightForm, ProfileForm, SetPasswordForm
from .imports import customers_import, decode
from .models import Membership, User


def activate(request: HttpRequest, token: str) -> HttpResponse:
    """The link of the activation mail: the first visit chooses the password and
    lands on the portal; an expired or spent link says so and offers a new one."""
    try:
        link = services.activation_check(token)
    except services.ActivationError as error:
        return render(
            request,
            "accounts/activation_invalid.html",
            {"reason": error.reason, "form": EmailForm(initial=_email_of(error.user))},
            status=410 if error.reason in ("expired", "used") else 404,
        )
    form = SetPasswordForm(link.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.activation_use(token=token, password=form.cleaned_data["password1"])
        except services.ActivationError:
            return redirect("accounts:activate", token=token)
        messages.success(request, _("Your account is active. Welcome!"))
        return perform_login(request, user, redirect_url=reverse("portal:home"))
    return render(
        request,
        "accounts/activate.html",
        {"form": form, "person": link.user},
        status=400 if request.method == "POST" else 200,
    )


def _email_of(user: User | None) -> dict[str, str]:
    return {"email": user.email} if user is not None else {}


def activation_new(request: HttpRequest) -> HttpResponse:
    """Ask for a new activation link. The answer is the same whether or not the
    address has an account."""
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.activation_request_new(email=form.cleaned_data["email"])
        return render(
            request, "accounts/activation_sent.html", {"email": form.cleaned_data["email"]}
        )
    return render(
        request,
        "accounts/activation_new.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = ProfileForm(request.POST or None, instance=user)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            # The new language shows on the next page, even for someone who once
            # used the language switcher (its cookie would win otherwise).
            language = user.language or translation.get_language_from_request(request)
            with translation.override(language):
                messages.success(request, _("Your profile has been saved."))
            response = redirect("accounts:profile")
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite="Lax",
            )
            return response
        messages.error(request, _("Please correct the errors below. What you typed has been kept."))
    memberships = list(user.memberships.select_related("organisation"))
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "memberships": memberships},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def members(request: HttpRequest) -> HttpResponse:
    """Organisation managers decide who sees all the organisation's tickets."""
    user: User = request.user  # type: ignore[assignment]
    managed = list(
        Membership.objects.filter(user=user, is_manager=True).select_related("organisation")
    )
    if not managed:
        raise PermissionDenied
    rows = list(
        Membership.objects.filter(organisation__in=[m.organisation for m in managed])
        .select_related("user", "organisation")
        .order_by("organisation__name", "user__last_name", "user__first_name", "user__email")
    )
    return render(request, "accounts/members.html", {"managed": managed, "rows": rows})


@login_required
@require_POST
def member_right(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(
        Membership.objects.select_related("user", "organisation"),
        pk=pk,
        organisation__memberships__user=request.user,
        organisation__memberships__is_manager=True,
    )
    form = MemberRightForm(request.POST)
    form.is_valid()
    services.membership_set_rights(
        membership=membership,
        actor=request.user,  # type: ignore[arg-type]
        sees_all_tickets=form.cleaned_data.get("sees_all_tickets", False),
    )
    text = (
        _("%(name)s now sees all the tickets of %(org)s.")
        if membership.sees_all_tickets
        else _("%(name)s now sees only their own tickets in %(org)s.")
    )
    messages.success(
        request,
        text % {"name": membership.user.display_name, "org": membership.organisation.name},
    )
    return redirect("accounts:members")


@login_required
def customer_import(request: HttpRequest) -> HttpResponse:
    """Agents create customers in bulk from a CSV file."""
    if not request.user.is_agent:  # type: ignore[union-attr]
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = customers_import(
            text=decode(form.cleaned_data["file"].read()),
            created_by=request.user,  # type: ignore[arg-type]
            create_organisations=form.cleaned_data["create_organisations"],
            send_activation=form.cleaned_data["send_activation"],
        )
    return render(
        request,
        "accounts/import.html",
        {"form": form, "report": report},
        status=400 if request.method == "POST" and not form.is_valid() else 200,
    )


# -- people of a ticket's conversation ---------------------------------------------------


def participants_context(
    user: Any,
    ticket: Any,
    *,
    rights: Any = None,
    people: list[Any] | None = None,
    candidates: list[Any] | None = None,
) -> dict[str, Any]:
    """What the ticket page needs to show and manage the people in the conversation.

    A page that reads ``people`` (participations with their ``user``) and
    ``candidates`` along with its other rows passes them in; otherwise they are
    read here. The candidates are only read for those who may manage participants
    (the only ones shown the form)."""
    if rights is None:
        rights = queries.ticket_rights(user, ticket)
    if people is None:
        people = list(ticket.participants.select_related("user"))
    if not rights.manage_participants:
        candidates = []
    elif candidates is None:
        candidates = list(
            participants.participant_candidates(ticket)[: participants.MAX_CANDIDATES]
        )
    return {
        "ticket_rights": rights,
        "participants": people,
        "participant_candidates": candidates,
        "participant_any_address": participants.any_address_allowed() or user.is_agent,
    }


@login_required
@require_POST
def participant_add(request: HttpRequest, number: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    ticket = queries.access_ticket(user, number)
    person = None
    raw_id = request.POST.get("person", "")
    if raw_id.isdigit() and len(raw_id) < 19:
        person = participants.participant_candidates(ticket).filter(pk=int(raw_id)).first()
    email = request.POST.get("email", "")[:254]
    try:
        added = participants.participant_add(
            ticket=ticket,
            actor=user,
            user=person,
            email="" if person else email,
        )
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
        return redirect(_people_url(number, email=email))
    messages.success(
        request,
        _("%(name)s has been added to the conversation.") % {"name": added.user.display_name},
    )
    return redirect(_people_url(number))


@login_required
@require_POST
def participant_remove(request: HttpRequest, number: int, user_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    ticket = queries.access_ticket(user, number)
    person = get_object_or_404(User, pk=user_id, participations__ticket=ticket)
    participants.participant_remove(ticket=ticket, actor=user, user=person)
    if person.pk == user.pk:
        messages.success(request, _("You have left the conversation."))
        if not queries.visible_tickets(user).filter(pk=ticket.pk).exists():
            return redirect("portal:tickets")
    else:
        messages.success(
            request,
            _("%(name)s has been removed from the conversation.") % {"name": person.display_name},
        )
    return redirect(_people_url(number))


def _people_url(number: int, *, email: str = "") -> str:
    query = f"?{urlencode({'cc_email': email})}" if email else ""
    return f"{reverse('portal:ticket', kwargs={'number': number})}{query}#people"
