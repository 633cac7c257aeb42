"""The customer's pages: parse input, call access and services, render."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import CharField, DateTimeField, F, IntegerField, Prefetch, Value
from django.db.models.functions import Cast
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from comptoir.accounts.views import participants_context
from comptoir.tickets import queries, services
from comptoir.tickets.attachments import attachment_store, pending_attachments
from comptoir.tickets.conversation import cached_rendering
from comptoir.tickets.models import (
    Attachment,
    Category,
    ClosedReplyPolicy,
    CustomField,
    Product,
    Status,
    Theme,
)

from .forms import NewTicketForm, ReplyForm

PAGE_SIZE = 20
MAX_SEARCH = 200


def _store_uploads(request: HttpRequest, form: Any) -> list[Attachment]:
    """Keep every file sent, even when the form has errors, so nothing is lost."""
    kept = pending_attachments(keys=form.pending_keys(), user=request.user)
    for upload in request.FILES.getlist("attachments"):
        try:
            kept.append(attachment_store(file=upload, filename=upload.name, user=request.user))
        except ValidationError as error:
            form.add_error("attachments", error)
    form.data = form.data.copy()
    form.data["pending"] = ",".join(str(a.key) for a in kept)
    return kept


class _CountedPaginator(Paginator):
    """A paginator told its total: the tab counts already hold it (no second COUNT)."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


def _status_badges(user: Any) -> dict[int, tuple[str, str]]:
    """Colour and label of every status, in the viewer's language. Statuses are
    configuration: read once per process and refreshed when one is saved."""
    statuses = services.config_cached("portal:statuses", lambda: list(Status.objects.all()))
    agent = user.is_agent
    return {s.pk: (s.colour, s.label if agent else s.customer_label) for s in statuses}


def _list_rows(tickets: Any) -> Any:
    """Only the columns a row shows: no JSON custom fields, no type or priority."""
    return tickets.select_related(None).select_related("assignee").only(*ROW_FIELDS)


ROW_FIELDS = (
    "number",
    "subject",
    "status_id",
    "updated_at",
    "assignee__first_name",
    "assignee__last_name",
    "assignee__email",
)


def _decorated(request: HttpRequest, tickets: Any) -> list[Any]:
    """The rows of a ticket table with their link and status badge worked out once."""
    badges = _status_badges(request.user)
    # One reverse() per page rather than two per row.
    marker = 987654321
    head, tail = reverse("portal:ticket", kwargs={"number": marker}).split(str(marker))
    rows: list[Any] = list(tickets)
    for ticket in rows:
        ticket.url = f"{head}{ticket.number}{tail}"
        ticket.badge_colour, ticket.badge_label = badges.get(ticket.status_id, ("", ""))
    return rows


def _sees_organisation_tickets(user: Any) -> bool:
    """Whether to offer "my organisation's tickets" (what is listed is still
    decided by ``visible_tickets``). Remembered for a few seconds per user, like
    the helpdesk's configuration."""
    ttl = float(getattr(settings, "COMPTOIR_CONFIG_CACHE_SECONDS", 5))
    if ttl <= 0:
        return queries.sees_organisation_tickets(user)
    key = f"portal:org-wide:{user.pk}"
    value = cache.get(key)
    if value is None:
        value = queries.sees_organisation_tickets(user)
        cache.set(key, value, ttl)
    return bool(value)


def _search_text(request: HttpRequest) -> str:
    """The words searched for, bounded (a redirect or a query must not grow with it)."""
    return " ".join(request.GET.get("q", "").replace("\x00", "").split())[:MAX_SEARCH]


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    counts = queries.tab_counts(request.user, scope="mine")
    open_tickets = _decorated(
        request, _list_rows(queries.portal_ticket_list(request.user, tab="open", scope="mine"))[:10]
    )
    return render(
        request,
        "portal/home.html",
        {
            "counts": counts,
            "open_tickets": open_tickets,
        },
    )


