"""Macros: the agent's own canned responses, and the shared ones for supervisors
and administrators."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import queries, services
from ..forms import MacroForm
from ..macros import PLACEHOLDERS
from ..models import Macro
from .common import AgentRequest, agent_required, desk_context


@agent_required
@require_GET
def macro_list(request: AgentRequest) -> HttpResponse:
    editable = set(queries.editable_macros(request.user).values_list("pk", flat=True))
    macros = queries.usable_macros(request.user)
    return render(
        request,
        "desk/macros.html",
        {
            **desk_context(request),
            "rows": [(m, m.pk in editable) for m in macros],
        },
    )


def _editable(request: AgentRequest, pk: int | None) -> Macro | None:
    if pk is None:
        return None
    macro = queries.editable_macros(request.user).filter(pk=pk).first()
    if macro is None:
        raise Http404
    return macro


@agent_required
def macro_edit(request: AgentRequest, pk: int | None = None) -> HttpResponse:
    macro = _editable(request, pk)
    can_share = queries.can_manage_shared(request.user)
    if request.method == "POST":
        form = MacroForm(request.POST, can_share=can_share)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.macro_save(
                    user=request.user,
                    macro=macro,
                    name=data["name"],
                    body_html=form.body_html("body"),
                    shared=bool(data.get("shared")),
                    as_note=data["as_note"],
                    set_status=data["set_status"],
                    set_type=data["set_type"],
                    set_priority=data["set_priority"],
                    set_group=data["set_group"],
                )
            except PermissionDenied:
                raise Http404 from None
            messages.success(request, _("Macro “%(name)s” saved.") % {"name": data["name"]})
            return redirect("desk:macros")
        status = 400
    else:
        initial = {}
        if macro is not None:
            initial = {
                "name": macro.name,
                "body": macro.body_html,
                "body_format": "html",
                "shared": macro.shared,
                "as_note": macro.as_note,
                "set_status": macro.set_status_id,
                "set_type": macro.set_type_id,
                "set_priority": macro.set_priority_id,
                "set_group": macro.set_group_id,
            }
        form = MacroForm(initial=initial, can_share=can_share)
        status = 200
    return render(
        request,
        "desk/macro_form.html",
        {
            **desk_context(request),
            "form": form,
            "macro": macro,
            "placeholders": [(name, text) for name, (text, _f) in PLACEHOLDERS.items()],
        },
        status=status,
    )


@agent_required
@require_POST
def macro_delete(request: AgentRequest, pk: int) -> HttpResponse:
    macro = _editable(request, pk)
    assert macro is not None
    services.macro_delete(user=request.user, macro=macro)
    messages.success(request, _("Macro deleted."))
    return redirect("desk:macros")
