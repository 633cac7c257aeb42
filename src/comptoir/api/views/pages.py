"""The API tokens page: people create and revoke their own tokens. A new token
is shown once, in the answer to the form that created it, and never again."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from comptoir.accounts.models import User

from ..models import ApiToken
from ..tokens import api_token_create, api_token_revoke

EXPIRIES = {"never": None, "30": 30, "90": 90, "365": 365}


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What the token is for, such as “CRM synchronisation”."),
    )
    expires = forms.ChoiceField(
        label=gettext_lazy("Expires"),
        choices=[
            ("never", gettext_lazy("Never")),
            ("30", gettext_lazy("In 30 days")),
            ("90", gettext_lazy("In 90 days")),
            ("365", gettext_lazy("In a year")),
        ],
        initial="90",
    )


def _me(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # the views require a login
    return request.user


def _page(
    request: HttpRequest, form: TokenForm, *, created: str = "", status: int = 200
) -> HttpResponse:
    tokens = ApiToken.objects.filter(user=_me(request)).order_by("-created_at", "-pk")[:100]
    return render(
        request,
        "api/tokens.html",
        {"form": form, "tokens": tokens, "created": created, "now": timezone.now()},
        status=status,
    )


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request, TokenForm())
    form = TokenForm(request.POST)
    if form.is_valid():
        days = EXPIRIES[form.cleaned_data["expires"]]
        expires_at = timezone.now() + timedelta(days=days) if days else None
        try:
            new = api_token_create(
                user=_me(request), name=form.cleaned_data["name"], expires_at=expires_at
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            response = _page(request, TokenForm(), created=new.plain, status=201)
            # The secret is in this page only: no copy in caches or history.
            response["Cache-Control"] = "no-store"
            return response
    return _page(request, form, status=400)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = ApiToken.objects.filter(pk=pk, user=_me(request)).first()
    if token is None:
        raise Http404
    api_token_revoke(token=token, actor=_me(request))
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("api:tokens")
