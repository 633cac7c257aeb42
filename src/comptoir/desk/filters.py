"""The queue page's filters and sort, read from the URL (so a filtered list can
be bookmarked, shared and saved as a view).

A value the form cannot read is dropped with an error shown next to the field;
the other filters still apply.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.utils.functional import cached_property
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from comptoir.accounts.models import Organisation, SupportGroup, User
from comptoir.tickets.models import (
    CustomField,
    FieldType,
    Message,
    Priority,
    Product,
    Status,
    Theme,
    Ticket,
    TicketType,
)
from comptoir.tickets.queries import parse_ticket_number

from .queues import QUEUES
from .reference import Reference, reference
from .widgets import KeptChoices, QuickSelects

MAX_TEXT = 200
PAGE_SIZES = (25, 50, 100)
# Organisations offered while typing in the organisation filter.
MAX_SUGGESTIONS = 20

# sort key -> (column label, ordering expression); the number breaks ties.
SORTS: dict[str, tuple[Any, Any]] = {
    "number": (_("Number"), F("number")),
    "subject": (_("Subject"), F("subject")),
    "requester": (_("Requester"), F("requester__last_name")),
    "organisation": (_("Organisation"), F("organisation__name")),
    "status": (_("Status"), F("status__order")),
    "priority": (_("Priority"), F("priority__order")),
    "type": (_("Type"), F("type__order")),
    "assignee": (_("Assigned agent"), F("assignee__last_name")),
    "group": (_("Group"), F("group__name")),
    "created": (_("Created"), F("created_at")),
    "updated": (_("Last update"), F("updated_at")),
    "due": (_("SLA due"), F("sla__resolution_due_at")),
}
DEFAULT_SORT = "updated"
# Sorts on a column that may be empty put the empty ones last. The others sort
# plainly, so that an index on the column gives the order.
NULLABLE_SORTS = frozenset({"organisation", "assignee", "group", "due"})


@dataclass(frozen=True)
class Options:
    """Everything the filters offer, read once per page (a constant number of
    queries). Organisations are not listed: they are thousands, so the filter
    suggests them as the agent types (``organisation_suggestions``)."""

    statuses: list[Status]
    priorities: list[Priority]
    types: list[TicketType]
    products: list[Product]
    themes: list[Theme]
    agents: list[User]
    groups: list[SupportGroup]
    custom_fields: list[CustomField]
    reference: Reference

    @classmethod
    def load(cls) -> Options:
        ref = reference()
        unfilterable = (FieldType.LONG_TEXT, FieldType.DATE, FieldType.NUMBER)
        return cls(
            statuses=ref.active_statuses,
            priorities=ref.active_priorities,
            types=ref.active_types,
            products=ref.active_products,
            themes=ref.active_themes,
            agents=ref.agents,
            groups=ref.groups,
            custom_fields=[c for c in ref.active_custom_fields if c.field_type not in unfilterable],
            reference=ref,
        )


# Filter forms written for this many inputs are kept at most (per process).
MAX_KEPT_HTML = 200


def keep_html(ref: Reference, key: Any, render: Callable[[], SafeString]) -> SafeString:
    """``render()``, kept under ``key`` as long as the reference data ``ref``."""
    kept: dict[Any, SafeString] = ref.kept("desk:form-html", dict)
    html = kept.get(key)
    if html is None:
        if len(kept) >= MAX_KEPT_HTML:
            kept.clear()
        html = kept[key] = render()
    return html


def _label(obj: Any) -> str:
    return str(getattr(obj, "label", obj))


class QueueFilterForm(QuickSelects, forms.Form):
    queue = forms.ChoiceField(
        choices=[(q.key, q.label) for q in QUEUES], required=False, widget=forms.HiddenInput
    )
    q = forms.CharField(label=_("Text"), required=False, max_length=MAX_TEXT)
    status = forms.MultipleChoiceField(label=_("Status"), required=False)
    priority = forms.MultipleChoiceField(label=_("Priority"), required=False)
    type = forms.MultipleChoiceField(label=_("Type"), required=False)
    product = forms.MultipleChoiceField(label=_("Product"), required=False)
    theme = forms.MultipleChoiceField(label=_("Theme"), required=False)
    organisation_name = forms.CharField(
        label=_("Organisation"),
        required=False,
        max_length=MAX_TEXT,
        help_text=_("Part of its name; choose one of the suggestions to keep only that one."),
    )
    # The organisations chosen among the suggestions (ids, in the URL).
    organisation = forms.MultipleChoiceField(required=False, widget=forms.MultipleHiddenInput)
    requester = forms.CharField(
        label=_("Requester"),
        required=False,
        max_length=MAX_TEXT,
        help_text=_("Part of a name or an email address."),
    )
    assignee = forms.MultipleChoiceField(label=_("Assigned agent"), required=False)
    group = forms.MultipleChoiceField(label=_("Group"), required=False)
    created_from = forms.DateField(
        label=_("Created from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(
        label=_("Created until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    updated_from = forms.DateField(
        label=_("Updated from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    updated_to = forms.DateField(
        label=_("Updated until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(
        label=_("Sort by"), choices=[(k, v[0]) for k, v in SORTS.items()], required=False
    )
    dir = forms.ChoiceField(
        label=_("Order"),
        choices=[("desc", _("Descending")), ("asc", _("Ascending"))],
        required=False,
    )
    per_page = forms.TypedChoiceField(
        label=_("Per page"),
        choices=[(str(n), str(n)) for n in PAGE_SIZES],
        coerce=int,
        required=False,
    )

    def __init__(self, data: Any, *, options: Options, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.options = options
        # Built and written once per language while the reference data is kept.
        choices = options.reference.kept(
            ("desk:filter-choices", get_language()), lambda: self._choices(options)
        )
        for name, values in choices.items():
            self.fields[name].choices = values  # type: ignore[attr-defined]
        # Any id is accepted here; unknown ones simply match no ticket.
        self.fields["organisation"].valid_value = str.isdigit  # type: ignore[attr-defined]
        self.fields["organisation_name"].widget.attrs.update(
            {"autocomplete": "off", "list": "organisation-suggestions"}
        )
        for custom in options.custom_fields:
            name = f"cf_{custom.key}"
            if custom.field_type in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
                self.fields[name] = forms.ChoiceField(
                    label=custom.label,
                    choices=[("", "—"), *custom.choice_pairs()],
                    required=False,
                )
            elif custom.field_type == FieldType.CHECKBOX:
                self.fields[name] = forms.ChoiceField(
                    label=custom.label,
                    choices=[("", "—"), ("yes", _("Yes")), ("no", _("No"))],
                    required=False,
                )
            else:
                self.fields[name] = forms.CharField(
                    label=custom.label, required=False, max_length=MAX_TEXT
                )
        self.quicken_selects()

    def _choices(self, options: Options) -> dict[str, KeptChoices]:
        anyone = [("none", _("Nobody")), ("me", _("Me"))]
        choices: dict[str, list[tuple[str, Any]]] = {
            "status": [(s.slug, s.label) for s in options.statuses],
            "priority": [(p.slug, p.label) for p in options.priorities],
            "type": [(t.slug, t.label) for t in options.types],
            "product": [(str(p.pk), p.name) for p in options.products],
            "theme": [(str(t.pk), t.name) for t in options.themes],
            "assignee": anyone + [(str(a.pk), a.display_name) for a in options.agents],
            "group": [("none", _("No group"))] + [(str(g.pk), g.name) for g in options.groups],
            # Fixed choices, for their HTML to be written once too.
            **{name: list(self.fields[name].choices) for name in ("sort", "dir", "per_page")},  # type: ignore[attr-defined]
        }
        return {name: KeptChoices(values) for name, values in choices.items()}

    def custom_bound_fields(self) -> list[forms.BoundField]:
        return [self[f"cf_{c.key}"] for c in self.options.custom_fields]

    def kept_html(self, part: str, render: Callable[[], SafeString]) -> SafeString:
        """``render()`` (some of the fields' HTML), kept with the reference data
        for this input and language: the fields write the same HTML for the same
        values, and lists are reloaded and paged with the same filters."""
        data = self.data
        values = tuple(
            (name, tuple(data.getlist(name) if hasattr(data, "getlist") else [data[name]]))
            for name in sorted(self.fields)
            if name in data
        )
        return keep_html(self.options.reference, (part, get_language(), values), render)

    def value(self, name: str, default: Any = None) -> Any:
        """A cleaned value, or ``default`` when missing or unreadable."""
        data = getattr(self, "cleaned_data", {})
        value = data.get(name)
        return default if value in (None, "", []) else value

    @property
    def sort_key(self) -> str:
        return self.value("sort", DEFAULT_SORT)

    @property
    def direction(self) -> str:
        return self.value("dir", "desc")

    @property
    def page_size(self) -> int:
        return self.value("per_page", PAGE_SIZES[1])

    def active_count(self) -> int:
        """How many filters are set (shown on the collapsed filter panel)."""
        skip = {"queue", "sort", "dir", "per_page", "organisation"}
        return sum(1 for name in self.fields if name not in skip and self.value(name))

    @cached_property
    def chosen_organisations(self) -> list[Organisation]:
        """The organisations of the URL's ids (at most a few: one query)."""
        ids = [int(v) for v in self.value("organisation", [])][:MAX_SUGGESTIONS]
        return list(Organisation.objects.filter(pk__in=ids).order_by("name")) if ids else []

    def organisation_condition(self) -> Q:
        """Chosen organisations by id, as long as the text field still shows
        their names; else (typed without choosing, or changed since) the
        organisations whose name contains the text."""
        text = " ".join((self.value("organisation_name") or "").split())
        chosen = self.chosen_organisations
        names = {o.name.casefold() for o in chosen}
        names.add(", ".join(o.name for o in chosen).casefold())
        if chosen and (not text or text.casefold() in names):
            return Q(organisation_id__in=[o.pk for o in chosen])
        if text:
            return Q(
                organisation_id__in=Organisation.objects.filter(name__icontains=text).values("pk")
            )
        if self.value("organisation"):
            return Q(pk__in=[])  # ids of organisations that do not exist
        return Q()

    def shown_organisation_name(self) -> str:
        """What the text field shows: the typed text, else the chosen names."""
        return self.value("organisation_name") or ", ".join(
            o.name for o in self.chosen_organisations
        )


def _in_or_none(column: str, values: list[str], user: User | None = None) -> Q:
    ids = []
    condition = Q()
    for value in values:
        if value == "none":
            condition |= Q(**{f"{column}__isnull": True})
        elif value == "me" and user is not None:
            ids.append(user.pk)
        elif value.isdigit():
            ids.append(int(value))
    if ids:
        condition |= Q(**{f"{column}__in": ids})
    return condition


def _text(q: str) -> Q:
    """Number, subject, requester, or any message (agents read notes too)."""
    match = (
        Q(subject__icontains=q)
        | Q(requester__email__icontains=q)
        | Q(pk__in=Message.objects.filter(body_text__icontains=q).values("ticket_id"))
    )
    number = parse_ticket_number(q)
    if number is not None:
        match |= Q(number=number)
    return match


def _requester(text: str) -> Q:
    condition = Q()
    for word in text.split()[:5]:
        condition &= (
            Q(requester__email__icontains=word)
            | Q(requester__first_name__icontains=word)
            | Q(requester__last_name__icontains=word)
        )
    return condition


def _day_start(day: datetime.date) -> datetime.datetime:
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _custom(form: QueueFilterForm) -> Q:
    condition = Q()
    for custom in form.options.custom_fields:
        value = form.value(f"cf_{custom.key}")
        if value is None:
            continue
        lookup = f"custom_fields__{custom.key}"
        if custom.field_type == FieldType.CHECKBOX:
            condition &= Q(**{lookup: value == "yes"})
        elif custom.field_type == FieldType.MULTI_CHOICE:
            # The stored list as JSON text holds the value between quotes.
            condition &= Q(**{f"{lookup}__icontains": f'"{value}"'})
        elif custom.field_type == FieldType.CHOICE:
            condition &= Q(**{lookup: value})
        else:
            condition &= Q(**{f"{lookup}__icontains": value})
    return condition


def filter_condition(form: QueueFilterForm, user: User) -> Q:
    """The URL's filters as one condition."""
    condition = Q()
    # By id (the options are loaded): no join, and an index on (group or
    # agent, status, update) serves the list.
    for name, column, loaded in (
        ("status", "status_id", form.options.statuses),
        ("priority", "priority_id", form.options.priorities),
        ("type", "type_id", form.options.types),
    ):
        if values := form.value(name):
            condition &= Q(**{f"{column}__in": [o.pk for o in loaded if o.slug in values]})
    for name in ("product", "theme"):
        if values := form.value(name):
            ids = [int(v) for v in values]
            condition &= Q(pk__in=Ticket.objects.filter(**{f"{name}s__in": ids}).values("pk"))
    condition &= form.organisation_condition()
    if values := form.value("assignee"):
        condition &= _in_or_none("assignee_id", values, user)
    if values := form.value("group"):
        condition &= _in_or_none("group_id", values)
    if text := form.value("requester"):
        condition &= _requester(" ".join(text.split()))
    if text := form.value("q"):
        condition &= _text(" ".join(text.split()))
    one_day = datetime.timedelta(days=1)
    for name, column in (("created", "created_at"), ("updated", "updated_at")):
        if day := form.value(f"{name}_from"):
            condition &= Q(**{f"{column}__gte": _day_start(day)})
        if day := form.value(f"{name}_to"):
            condition &= Q(**{f"{column}__lt": _day_start(day + one_day)})
    return condition & _custom(form)


def sorted_tickets(tickets: QuerySet[Ticket], form: QueueFilterForm) -> QuerySet[Ticket]:
    key = form.sort_key if form.sort_key in SORTS else DEFAULT_SORT
    expression = SORTS[key][1]
    nulls_last = True if key in NULLABLE_SORTS else None
    if form.direction == "asc":
        return tickets.order_by(expression.asc(nulls_last=nulls_last), "number")
    return tickets.order_by(expression.desc(nulls_last=nulls_last), "-number")


def organisation_suggestions(text: str) -> list[Organisation]:
    """At most ``MAX_SUGGESTIONS`` organisations whose name contains ``text``,
    those starting with it first."""
    text = " ".join(text.split())[:MAX_TEXT]
    if not text:
        return []
    return list(
        Organisation.objects.filter(name__icontains=text)
        .annotate(starts=Case(When(name__istartswith=text, then=Value(0)), default=Value(1)))
        .order_by("starts", "name")[:MAX_SUGGESTIONS]
    )
