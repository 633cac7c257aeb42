"""Forms of the customer portal. They parse input; services decide."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from comptoir.accounts.models import Organisation, User
from comptoir.tickets.models import (
    CustomField,
    FieldType,
    Priority,
    Product,
    Theme,
    TicketType,
)
from comptoir.tickets.richtext import text_to_html


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Empty or oversized files are refused when stored, with the file's name.
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class _RowsIterator(ModelChoiceIterator):
    """The choices of a ``RowsChoiceField``: its rows once given, else its queryset."""

    def __iter__(self) -> Any:
        rows = getattr(self.field, "rows", None)
        if rows is None:
            yield from super().__iter__()
            return
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in rows:
            yield self.choice(obj)

    def __len__(self) -> int:
        rows = getattr(self.field, "rows", None)
        if rows is None:
            return super().__len__()
        return len(rows) + (1 if self.field.empty_label is not None else 0)

    def __bool__(self) -> bool:
        rows = getattr(self.field, "rows", None)
        if rows is None:
            return super().__bool__()
        return self.field.empty_label is not None or bool(rows)


class RowsChoiceField(forms.ModelChoiceField):
    """A model choice among rows already in memory (the configuration cache, or
    a list the form read once): offering and checking the choice cost no query.
    Until ``use_rows`` is called it behaves as a plain ``ModelChoiceField``."""

    iterator = _RowsIterator
    rows: list[Any] | None = None

    def use_rows(self, rows: list[Any]) -> None:
        self.rows = rows
        self.widget.choices = self.choices

    def to_python(self, value: Any) -> Any:
        if self.rows is None:
            return super().to_python(value)
        if value in self.empty_values:
            return None
        self.validate_no_null_characters(value)
        model = self.queryset.model  # type: ignore[union-attr]
        if isinstance(value, model):
            value = value.pk
        try:
            # The database's reading of the value: "7" and " 7" are the row 7.
            key = model._meta.pk.to_python(value)
        except ValidationError:
            key = None
        for row in self.rows:
            if key is not None and row.pk == key:
                return row
        raise ValidationError(
            self.error_messages["invalid_choice"],
            code="invalid_choice",
            params={"value": value},
        )


class LabelledChoiceField(RowsChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(getattr(obj, "label", obj))


class BoundedMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses ids no database integer can hold instead of letting the query overflow."""

    def _check_values(self, value: Any) -> Any:
        for pk in value or ():
            try:
                number = int(str(pk))
            except ValueError:
                continue  # reported by the parent as an invalid value
            if not -(2**63) <= number < 2**63:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)


class LabelledMultipleChoiceField(BoundedMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(getattr(obj, "label", obj))


def rich_text_attrs(rows: int) -> dict[str, Any]:
    """Attributes of a textarea the editor enhances, with its translated button labels."""
    return {
        "rows": rows,
        "data-rich": "1",
        "data-bold-label": _("Bold"),
        "data-italic-label": _("Italic"),
        "data-list-label": _("Bulleted list"),
    }


class RichTextMixin(forms.Form):
    """A body typed in the editor (HTML) or, without JavaScript, as plain text."""

    body_format = forms.ChoiceField(
        choices=[("text", "text"), ("html", "html")],
        initial="text",
        widget=forms.HiddenInput,
        required=False,
    )
    pending = forms.CharField(required=False, widget=forms.HiddenInput)

    def body_html(self, field: str) -> str:
        value = self.cleaned_data.get(field) or ""
        if self.cleaned_data.get("body_format") == "html":
            return value
        return text_to_html(value)

    def pending_keys(self) -> list[str]:
        return [k for k in (self.data.get("pending") or "").split(",") if k.strip()]


def _custom_form_field(field: CustomField) -> forms.Field:
    common: dict[str, Any] = {
        "label": field.label,
        "required": False,
        "help_text": field.help_text,
    }
    match field.field_type:
        case FieldType.LONG_TEXT:
            return forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), **common)
        case FieldType.CHOICE:
            return forms.ChoiceField(choices=[("", "—"), *field.choice_pairs()], **common)
        case FieldType.MULTI_CHOICE:
            return forms.MultipleChoiceField(
                choices=field.choice_pairs(), widget=forms.CheckboxSelectMultiple, **common
            )
        case FieldType.CHECKBOX:
            return forms.BooleanField(**common)
        case FieldType.DATE:
            return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
        case FieldType.NUMBER:
            return forms.DecimalField(**common)
        case _:
            return forms.CharField(max_length=500, **common)


