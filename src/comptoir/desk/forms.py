"""Forms of the agent desk. They parse input; the services decide."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from comptoir.accounts.models import Organisation, SupportGroup, User
from comptoir.portal.forms import (
    BoundedMultipleChoiceField,
    LabelledChoiceField,
    MultipleFileField,
    RichTextMixin,
    _custom_form_field,
    custom_value,
    rich_text_attrs,
)
from comptoir.tickets.models import Priority, Product, Status, Theme, TicketType

from .filters import Options, keep_html
from .reference import Reference, reference
from .widgets import KeptChoices, QuickSelects


class Mode:
    REPLY = "reply"
    NOTE = "note"


def _optional(field: forms.ModelChoiceField, label: Any) -> forms.ModelChoiceField:
    field.required = False
    field.empty_label = str(label)
    return field


def _offer(
    field: forms.Field, rows: Any, value: Any = None, *, ref: Reference | None = None, key: str = ""
) -> None:
    """Offer ``rows`` (already loaded) in a model choice field without a query
    when the form is shown; its queryset still checks what is sent back.
    With ``ref`` and a ``key`` naming the field, the rows being reference
    data: the choices (and their HTML) are made once per language."""
    empty = getattr(field, "empty_label", None)

    def choices() -> list[tuple[Any, Any]]:
        pairs = [(value(o) if value else o.pk, str(getattr(o, "label", o))) for o in rows]
        return ([("", empty)] if empty is not None else []) + pairs

    if ref is not None and key:
        field.choices = ref.kept(  # type: ignore[attr-defined]
            (f"desk:offer:{key}", str(empty), get_language()), lambda: KeptChoices(choices())
        )
    else:
        field.choices = choices()  # type: ignore[attr-defined]


class ReplyForm(QuickSelects, RichTextMixin):
    """A public reply or an internal note, and what to change with it."""

    mode = forms.ChoiceField(
        label=_("Send as"),
        choices=[(Mode.REPLY, _("Public reply")), (Mode.NOTE, _("Internal note"))],
        initial=Mode.REPLY,
        widget=forms.RadioSelect,
    )
    body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs=rich_text_attrs(8)),
        max_length=2_000_000,
        required=False,
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)
    then_status = forms.ModelChoiceField(
        label=_("Then set status"), queryset=Status.objects.none(), required=False
    )
    set_type = LabelledChoiceField(label=_("Set type"), queryset=TicketType.objects.none())
    set_priority = LabelledChoiceField(label=_("Set priority"), queryset=Priority.objects.none())
    set_group = forms.ModelChoiceField(label=_("Set group"), queryset=SupportGroup.objects.none())
    # The last message the agent saw: a newer one from someone else asks to read first.
    seen_message = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, ref: Reference | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unchanged = _("— unchanged —")
        fields = self.fields
        fields["then_status"].queryset = Status.objects.filter(active=True)  # type: ignore[attr-defined]
        fields["then_status"].empty_label = _("— automatic —")  # type: ignore[attr-defined]
        fields["then_status"].label_from_instance = lambda s: s.label  # type: ignore[attr-defined]
        fields["then_status"].help_text = _(
            "By default a public reply waits for the customer and a note changes nothing."
        )
        for name, queryset in (
            ("set_type", TicketType.objects.filter(active=True)),
            ("set_priority", Priority.objects.filter(active=True)),
            ("set_group", SupportGroup.objects.all()),
        ):
            field = _optional(fields[name], unchanged)  # type: ignore[arg-type]
            field.queryset = queryset
        ref = ref or reference()
        self.ref = ref
        _offer(fields["then_status"], ref.active_statuses, ref=ref, key="statuses")
        _offer(fields["set_type"], ref.active_types, ref=ref, key="types")
        _offer(fields["set_priority"], ref.active_priorities, ref=ref, key="priorities")
        _offer(fields["set_group"], ref.groups, ref=ref, key="groups")

    def kept_html(self, part: str, render: Callable[[], SafeString]) -> SafeString:
        """``render()``, kept with the reference data while the form is fresh
        (unbound, no macro filled in): then it is the same on every ticket."""
        if self.is_bound or set(self.initial) - {"seen_message"}:
            return render()
        return keep_html(self.ref, ("reply", part, get_language()), render)

    def changes(self) -> dict[str, Any]:
        """Ticket fields to change with the message."""
        data = self.cleaned_data
        names = {"set_type": "type", "set_priority": "priority", "set_group": "group"}
        return {field: data[name] for name, field in names.items() if data.get(name)}


class RequalifyForm(QuickSelects, forms.Form):
    """The ticket's data, as support may correct it (seed 000)."""

    subject = forms.CharField(label=_("Subject"), max_length=250)
    type = LabelledChoiceField(
        label=_("Type"), queryset=TicketType.objects.filter(active=True), empty_label=None
    )
    priority = LabelledChoiceField(
        label=_("Priority"), queryset=Priority.objects.filter(active=True), empty_label=None
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none(), required=False
    )
    products = BoundedMultipleChoiceField(
        label=_("Products"),
        queryset=Product.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    themes = BoundedMultipleChoiceField(
        label=_("Themes"),
        queryset=Theme.objects.filter(active=True),
        required=False,
        help_text=_("Start typing a name to add one."),
    )

    def __init__(
        self,
        *args: Any,
        ticket: Any,
        organisations: list[Organisation] | None = None,
        tags: tuple[list[int], list[int]] | None = None,
        ref: Reference | None = None,
        **kwargs: Any,
    ) -> None:
        """``organisations``: the requester's and the ticket's own, and
        ``tags``: the ids of the ticket's products and themes, when already
        read (``queries.ticket_organisations``, ``queries.ticket_tags``)."""
        if "initial" not in kwargs:
            if tags is None:
                from .queries import ticket_tags

                tags = ticket_tags(ticket)
            kwargs["initial"] = {
                "subject": ticket.subject,
                "type": ticket.type_id,
                "priority": ticket.priority_id,
                "organisation": ticket.organisation_id,
                "products": tags[0],
                "themes": tags[1],
                **{f"cf_{k}": v for k, v in ticket.custom_fields.items()},
            }
        super().__init__(*args, **kwargs)
        if organisations is None:
            from .queries import ticket_organisations

            organisations = ticket_organisations(ticket)
        # The requester's organisations, and the ticket's own even if they left it.
        self.fields["organisation"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            pk__in=[o.pk for o in organisations]
        )
        self.has_organisations = bool(organisations)
        ref = ref or reference()
        _offer(self.fields["organisation"], organisations)
        _offer(self.fields["type"], ref.active_types, ref=ref, key="types")
        _offer(self.fields["priority"], ref.active_priorities, ref=ref, key="priorities")
        _offer(self.fields["products"], ref.active_products, ref=ref, key="products")
        _offer(self.fields["themes"], ref.active_themes, ref=ref, key="themes")
        self.custom_fields = ref.active_custom_fields
        for custom in self.custom_fields:
            self.fields[f"cf_{custom.key}"] = _custom_form_field(custom)
        self.quicken_selects()

    def custom_bound_fields(self) -> list[forms.BoundField]:
        return [self[f"cf_{c.key}"] for c in self.custom_fields]

    def changes(self, ticket: Any) -> dict[str, Any]:
        """Every field as the form says; the service logs only what differs."""
        data = self.cleaned_data
        custom = {}
        for field in self.custom_fields:
            empty: Any = False if field.field_type == "checkbox" else ""
            new = _plain(custom_value(data.get(f"cf_{field.key}")), empty)
            old = _plain(ticket.custom_fields.get(field.key), empty)
            if new != old:
                custom[field.key] = new
        return {
            "subject": data["subject"],
            "type": data["type"],
            "priority": data["priority"],
            "organisation": data.get("organisation"),
            "products": list(data["products"]),
            "themes": list(data["themes"]),
            "custom_fields": custom,
        }


def _plain(value: Any, empty: Any) -> Any:
    """Custom field values compared as stored: nothing is ``empty``."""
    return empty if value in (None, "", []) else value


class AssignForm(QuickSelects, forms.Form):
    group = forms.ModelChoiceField(
        label=_("Group"), queryset=SupportGroup.objects.all(), required=False, empty_label=_("None")
    )
    assignee = forms.ModelChoiceField(
        label=_("Assigned agent"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody"),
    )

    def __init__(
        self, *args: Any, agents: list[User], ref: Reference | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        ref = ref or reference()
        _offer(self.fields["group"], ref.groups, ref=ref, key="groups")
        field = self.fields["assignee"]
        field.queryset = User.objects.filter(pk__in=[a.pk for a in agents])  # type: ignore[attr-defined]
        if agents is ref.agents:
            # The agents of the reference data: offered with the label "Nobody".
            _offer(field, agents, ref=ref, key="agents")
        else:
            field.choices = [("", _("Nobody"))] + [(a.pk, a.display_name) for a in agents]  # type: ignore[attr-defined]


class StatusForm(QuickSelects, forms.Form):
    status = forms.ModelChoiceField(
        label=_("Status"), queryset=Status.objects.filter(active=True), to_field_name="slug"
    )

    def __init__(self, *args: Any, ref: Reference | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].label_from_instance = lambda s: s.label  # type: ignore[attr-defined]
        ref = ref or reference()
        _offer(
            self.fields["status"],
            ref.active_statuses,
            value=lambda s: s.slug,
            ref=ref,
            key="status-slugs",
        )


class TicketNumberForm(forms.Form):
    number = forms.CharField(label=_("Ticket number"), max_length=12)

    def clean_number(self) -> int:
        from comptoir.tickets.queries import parse_ticket_number

        number = parse_ticket_number(self.cleaned_data["number"])
        if number is None:
            raise forms.ValidationError(_("Type a ticket number, such as 1042."))
        return number


class MacroForm(QuickSelects, RichTextMixin):
    name = forms.CharField(label=_("Name"), max_length=120)
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs=rich_text_attrs(8)),
        max_length=200_000,
        required=False,
    )
    shared = forms.BooleanField(label=_("Shared with every agent"), required=False)
    as_note = forms.BooleanField(label=_("Write it as an internal note"), required=False)
    set_status = forms.ModelChoiceField(
        label=_("Then set status"), queryset=Status.objects.filter(active=True), required=False
    )
    set_type = LabelledChoiceField(
        label=_("Set type"), queryset=TicketType.objects.filter(active=True), required=False
    )
    set_priority = LabelledChoiceField(
        label=_("Set priority"), queryset=Priority.objects.filter(active=True), required=False
    )
    set_group = forms.ModelChoiceField(
        label=_("Set group"), queryset=SupportGroup.objects.all(), required=False
    )

    def __init__(self, *args: Any, can_share: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["set_status"].label_from_instance = lambda s: s.label  # type: ignore[attr-defined]
        for name in ("set_status", "set_type", "set_priority", "set_group"):
            self.fields[name].empty_label = _("— unchanged —")  # type: ignore[attr-defined]
        if not can_share:
            del self.fields["shared"]


class BulkForm(QuickSelects, forms.Form):
    """Changes applied to the selected tickets (or to every ticket of the filtered list)."""

    assignee = forms.ChoiceField(label=_("Assign to"), required=False)
    status = forms.ModelChoiceField(
        label=_("Status"),
        queryset=Status.objects.filter(active=True),
        to_field_name="slug",
        required=False,
    )
    priority = LabelledChoiceField(
        label=_("Priority"),
        queryset=Priority.objects.filter(active=True),
        to_field_name="slug",
        required=False,
    )
    type = LabelledChoiceField(
        label=_("Type"),
        queryset=TicketType.objects.filter(active=True),
        to_field_name="slug",
        required=False,
    )
    group = forms.ChoiceField(label=_("Group"), required=False)
    merge_into = forms.CharField(
        label=_("Merge into ticket number"),
        required=False,
        max_length=12,
        help_text=_("Empty: into the oldest selected ticket."),
    )

    def __init__(self, *args: Any, options: Options, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].label_from_instance = lambda s: s.label  # type: ignore[attr-defined]
        # Offered from the options already loaded (no query per field), built
        # and written once per language while they are kept; the querysets
        # still check what comes back.
        choices = options.reference.kept(
            ("desk:bulk-choices", get_language()), lambda: _bulk_choices(options)
        )
        for name, values in choices.items():
            self.fields[name].choices = values  # type: ignore[attr-defined]
        self.options = options

    def kept_html(self, part: str, render: Callable[[], SafeString]) -> SafeString:
        """``render()``, kept with the reference data while the form is empty
        (as the queue page shows it)."""
        if self.is_bound:
            return render()
        return keep_html(self.options.reference, ("bulk", part, get_language()), render)


def _bulk_choices(options: Options) -> dict[str, KeptChoices]:
    unchanged = ("", _("— unchanged —"))
    choices: dict[str, list[tuple[str, Any]]] = {
        "assignee": [
            unchanged,
            ("none", _("Nobody")),
            ("me", _("Me")),
            *((str(a.pk), a.display_name) for a in options.agents),
        ],
        "group": [
            unchanged,
            ("none", _("No group")),
            *((str(g.pk), g.name) for g in options.groups),
        ],
    }
    for name, loaded in (
        ("status", options.statuses),
        ("priority", options.priorities),
        ("type", options.types),
    ):
        choices[name] = [unchanged, *((o.slug, o.label) for o in loaded)]
    return {name: KeptChoices(values) for name, values in choices.items()}
