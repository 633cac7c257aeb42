"""Queues: filtered, sorted, paginated lists of tickets, bulk actions, saved views."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from comptoir.accounts.models import SupportGroup, User
from comptoir.tickets import services as ticket_services
from comptoir.tickets.models import Category, Ticket
from comptoir.tickets.queries import parse_ticket_number, visible_tickets

from .. import queries, services
from ..filters import (
    DEFAULT_SORT,
    PAGE_SIZES,
    SORTS,
    Options,
    QueueFilterForm,
    filter_condition,
    organisation_suggestions,
    sorted_tickets,
)
from ..forms import BulkForm
from ..queues import queue_counts, queue_or_default, queue_tickets
from .common import AgentRequest, agent_required, desk_context, safe_next

# Bulk actions act on at most this many tickets per request.
MAX_BULK = 1000
MAX_MERGE = 20


def filtered_tickets(user: User, params: QueryDict, options: Options) -> tuple[Any, Any, Any]:
    """(queue, form, tickets) for the URL's queue, filters and sort."""
    data = params.copy()
    for name, value in (("sort", DEFAULT_SORT), ("dir", "desc"), ("per_page", str(PAGE_SIZES[1]))):
        data.setdefault(name, value)
    form = QueueFilterForm(data, options=options)
    form.is_valid()  # unreadable values are dropped; the others still filter
    queue = queue_or_default(form.value("queue"))
    tickets = queue_tickets(user, queue).filter(filter_condition(form, user))
    return queue, form, sorted_tickets(tickets, form)


def _sort_links(params: QueryDict, form: QueueFilterForm) -> dict[str, dict[str, str]]:
    """For each column: its label, the URL that sorts by it, its aria-sort state."""
    links = {}
    for key, (label, _expression) in SORTS.items():
        current = form.sort_key == key
        direction = "asc" if current and form.direction == "desc" else "desc"
        query = params.copy()
        query["sort"], query["dir"] = key, direction
        query.pop("page", None)
        state = ""
        if current:
            state = "ascending" if form.direction == "asc" else "descending"
        links[key] = {"url": "?" + query.urlencode(), "state": state, "label": str(label)}
    return links


@agent_required
@require_GET
def queue(request: AgentRequest) -> HttpResponse:
    options = Options.load()
    current, form, tickets = filtered_tickets(request.user, request.GET, options)
    page = queries.list_page(
        tickets, page=request.GET.get("page"), size=form.page_size, ref=options.reference
    )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "desk/queue.html",
        {
            **desk_context(request, current=current.key),
            "queue": current,
            "form": form,
            "page": page,
            "rows": page.rows,
            "query": params.urlencode(),
            "sorts": _sort_links(params, form),
            "bulk_form": BulkForm(options=options),
            "max_bulk": MAX_BULK,
            "count_cap": queries.COUNT_CAP,
        },
    )


@agent_required
@require_GET
def organisations(request: AgentRequest) -> JsonResponse:
    """Organisations whose name contains ``q``, for the filter's suggestions."""
    found = organisation_suggestions(request.GET.get("q", ""))
    return JsonResponse({"results": [{"id": o.pk, "name": o.name} for o in found]})


@agent_required
@require_GET
def counts(request: AgentRequest) -> JsonResponse:
    """The queues' counts, for the side navigation to refresh itself."""
    return JsonResponse(queue_counts(request.user))


@agent_required
@require_GET
def jump(request: AgentRequest) -> HttpResponse:
    """A ticket number opens the ticket; anything else searches every ticket."""
    q = " ".join(request.GET.get("q", "").split())[:200]
    number = parse_ticket_number(q)
    if number is not None and visible_tickets(request.user).filter(number=number).exists():
        return redirect("desk:ticket", number=number)
    return redirect(f"{reverse('desk:queue')}?{urlencode({'queue': 'all', 'q': q})}")


def _selected(request: AgentRequest, options: Options) -> QuerySet[Ticket]:
    """The tickets a bulk action applies to, visible to the agent, at most MAX_BULK."""
    user = request.user
    if request.POST.get("scope") == "all":
        _queue, _form, tickets = filtered_tickets(
            user, QueryDict(request.POST.get("query", "")), options
        )
        ids = list(tickets.values_list("pk", flat=True)[:MAX_BULK])
    else:
        ids = services.ids_from(request.POST.getlist("ticket"), MAX_BULK)
    return visible_tickets(user).filter(pk__in=ids)