@login_required
@require_GET
def jump(request: HttpRequest) -> HttpResponse:
    """The search box: a ticket number goes straight to the ticket, text searches."""
    q = _search_text(request)
    number = queries.parse_ticket_number(q)
    if number is not None and queries.visible_tickets(request.user).filter(number=number).exists():
        return redirect("portal:ticket", number=number)
    return redirect(f"{reverse('portal:tickets')}?tab=all&q={quote(q)}")


@login_required
@require_GET
def ticket_list(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("tab", "open")
    if tab not in queries.PORTAL_TABS:
        tab = "open"
    sort = request.GET.get("sort", "updated")
    if sort not in queries.SORTS:
        sort = "updated"
    direction = "asc" if request.GET.get("dir") == "asc" else "desc"
    q = _search_text(request)
    # "Mine" or "my organisation's", for members allowed to see the organisation's.
    org_wide = _sees_organisation_tickets(request.user)
    scope = request.GET.get("scope", "mine") if org_wide else "mine"
    if scope not in queries.SCOPES:
        scope = "mine"
    counts = queries.tab_counts(request.user, q=q, scope=scope)
    tickets = queries.portal_ticket_list(
        request.user, tab=tab, q=q, sort=sort, direction=direction, scope=scope
    )
    page = _CountedPaginator(_list_rows(tickets), PAGE_SIZE, count=counts[tab]).get_page(
        request.GET.get("page")
    )
    page.object_list = _decorated(request, page.object_list)
    return render(
        request,
        "portal/ticket_list.html",
        {
            "page": page,
            "tab": tab,
            "sort": sort,
            "dir": direction,
            "q": q,
            "scope": scope,
            "org_wide": org_wide,
            "sorts": [
                ("updated", _("Last update")),
                ("created", _("Creation date")),
                ("status", _("Status")),
                ("number", _("Number")),
            ],
            "tabs": [
                (key, label, counts[key])
                for key, label in (
                    ("open", _("Open or in progress")),
                    ("waiting", _("Waiting for your response")),
                    ("done", _("Resolved or closed")),
                    ("all", _("All tickets")),
                )
            ],
        },
    )


@login_required
def ticket_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = NewTicketForm(request.POST, request.FILES, user=request.user)
        kept = _store_uploads(request, form)
        if form.is_valid():
            try:
                ticket = services.ticket_create(
                    requester=request.user,
                    subject=form.cleaned_data["subject"],
                    description_html=form.body_html("description"),
                    type=form.cleaned_data["type"],
                    priority=form.cleaned_data["priority"],
                    organisation=form.cleaned_data.get("organisation"),
                    products=list(form.cleaned_data["products"]),
                    themes=list(form.cleaned_data["themes"]),
                    custom_fields=form.custom_values(),
                    attachments=kept,
                    language=request.LANGUAGE_CODE,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _(
                        "Your ticket %(ref)s has been created. We will answer it as soon as "
                        "possible."
                    )
                    % {"ref": ticket.reference},
                    extra_tags="ticket-created",
                )
                return redirect("portal:ticket", number=ticket.number)
        status = 400
    else:
        # Filled in when the customer came from their application (integrations app).
        form = NewTicketForm(user=request.user, initial=request.session.get("inapp_prefill"))
        kept = []
        status = 200
    return render(request, "portal/ticket_new.html", {"form": form, "pending": kept}, status=status)


def _detail_context(
    request: HttpRequest, ticket: Any, reply_form: ReplyForm, pending: list[Attachment]
) -> dict[str, Any]:
    conversation = _conversation_html(request.user, ticket)
    closed = ticket.category == Category.CLOSED
    # The reply policy only matters once the ticket is closed.
    policy = services.helpdesk_settings().closed_reply_policy if closed else ""
    rights = queries.ticket_rights(request.user, ticket)
    side = _products_and_themes(ticket, candidates=rights.manage_participants)
    return {
        "ticket": ticket,
        "conversation_html": conversation,
        "products": side["products"],
        "themes": side["themes"],
        "surveys": side["surveys"],
        "custom_values": _custom_display(ticket, request.user),
        "reply_form": reply_form,
        "pending": pending,
        "can_reply": _can_reply(request.user, ticket, policy),
        "reply_opens_new": closed and policy == ClosedReplyPolicy.NEW_TICKET,
        "can_close": not closed,
        # "Add people to the conversation" (accounts app).
        **participants_context(
            request.user,
            ticket,
            rights=rights,
            people=side["participants"],
            candidates=side["candidates"],
        ),
    }


# What the conversation shows of each message and of its files (pasted images
# already show in the message's text, so only the other files are listed).
MESSAGE_FIELDS = (
    "ticket_id",
    "internal",
    "body_html",
    "created_at",
    "author__first_name",
    "author__last_name",
    "author__email",
    "author__role",
)
FILE_FIELDS = ("key", "message_id", "filename", "size", "created_at")


def _conversation_html(user: Any, ticket: Any) -> str:
    """The messages of the ticket as the viewer sees them, rendered.

    Kept in the cache under the ticket's version (``tickets.conversation``)."""

    def render_messages() -> str:
        messages = (
            queries.visible_messages(user, ticket)
            .only(*MESSAGE_FIELDS)
            .prefetch_related(
                Prefetch(
                    "attachments",
                    queryset=Attachment.objects.filter(inline=False).only(*FILE_FIELDS),
                    to_attr="files",
                )
            )
        )
        return render_to_string(
            "portal/_conversation.html", {"conversation": messages, "user": user}
        )

    return mark_safe(cached_rendering("portal", user, ticket, render_messages))


# The columns shared by the branches of the side rows' UNION ALL (an alias per
# column, so that every branch selects the same names in the same order).
_SIDE_COLUMNS = {
    "side_kind": CharField(),
    "side_id": IntegerField(),
    "side_ref": IntegerField(),
    "side_num": IntegerField(),
    "side_num2": IntegerField(),
    "side_at": DateTimeField(),
    "side_at2": DateTimeField(),
    "side_at3": DateTimeField(),
    "side_k1": CharField(),
    "side_k2": CharField(),
    "side_k3": CharField(),
}


def _side_branch(queryset: Any, kind: str, **columns: str) -> Any:
    """``queryset`` as rows of the shared shape: ``columns`` maps a column (without
    its ``side_`` prefix) to a field; the others are empty."""
    values: dict[str, Any] = {}
    for name, field in _SIDE_COLUMNS.items():
        source = columns.get(name.removeprefix("side_"))
        if name == "side_kind":
            values[name] = Value(kind, output_field=field)
        elif source is not None:
            values[name] = F(source)
        elif isinstance(field, CharField):
            values[name] = Value("", output_field=field)
        else:
            # Typed: PostgreSQL types an untyped NULL of the first branches as text.
            values[name] = Cast(Value(None), output_field=field)
    return queryset.order_by().annotate(**values).values_list(*_SIDE_COLUMNS)


def _side_query(ticket: Any, candidates: bool) -> Any:
    """The side rows of ``ticket`` as one UNION ALL ordered by name in the
    database (its collation decides the order, as a per-list ORDER BY did)."""
    from comptoir.accounts.models import User
    from comptoir.accounts.participants import MAX_CANDIDATES, participant_candidates
    from comptoir.reports.models import Survey
    from comptoir.tickets.models import TicketParticipant

    branches = [
        _side_branch(Product.objects.filter(tickets=ticket), "p", id="pk", k1="name"),
        _side_branch(Theme.objects.filter(tickets=ticket), "t", id="pk", k1="name"),
        _side_branch(
            TicketParticipant.objects.filter(ticket=ticket),
            "a",
            id="pk",
            ref="user_id",
            at="created_at",
            k1="user__last_name",
            k2="user__first_name",
            k3="user__email",
        ),
        _side_branch(
            Survey.objects.filter(ticket=ticket),
            "s",
            id="pk",
            ref="requester_id",
            num="score",
            num2="scale",
            at="created_at",
            at2="answered_at",
            at3="answer_until",
            k1="comment",
        ),
    ]
    if candidates:
        first = participant_candidates(ticket).values("pk")[:MAX_CANDIDATES]
        branches.append(
            _side_branch(
                User.objects.filter(pk__in=first),
                "c",
                id="pk",
                k1="last_name",
                k2="first_name",
                k3="email",
            )
        )
    return (
        branches[0]
        .union(*branches[1:], all=True)
        .order_by("side_kind", "side_k1", "side_k2", "side_k3", "side_id")
    )


def _side_rows(ticket: Any, candidates: bool) -> list[tuple[Any, ...]]:
    """The side rows of ``ticket``: the five-branch query costs more Python to
    compile than to run, so its SQL is compiled once per process and shape
    (``core.compiled``)."""
    from comptoir.core.compiled import (
        MARK_ORGANISATION,
        MARK_REQUESTER,
        MARK_TICKET,
        compiled_query,
        run_compiled,
    )
    from comptoir.tickets.models import Ticket

    has_organisation = ticket.organisation_id is not None

    def build() -> Any:
        marked = Ticket(
            pk=MARK_TICKET,
            organisation_id=MARK_ORGANISATION if has_organisation else None,
            requester_id=MARK_REQUESTER,
        )
        return _side_query(marked, candidates)

    compiled = compiled_query(
        Ticket, ("portal-side", has_organisation, candidates), build, (MARK_TICKET,)
    )
    if compiled is None:
        return [tuple(row) for row in _side_query(ticket, candidates)]
    return run_compiled(
        compiled,
        {
            MARK_TICKET: ticket.pk,
            MARK_ORGANISATION: ticket.organisation_id,
            MARK_REQUESTER: ticket.requester_id,
        },
    )


def _products_and_themes(ticket: Any, *, candidates: bool = False) -> dict[str, list[Any]]:
    """The names of the ticket's products and themes, its participants (with
    their user), the people who may be added (when ``candidates``) and its
    surveys (latest first), in one round trip: a UNION ALL ordered by name in
    the database (its collation decides the order, as a per-list ORDER BY did)."""
    from comptoir.accounts.models import User
    from comptoir.reports.models import Survey
    from comptoir.tickets.models import TicketParticipant

    rows = _side_rows(ticket, candidates)
    found: dict[str, list[Any]] = {"p": [], "t": [], "a": [], "s": [], "c": []}
    for kind, pk, ref, num, num2, at, at2, at3, k1, k2, k3 in rows:
        if kind in "pt":
            found[kind].append(k1)
        elif kind == "c":
            found[kind].append(User(pk=pk, last_name=k1, first_name=k2, email=k3))
        elif kind == "a":
            person = User(pk=ref, last_name=k1, first_name=k2, email=k3)
            found[kind].append(TicketParticipant(pk=pk, ticket=ticket, user=person, created_at=at))
        else:
            found[kind].append(
                Survey(
                    pk=pk,
                    ticket=ticket,
                    requester_id=ref,
                    score=num,
                    scale=num2,
                    created_at=at,
                    answered_at=at2,
                    answer_until=at3,
                    comment=k1,
                )
            )
    # As the models order them (times compare alike in Python and in SQL).
    found["a"].sort(key=lambda p: (p.created_at, p.pk))
    found["s"].sort(key=lambda s: (s.created_at, s.pk), reverse=True)
    return {
        "products": found["p"],
        "themes": found["t"],
        "participants": found["a"],
        "surveys": found["s"],
        "candidates": found["c"],
    }


def _can_reply(user: Any, ticket: Any, policy: str) -> bool:
    """False when the helpdesk treats closed tickets as read-only for customers."""
    return not (
        ticket.category == Category.CLOSED
        and policy == ClosedReplyPolicy.REFUSE
        and not user.is_agent
    )


def _custom_display(ticket: Any, user: Any) -> list[tuple[str, str]]:
    if not ticket.custom_fields:
        return []
    # Custom fields are configuration: read once per process, in admin order,
    # and refreshed when one is saved.
    every_field = services.config_cached(
        "portal:custom-fields", lambda: list(CustomField.objects.all())
    )
    fields = [
        field
        for field in every_field
        if field.key in ticket.custom_fields and (user.is_agent or field.visible_to_customer)
    ]
    rows = []
    for field in fields:
        value = ticket.custom_fields.get(field.key)
        if field.field_type in ("choice", "multi_choice"):
            labels = dict(field.choice_pairs())
            values = value if isinstance(value, list) else [value]
            value = ", ".join(labels.get(str(v), str(v)) for v in values)
        elif field.field_type == "checkbox":
            value = _("Yes") if value else _("No")
        rows.append((field.label, str(value)))
    return rows


@login_required
@require_GET
def ticket_detail(request: HttpRequest, number: int) -> HttpResponse:
    ticket = queries.access_ticket(request.user, number)
    if ticket.category == Category.CLOSED:
        # A duplicate merged into another ticket leads there, when the viewer sees it.
        merged = services.merged_into_number(ticket)
        if (
            merged is not None
            and queries.visible_tickets(request.user).filter(number=merged).exists()
        ):
            messages.info(
                request,
                _("Ticket %(old)s was merged into #%(new)s.")
                % {"old": ticket.reference, "new": merged},
            )
            return redirect("portal:ticket", number=merged)
    return render(
        request, "portal/ticket_detail.html", _detail_context(request, ticket, ReplyForm(), [])
    )


@login_required
@require_POST
def ticket_reply(request: HttpRequest, number: int) -> HttpResponse:
    ticket = queries.access_ticket(request.user, number)
    form = ReplyForm(request.POST, request.FILES)
    if not _can_reply(request.user, ticket, services.helpdesk_settings().closed_reply_policy):
        # Refused before anything is stored: neither the message nor its files.
        form.add_error(
            None,
            _("This ticket is closed and can no longer be answered. Please open a new ticket."),
        )
        return render(
            request,
            "portal/ticket_detail.html",
            _detail_context(request, ticket, form, []),
            status=400,
        )
    kept = _store_uploads(request, form)
    if form.is_valid():
        try:
            result = services.ticket_reply(
                ticket=ticket,
                author=request.user,
                body_html=form.body_html("body"),
                attachments=kept,
            )
        except ValidationError as error:
            form.add_error("body", error)
        else:
            if result.opened_follow_up:
                messages.success(
                    request,
                    _("Ticket %(old)s is closed, so your message opened ticket %(new)s.")
                    % {"old": ticket.reference, "new": result.ticket.reference},
                )
            else:
                messages.success(request, _("Your reply has been sent."))
            return redirect("portal:ticket", number=result.ticket.number)
    ticket = queries.access_ticket(request.user, number)
    return render(
        request,
        "portal/ticket_detail.html",
        _detail_context(request, ticket, form, kept),
        status=400,
    )


@login_required
@require_POST
def ticket_close(request: HttpRequest, number: int) -> HttpResponse:
    ticket = queries.access_ticket(request.user, number)
    if ticket.category != Category.CLOSED:
        services.ticket_close(ticket=ticket, actor=request.user)
        messages.success(request, _("Ticket %(ref)s is closed.") % {"ref": ticket.reference})
    return redirect("portal:ticket", number=number)


@login_required
@require_GET
def message_detail(request: HttpRequest, number: int, message_id: int) -> HttpResponse:
    """One message of a ticket (a permalink from notifications)."""
    ticket = queries.access_ticket(request.user, number)
    message = queries.visible_messages(request.user, ticket).filter(pk=message_id).first()
    if message is None:
        raise Http404
    return redirect(f"{reverse('portal:ticket', kwargs={'number': number})}#message-{message.pk}")


@login_required
@require_GET
def attachment_download(request: HttpRequest, key: str) -> FileResponse:
    attachment = queries.access_attachment(request.user, key)
    inline = attachment.is_image
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
