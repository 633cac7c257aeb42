"""Seed 002 "Configurer son compte": name, email, phone, language, date format;
and the password change with the current password and the new one twice."""

from datetime import UTC, datetime

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from comptoir.accounts.models import DateFormat
from tests import factories
from tests.accounts.helpers import STRONG_PASSWORD, verified
from tests.portal.helpers import form, set_dates, text

pytestmark = pytest.mark.django_db

PROFILE = {
    "first_name": "Claire",
    "last_name": "Martin",
    "phone": "",
    "language": "en",
    "date_format": DateFormat.DAY_FIRST,
    "time_zone": "Europe/Paris",
}


@pytest.fixture
def claire(client):
    user = verified(factories.CustomerFactory(email="claire@example.test", first_name="Claire"))
    client.force_login(user)
    return user


def test_language_date_format_and_time_zone_show_on_the_next_page(client, claire):
    # Given a ticket last updated at 13:30 UTC
    ticket = factories.make_ticket(claire, subject="Export")
    set_dates(ticket, updated=datetime(2026, 3, 2, 13, 30, tzinfo=UTC))

    # When Claire chooses Spanish, month-first dates and New York time
    response = client.post(
        reverse("accounts:profile"),
        {
            **PROFILE,
            "language": "es",
            "date_format": DateFormat.MONTH_FIRST,
            "time_zone": "America/New_York",
        },
        follow=True,
    )

    # Then the next page is in Spanish, and the list shows 08:30 AM New York time, month first
    assert response.context["LANGUAGE_CODE"] == "es"
    listing = client.get(reverse("portal:tickets"))
    assert "Mis tickets" in text(listing)
    assert "03/02/2026 08:30 AM" in text(listing)
    claire.refresh_from_db()
    assert (claire.language, claire.time_zone) == ("es", "America/New_York")


def test_a_language_chosen_in_the_profile_wins_over_an_earlier_switch(client, claire):
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    client.post(reverse("accounts:profile"), {**PROFILE, "language": "en"})
    assert client.get(reverse("portal:home")).context["LANGUAGE_CODE"] == "en"


def test_phone_is_stored_in_international_format_and_shown_readably(client, claire):
    client.post(reverse("accounts:profile"), {**PROFILE, "phone": "+33 6 12 34 56 78"})

    claire.refresh_from_db()
    assert claire.phone == "+33612345678"
    assert form(client.get(reverse("accounts:profile"))).values["phone"] == ["+33 6 12 34 56 78"]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("06 12 34 56 78", "Enter the number in international format"),
        ("+33 1 23", "This phone number does not exist"),
        ("call me", "Enter the number in international format"),
    ],
)
def test_an_invalid_phone_is_refused_and_everything_typed_is_kept(client, claire, typed, message):
    response = client.post(
        reverse("accounts:profile"), {**PROFILE, "first_name": "Clara", "phone": typed}
    )

    assert response.status_code == 400
    assert message in text(response)
    assert "What you typed has been kept." in text(response)
    values = form(response).values
    assert values["phone"] == [typed]
    assert values["first_name"] == ["Clara"]
    claire.refresh_from_db()
    assert claire.first_name == "Claire" and claire.phone == ""


def test_only_the_three_languages_and_real_time_zones_are_accepted(client, claire):
    response = client.post(
        reverse("accounts:profile"), {**PROFILE, "language": "de", "time_zone": "Mars/Olympus"}
    )
    assert response.status_code == 400
    assert text(response).count("Select a valid choice.") == 2
    claire.refresh_from_db()
    assert claire.language == ""


def test_changing_the_email_waits_for_the_new_address_to_be_verified(client, claire):
    # When Claire adds a new address on the email page
    mail.outbox.clear()
    client.post(reverse("account_email"), {"action_add": "", "email": "claire.martin@new.example"})

    # Then her login does not change yet, and the new address receives a confirmation link
    claire.refresh_from_db()
    assert claire.email == "claire@example.test"
    confirmation = next(m for m in mail.outbox if m.to == ["claire.martin@new.example"])
    key_path = next(
        word for word in confirmation.body.split() if "/accounts/confirm-email/" in word
    )
    path = key_path[key_path.index("/accounts/") :]

    # When she follows it, the new address replaces the old one
    client.post(path)
    claire.refresh_from_db()
    assert claire.email == "claire.martin@new.example"
    assert list(EmailAddress.objects.filter(user=claire).values_list("email", "verified")) == [
        ("claire.martin@new.example", True)
    ]


def test_password_change_needs_the_current_password_and_the_new_one_twice(client, claire):
    url = reverse("account_change_password")
    page = client.get(url)
    assert {"oldpassword", "password1", "password2"} <= set(form(page).values)

    wrong = client.post(
        url, {"oldpassword": "not-it", "password1": STRONG_PASSWORD, "password2": STRONG_PASSWORD}
    )
    weak = client.post(
        url,
        {"oldpassword": factories.PASSWORD, "password1": "12345678901", "password2": "12345678901"},
    )
    ok = client.post(
        url,
        {
            "oldpassword": factories.PASSWORD,
            "password1": STRONG_PASSWORD,
            "password2": STRONG_PASSWORD,
        },
    )

    assert "Please type your current password." in text(wrong)
    assert "This password is entirely numeric." in text(weak)
    assert ok.status_code == 302
    claire.refresh_from_db()
    assert claire.check_password(STRONG_PASSWORD)


def test_the_profile_page_is_reachable_from_every_page(client, claire):
    home = client.get(reverse("portal:home"))
    assert f'href="{reverse("accounts:profile")}"' in home.content.decode()
    page = client.get(reverse("accounts:profile"))
    for link in ("account_email", "account_change_password"):
        assert f'href="{reverse(link)}"' in page.content.decode()
