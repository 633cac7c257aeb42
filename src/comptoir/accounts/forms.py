"""Forms of the account pages. They parse and check input; services decide."""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any, cast

import phonenumbers
from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import DateFormat, User

MAX_IMPORT_BYTES = 2 * 1024 * 1024


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    # Every IANA name Python knows, except the legacy aliases that only confuse.
    names = sorted(
        name
        for name in zoneinfo.available_timezones()
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))
    )
    return [(name, name.replace("_", " ")) for name in [*names, "UTC"]]


def phone_international(value: str) -> str:
    """A phone number in E.164 form (+33123456789), or ValidationError."""
    value = (value or "").strip()
    if not value:
        return ""
    message = _(
        "Enter the number in international format: + and the country code, "
        "such as +33 1 23 45 67 89."
    )
    if not value.startswith("+") and not value.startswith("00"):
        raise ValidationError(message, code="phone_format")
    try:
        number = phonenumbers.parse("+" + value[2:] if value.startswith("00") else value, None)
    except phonenumbers.NumberParseException:
        raise ValidationError(message, code="phone_format") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("This phone number does not exist. Check the country code and the digits."),
            code="phone_invalid",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_display(value: str) -> str:
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


class ProfileForm(forms.ModelForm):
    """What a person changes about themselves (seed 002 "Configurer son compte").
    The email address changes through its own page, after verifying the new one."""

    language = forms.ChoiceField(label=_("Preferred language"), required=False)
    time_zone = forms.ChoiceField(label=_("Time zone"), required=False)
    date_format = forms.ChoiceField(label=_("Date format"), choices=DateFormat.choices)

    class Meta:
        model = User
        fields = ["first_name", "last_name", "phone", "language", "date_format", "time_zone"]
        labels = {"first_name": _("First name"), "last_name": _("Last name"), "phone": _("Phone")}
        help_texts = {"phone": _("International format, such as +33 1 23 45 67 89.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = cast(forms.ChoiceField, self.fields["language"])
        language.choices = [("", _("The language of my browser")), *settings.LANGUAGES]
        time_zone = cast(forms.ChoiceField, self.fields["time_zone"])
        time_zone.choices = [
            ("", _("The helpdesk's time zone (%(zone)s)") % {"zone": settings.TIME_ZONE}),
            *time_zone_choices(),
        ]
        if not self.is_bound and self.instance.phone:
            self.initial["phone"] = phone_display(self.instance.phone)

    def clean_phone(self) -> str:
        return phone_international(self.cleaned_data.get("phone", ""))


class SetPasswordForm(forms.Form):
    """The first visit of an activation link: choose a password, twice."""

    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters; not only digits, not a common password."),
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords are not the same."))
        elif first:
            try:
                password_validation.validate_password(first, self.user)
            except ValidationError as error:
                self.add_error("password1", error)
        return data


class EmailForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class MemberRightForm(forms.Form):
    sees_all_tickets = forms.BooleanField(required=False)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "One customer a line, with a header line naming the columns: email (required), "
            "first_name, last_name, organisation, language, phone. Commas or semicolons."
        ),
    )
    create_organisations = forms.BooleanField(
        label=_("Create the organisations that do not exist yet"), required=False
    )
    send_activation = forms.BooleanField(
        label=_("Send each new customer their activation email"), required=False, initial=True
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(_("The file is larger than 2 MB: split it in several files."))
        return upload
