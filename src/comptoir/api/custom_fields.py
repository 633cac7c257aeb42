"""Reading custom field values sent to the API: the same fields and value types
as the portal's form (``portal.forms``), checked against the admin's definitions."""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from comptoir.tickets.models import CustomField, FieldType, TicketType

MAX_TEXT = {FieldType.TEXT: 500, FieldType.LONG_TEXT: 20_000}


def customer_field_keys() -> frozenset[str]:
    """Keys of the custom fields customers may see (one query)."""
    return frozenset(
        CustomField.objects.filter(visible_to_customer=True).values_list("key", flat=True)
    )


def _choice_values(field: CustomField) -> set[str]:
    return {str(choice.get("value")) for choice in field.choices if isinstance(choice, dict)}


def _check_value(field: CustomField, value: Any) -> Any:
    """The value in the shape the portal stores, or a translated error message."""
    kind = field.field_type
    if kind in (FieldType.TEXT, FieldType.LONG_TEXT):
        limit = MAX_TEXT[FieldType(kind)]
        if not isinstance(value, str) or len(value) > limit or "\x00" in value:
            raise ValidationError(_("Enter a text of at most %(n)s characters.") % {"n": limit})
        return value
    if kind == FieldType.CHOICE:
        if not isinstance(value, str) or value not in _choice_values(field):
            raise ValidationError(_("Choose one of the field's values."))
        return value
    if kind == FieldType.MULTI_CHOICE:
        allowed = _choice_values(field)
        if not isinstance(value, list) or not all(
            isinstance(v, str) and v in allowed for v in value
        ):
            raise ValidationError(_("Choose a list of the field's values."))
        return value
    if kind == FieldType.CHECKBOX:
        if not isinstance(value, bool):
            raise ValidationError(_("Enter true or false."))
        return value
    if kind == FieldType.DATE:
        try:
            return datetime.date.fromisoformat(value).isoformat()
        except (TypeError, ValueError):
            raise ValidationError(_("Enter a date as YYYY-MM-DD.")) from None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValidationError(_("Enter a number."))
    if isinstance(value, int) and abs(value) > 10**15:
        raise ValidationError(_("Enter a number."))
    return value


def _applies(field: CustomField, ticket_type: TicketType | None) -> bool:
    types = [t.pk for t in field.ticket_types.all()]
    return not types or (ticket_type is not None and ticket_type.pk in types)


def clean_custom_fields(
    values: dict[str, Any],
    *,
    ticket_type: TicketType | None,
    for_agent: bool,
    check_required: bool,
) -> dict[str, Any]:
    """``values`` checked field by field; raises ValidationError keyed by field key."""
    fields: Iterable[CustomField] = CustomField.objects.filter(active=True).prefetch_related(
        "ticket_types"
    )
    if not for_agent:
        fields = [f for f in fields if f.visible_to_customer]
    by_key = {f.key: f for f in fields}
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for key, value in values.items():
        field = by_key.get(key)
        if field is None:
            errors[key] = [_("There is no such field.")]
            continue
        if not _applies(field, ticket_type):
            errors[key] = [_("This field does not apply to this ticket type.")]
            continue
        try:
            clean[key] = _check_value(field, value)
        except ValidationError as error:
            errors[key] = list(error.messages)
    if check_required:
        for key, field in by_key.items():
            empty = clean.get(key) in (None, "", [])
            if field.required and _applies(field, ticket_type) and empty and key not in errors:
                errors[key] = [_("This field is required.")]
    if errors:
        raise ValidationError({f"custom_fields.{k}": v for k, v in errors.items()})
    return clean
