"""Survey pages: the signed link (no login) and the form on the portal ticket."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from comptoir.tickets.queries import access_ticket

from .forms import SurveyForm
from .models import Survey
from .surveys import (
    SurveyLinkError,
    faces,
    is_open,
    signed_in,
    survey_answer,
    survey_from_token,
)


def _initial_score(request: HttpRequest, survey: Survey) -> int | None:
    """The face clicked in the mail, shown selected; nothing is recorded by a GET."""
    wanted = request.GET.get("score", "")
    allowed = {f.score for f in faces(survey.scale)}
    if wanted.isdigit() and int(wanted) in allowed:
        return int(wanted)
    return survey.score


@require_http_methods(["GET", "POST"])
def survey_link(request: HttpRequest, token: str) -> HttpResponse:
    try:
        survey = survey_from_token(token)
    except SurveyLinkError as error:
        return render(
            request,
            "reports/survey_unavailable.html",
            {"expired": error.expired},
            status=410 if error.expired else 404,
        )
    if request.method == "POST":
        form = SurveyForm(request.POST, scale=survey.scale)
        if form.is_valid():
            try:
                survey_answer(
                    survey=survey,
                    score=form.cleaned_data["score"],
                    comment=form.cleaned_data["comment"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return redirect(reverse("reports:survey", kwargs={"token": token}) + "?done=1")
        status = 400
    else:
        form = SurveyForm(
            initial={"score": _initial_score(request, survey), "comment": survey.comment},
            scale=survey.scale,
        )
        status = 200
    response = render(
        request,
        "reports/survey.html",
        {
            "survey": survey,
            "ticket": survey.ticket,
            "form": form,
            "open": is_open(survey),
            "done": request.GET.get("done") == "1" and survey.answered_at is not None,
        },
        status=status,
    )
    # The link is a credential: keep it out of shared caches and referrers.
    response["Cache-Control"] = "private, no-store"
    # same-origin, not no-referrer: the form's POST needs its Origin for the CSRF check.
    response["Referrer-Policy"] = "same-origin"
    return response


@login_required
@require_POST
def ticket_survey(request: HttpRequest, number: int) -> HttpResponse:
    """The survey form on the portal's ticket page (the requester's latest survey)."""
    user = signed_in(request)
    ticket = access_ticket(user, number)
    survey = ticket.surveys.filter(requester=user).order_by("-created_at", "-pk").first()
    if survey is None:
        raise Http404
    form = SurveyForm(request.POST, scale=survey.scale)
    if form.is_valid():
        try:
            survey_answer(
                survey=survey,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Thank you for your answer."))
    else:
        messages.error(request, _("Choose one of the faces."))
    return redirect(reverse("portal:ticket", kwargs={"number": ticket.number}) + "#survey")