def custom_value(value: Any) -> Any:
    """JSON-friendly value of a custom field."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        try:
            return int(value) if value == value.to_integral_value() else float(value)
        except (InvalidOperation, OverflowError):
            return str(value)
    return value


def _active_types() -> list[TicketType]:
    from comptoir.tickets.services import config_cached

    return config_cached(
        "tickets:active-types", lambda: list(TicketType.objects.filter(active=True))
    )


def _customer_custom_fields() -> list[CustomField]:
    from comptoir.tickets.services import config_cached

    return config_cached(
        "portal:custom-fields",
        lambda: list(
            CustomField.objects.filter(active=True, visible_to_customer=True).prefetch_related(
                "ticket_types"
            )
        ),
    )


class NewTicketForm(RichTextMixin):
    organisation = RowsChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=None,
    )
    products = BoundedMultipleChoiceField(
        label=_("Products concerned"),
        queryset=Product.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    type = LabelledChoiceField(
        label=_("Type"),
        queryset=TicketType.objects.filter(active=True),
        empty_label=_("Choose a type"),
    )
    priority = LabelledChoiceField(
        label=_("Priority"), queryset=Priority.objects.filter(active=True), empty_label=None
    )
    themes = BoundedMultipleChoiceField(
        label=_("Themes"),
        queryset=Theme.objects.filter(active=True),
        required=False,
        help_text=_("The modules concerned. Start typing a name to add one."),
    )
    subject = forms.CharField(
        label=_("Subject"),
        max_length=250,
        help_text=_("A short summary support understands at a glance."),
    )
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs=rich_text_attrs(10)),
        help_text=_(
            "Be precise: page or screen, dates, what you expected. You can paste screenshots."
        ),
        max_length=2_000_000,
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        from comptoir.contracts.queries import active_priorities, default_priority_for

        super().__init__(*args, **kwargs)
        self.user = user
        # Read once: offered, and checked against, without another query.
        organisations = list(user.organisations.all())
        field = self.fields["organisation"]
        field.queryset = user.organisations.all()  # type: ignore[attr-defined]
        field.use_rows(organisations)  # type: ignore[attr-defined]
        self.organisation_count = len(organisations)
        field.required = self.organisation_count > 0
        if self.organisation_count == 1:
            # Shown read-only: the one organisation is used whatever the request says.
            field.initial = organisations[0].pk
            field.disabled = True
        # Types and priorities come from the configuration cache.
        self.fields["type"].use_rows(_active_types())  # type: ignore[attr-defined]
        priorities = active_priorities()
        self.fields["priority"].use_rows(priorities)  # type: ignore[attr-defined]
        # The starting choice only shows on an empty form: a sent form shows what was sent.
        if not self.is_bound:
            default_priority = next((p for p in priorities if p.is_default), None)
            if default_priority:
                self.fields["priority"].initial = default_priority.pk
            if self.organisation_count == 1:
                # The organisation's contract may set the priority its tickets start with.
                contract_priority = default_priority_for(organisations[0])
                if contract_priority is not None:
                    self.fields["priority"].initial = contract_priority.pk
        self.custom_fields = _customer_custom_fields()
        for custom in self.custom_fields:
            form_field = _custom_form_field(custom)
            form_field.widget.attrs["data-types"] = ",".join(
                str(t.pk) for t in custom.ticket_types.all()
            )
            self.fields[f"cf_{custom.key}"] = form_field

    def custom_bound_fields(self) -> list[tuple[CustomField, forms.BoundField]]:
        return [(c, self[f"cf_{c.key}"]) for c in self.custom_fields]

    def is_custom_required(self, custom: CustomField) -> bool:
        return custom.required

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        ticket_type = data.get("type")
        for custom in self.custom_fields:
            types = list(custom.ticket_types.all())
            applies = not types or (ticket_type is not None and ticket_type in types)
            name = f"cf_{custom.key}"
            value = data.get(name)
            if not applies:
                data.pop(name, None)
                continue
            # 0 is a value: False is matched by identity, since 0 == False.
            if custom.required and (value is None or value is False or value in ("", [])):
                self.add_error(name, _("This field is required."))
        return data

    def custom_values(self) -> dict[str, Any]:
        values = {}
        for custom in self.custom_fields:
            name = f"cf_{custom.key}"
            if name in self.cleaned_data and self.cleaned_data[name] not in (None, "", []):
                values[custom.key] = custom_value(self.cleaned_data[name])
        return values


class ReplyForm(RichTextMixin):
    body = forms.CharField(
        label=_("Your reply"),
        widget=forms.Textarea(attrs=rich_text_attrs(6)),
        max_length=2_000_000,
        required=False,
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)