def _pick(value: str, user: User, model: Any) -> Any:
    """A bulk choice: "" keeps, "none" clears, "me" is the agent, else an id."""
    if value == "none":
        return None
    if value == "me":
        return user
    return model.objects.filter(pk=int(value)).first() if value.isdigit() else None


def _apply(request: AgentRequest, form: BulkForm, tickets: QuerySet[Ticket]) -> int:
    """Apply every chosen change; the number of tickets changed."""
    user = request.user
    data = form.cleaned_data
    changed: set[int] = set()
    action = request.POST.get("action")
    if action == "close":
        closed = ticket_services.status_for_category(Category.CLOSED)
        changed |= set(
            ticket_services.tickets_bulk_change_status(tickets=tickets, actor=user, status=closed)
        )
        return len(changed)
    fields = {name: data[name] for name in ("priority", "type") if data.get(name)}
    if data.get("group"):
        fields["group"] = _pick(data["group"], user, SupportGroup)
    if fields:
        changed |= set(
            ticket_services.tickets_bulk_update_fields(tickets=tickets, actor=user, **fields)
        )
    if data.get("assignee"):
        assignee = _pick(data["assignee"], user, User)
        if assignee is not None and not assignee.is_agent:
            raise ValidationError(_("Tickets can only be assigned to agents."))
        changed |= set(
            ticket_services.tickets_bulk_assign(tickets=tickets, actor=user, assignee=assignee)
        )
    if data.get("status"):
        changed |= set(
            ticket_services.tickets_bulk_change_status(
                tickets=tickets, actor=user, status=data["status"]
            )
        )
    return len(changed)


def _merge(request: AgentRequest, form: BulkForm, tickets: QuerySet[Ticket]) -> Ticket:
    """Merge the selected tickets into one: the number typed, else the oldest."""
    chosen = list(tickets.order_by("number")[: MAX_MERGE + 1])
    if len(chosen) > MAX_MERGE:
        raise ValidationError(_("Merge at most %(n)s tickets at once.") % {"n": MAX_MERGE})
    number = parse_ticket_number(form.cleaned_data.get("merge_into") or "")
    if number is not None:
        target = visible_tickets(request.user).filter(number=number).first()
        if target is None:
            raise ValidationError(_("There is no ticket #%(n)s.") % {"n": number})
    elif chosen:
        target = chosen[0]
    else:
        raise ValidationError(_("Select the tickets to merge."))
    sources = [t for t in chosen if t.pk != target.pk]
    if not sources:
        raise ValidationError(_("Select at least one ticket to merge into another."))
    for source in sources:
        ticket_services.ticket_merge(source=source, target=target, actor=request.user)
    return target


@agent_required
@require_POST
def bulk(request: AgentRequest) -> HttpResponse:
    options = Options.load()
    back = safe_next(request, reverse("desk:queue"))
    form = BulkForm(request.POST, options=options)
    if not form.is_valid():
        messages.error(request, _("Nothing was changed: a choice was not understood."))
        return redirect(back)
    tickets = _selected(request, options)
    try:
        with transaction.atomic():
            if request.POST.get("action") == "merge":
                target = _merge(request, form, tickets)
                messages.success(
                    request, _("Tickets merged into %(ref)s.") % {"ref": target.reference}
                )
                return redirect("desk:ticket", number=target.number)
            count = _apply(request, form, tickets)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect(back)
    messages.success(
        request,
        ngettext("%(n)s ticket changed.", "%(n)s tickets changed.", count) % {"n": count},
    )
    return redirect(back)


@agent_required
@require_POST
def view_save(request: AgentRequest) -> HttpResponse:
    query = request.POST.get("query", "")
    try:
        view = services.saved_view_save(
            owner=request.user, name=request.POST.get("name", ""), query=query
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(f"{reverse('desk:queue')}?{query}")
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return redirect(f"{reverse('desk:queue')}?{view.query}")


@agent_required
@require_POST
def view_delete(request: AgentRequest, view_id: int) -> HttpResponse:
    services.saved_view_delete(owner=request.user, view_id=view_id)
    messages.success(request, _("View deleted."))
    return redirect(safe_next(request, reverse("desk:queue")))


@agent_required
@require_POST
def away(request: AgentRequest) -> HttpResponse:
    is_away = request.POST.get("away") == "1"
    services.agent_set_away(user=request.user, away=is_away)
    if is_away:
        messages.success(request, _("You are away: no ticket will be given to you automatically."))
    else:
        messages.success(request, _("You are available again for new tickets."))
    return redirect(safe_next(request, reverse("desk:queue")))
