"""Forms only parse: surveys, exports and report filters."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from comptoir.accounts.models import Organisation, SupportGroup, User
from comptoir.tickets.models import Product, TicketType

from .exports import DEFAULT_FIELDS, FORMATS, Column
from .surveys import SUPERVISOR_ROLES, faces


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class SurveyForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How satisfied are you with how your request was handled?"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose one of the faces.")},
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, scale: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["score"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(f.score, f.label) for f in faces(scale)]


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[("csv", _("CSV")), ("xlsx", _("Excel"))],
        initial="csv",
        widget=forms.RadioSelect,
    )
    date_from = forms.DateField(label=_("Created from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("Created until"), required=False, widget=DateInput())
    columns = forms.MultipleChoiceField(
        label=_("Fields"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one field.")},
    )

    def __init__(self, *args: Any, columns: list[Column], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["columns"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(c.key, c.label) for c in columns]
        field.initial = [k for k in DEFAULT_FIELDS if any(c.key == k for c in columns)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        if data.get("format") not in FORMATS:
            self.add_error("format", _("Choose CSV or Excel."))
        return data


class Granularity:
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    CHOICES = [(DAY, _("Day")), (WEEK, _("Week")), (MONTH, _("Month"))]


class ReportFilterForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    granularity = forms.ChoiceField(
        label=_("Per"), choices=Granularity.CHOICES, required=False, initial=Granularity.DAY
    )
    group = forms.ModelChoiceField(
        label=_("Group"), queryset=SupportGroup.objects.all(), required=False, empty_label=_("All")
    )
    agent = forms.ModelChoiceField(
        label=_("Agent"),
        queryset=User.objects.filter(role__in=["agent", *SUPERVISOR_ROLES], is_active=True),
        required=False,
        empty_label=_("All"),
    )
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.all(), required=False, empty_label=_("All")
    )
    type = forms.ModelChoiceField(
        label=_("Type"), queryset=TicketType.objects.all(), required=False, empty_label=_("All")
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.all(),
        required=False,
        empty_label=_("All"),
    )

    def period(self) -> tuple[date, date]:
        """The chosen days (both included); the last 30 days by default."""
        today = timezone.localdate()
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        end = data.get("date_to") or today
        start = data.get("date_from") or end - timedelta(days=29)
        if start > end:
            start, end = end, start
        # A bounded period keeps the charts and the day buckets bounded.
        return max(start, end - timedelta(days=3 * 366)), end

    def granularity_value(self) -> str:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        chosen = data.get("granularity")
        if chosen:
            return str(chosen)
        start, end = self.period()
        days = (end - start).days
        return Granularity.DAY if days <= 62 else Granularity.WEEK if days <= 366 else "month"
