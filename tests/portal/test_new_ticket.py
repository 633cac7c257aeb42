"""Opening a ticket: the form, its errors, what it keeps and what it stores."""

import re

import pytest
from django.test import override_settings
from django.urls import reverse

from comptoir.tickets.models import Attachment, CustomField, FieldType, Ticket
from tests.factories import (
    OrganisationFactory,
    ProductFactory,
    ThemeFactory,
    UserFactory,
    ticket_type,
)
from tests.portal.helpers import PNG, form, submitted, text, upload

pytestmark = pytest.mark.django_db

NEW = reverse("portal:ticket_new")
FORM = "ticket-form"


def open_form(client):
    response = client.get(NEW)
    assert response.status_code == 200
    return response


def valid(page, **changes):
    """The form as a user fills it in: a type, a subject, a description."""
    data = {
        "type": str(ticket_type("help").pk),
        "subject": "Export fails",
        "description": "The export button does nothing.",
    }
    data.update(changes)
    return submitted(page, FORM, data)


def error_of(response, field):
    match = re.search(
        rf'<p class="error" id="id_{re.escape(field)}_error">([^<]*)</p>', response.text
    )
    return match.group(1) if match else None


# -- organisation ---------------------------------------------------------------------


def test_a_single_organisation_is_shown_and_used_without_asking(client, customer):
    organisation = customer.organisations.get()
    client.force_login(customer)

    page = open_form(client)

    assert organisation.name in text(page)
    assert '<select name="organisation"' not in page.text
    assert form(page).values["organisation"] == [str(organisation.pk)]
    response = client.post(NEW, valid(page))
    assert response.status_code == 302
    assert Ticket.objects.get().organisation == organisation


def test_several_organisations_are_a_required_choice(client, customer):
    first = customer.organisations.get()
    second = OrganisationFactory(name="Second Structure")
    customer.organisations.add(second)
    client.force_login(customer)

    page = open_form(client)

    assert re.search(r'<label for="id_organisation">Organisation <span class="req"', page.text)
    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', page.text)
    assert {(str(first.pk), first.name), (str(second.pk), second.name)} <= set(options)
    response = client.post(NEW, valid(page, organisation=str(second.pk)))
    assert response.status_code == 302
    assert Ticket.objects.get().organisation == second


def test_an_organisation_the_user_does_not_belong_to_is_refused(client, customer):
    customer.organisations.add(OrganisationFactory(name="Second Structure"))
    foreign = OrganisationFactory(name="Competitor Inc")
    client.force_login(customer)
    page = open_form(client)

    response = client.post(NEW, valid(page, organisation=str(foreign.pk)))

    assert response.status_code == 400
    assert "Select a valid choice" in error_of(response, "organisation")
    assert not Ticket.objects.exists()


def test_with_a_single_organisation_a_forged_one_is_ignored(client, customer):
    own = customer.organisations.get()
    foreign = OrganisationFactory(name="Competitor Inc")
    client.force_login(customer)
    page = open_form(client)

    response = client.post(NEW, valid(page, organisation=str(foreign.pk)))

    assert response.status_code == 302
    assert Ticket.objects.get().organisation == own
    assert not foreign.tickets.exists()


def test_without_organisation_the_form_still_works(client):
    loner = UserFactory()
    client.force_login(loner)
    page = open_form(client)
    assert "Organisation" not in text(page)

    response = client.post(NEW, valid(page))

    assert response.status_code == 302
    assert Ticket.objects.get().organisation is None


# -- what the form says -----------------------------------------------------------------


def test_required_fields_are_marked_with_a_star(client, customer):
    client.force_login(customer)

    page = open_form(client)

    def starred(field_id):
        pattern = rf'<label for="id_{field_id}">[^<]*<span class="req" aria-hidden="true">\*</span>'
        return bool(re.search(pattern, page.text))

    assert "Fields marked with a star are required." in text(page)
    assert all(starred(f) for f in ("type", "priority", "subject", "description"))
    assert not any(starred(f) for f in ("themes", "attachments", "cf_additional-information"))


def test_success_opens_the_ticket_page_with_its_number(client, customer):
    client.force_login(customer)
    page = open_form(client)

    response = client.post(NEW, valid(page), follow=True)

    ticket = Ticket.objects.get()
    assert response.redirect_chain == [(reverse("portal:ticket", args=[ticket.number]), 302)]
    assert f"Your ticket #{ticket.number} has been created" in text(response)
    assert ticket.requester == customer and ticket.subject == "Export fails"
    assert ticket.priority.slug == "normal"  # the default priority, preselected


# -- errors keep everything ------------------------------------------------------------


def test_missing_subject_and_type_keep_everything_typed_and_attached(client, customer):
    # Given a user who fills in everything but the subject and the type, and attaches files
    products = [ProductFactory(name="Payroll"), ProductFactory(name="Billing")]
    themes = [ThemeFactory(name="Exports"), ThemeFactory(name="Printing")]
    client.force_login(customer)
    page = open_form(client)
    data = valid(
        page,
        type="",
        subject="",
        description="Line one\nLine two",
        products=[str(products[1].pk)],
        themes=[str(themes[0].pk), str(themes[1].pk)],
        **{"cf_additional-information": "Call Marc on 0102"},
    )
    data["attachments"] = [upload("notes.txt", b"some notes"), upload("shot.png", PNG, "image/png")]

    # When they submit
    response = client.post(NEW, data)

    # Then the page says what is wrong, with a 400, and stores no ticket
    assert response.status_code == 400
    assert "Please correct the errors below. What you typed has been kept." in text(response)
    assert error_of(response, "subject") == "This field is required."
    assert error_of(response, "type") == "This field is required."
    assert not Ticket.objects.exists()
    # and everything they typed or chose is still there
    kept = form(response).values
    assert kept["description"] == ["Line one\nLine two"]
    assert kept["products"] == [str(products[1].pk)]
    assert sorted(kept["themes"]) == sorted([str(themes[0].pk), str(themes[1].pk)])
    assert kept["cf_additional-information"] == ["Call Marc on 0102"]
    # and the files are listed as already attached, kept for the next submit
    assert "Files already attached" in text(response)
    assert "notes.txt" in text(response) and "shot.png" in text(response)
    drafts = Attachment.objects.filter(uploaded_by=customer, ticket__isnull=True)
    assert drafts.count() == 2
    assert sorted(kept["pending"][0].split(",")) == sorted(str(a.key) for a in drafts)

    # When they fix the form and submit again, without choosing the files again
    response = client.post(
        NEW, submitted(response, FORM, {"subject": "Export fails", "type": str(ticket_type().pk)})
    )

    # Then the ticket carries both files on its first message, and nothing else
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    message = ticket.messages.get()
    assert sorted(a.filename for a in message.attachments.all()) == ["notes.txt", "shot.png"]
    assert Attachment.objects.count() == 2
    assert [p.name for p in ticket.products.all()] == ["Billing"]
    assert sorted(t.name for t in ticket.themes.all()) == ["Exports", "Printing"]
    assert ticket.custom_fields == {"additional-information": "Call Marc on 0102"}


def test_missing_description_is_an_error_too(client, customer):
    client.force_login(customer)
    page = open_form(client)

    response = client.post(NEW, valid(page, description="   "))

    assert response.status_code == 400
    assert error_of(response, "description") == "This field is required."
    assert form(response).values["subject"] == ["Export fails"]


def test_a_description_with_nothing_left_once_cleaned_is_an_error(client, customer):
    client.force_login(customer)
    page = open_form(client)

    response = client.post(
        NEW, valid(page, description="<script>alert(1)</script>", body_format="html")
    )

    assert response.status_code == 400
    assert "A description is required." in text(response)
    assert form(response).values["subject"] == ["Export fails"]
    assert not Ticket.objects.exists()


def test_someone_elses_draft_file_cannot_be_attached(client, customer, other_customer):
    client.force_login(other_customer)
    client.post(NEW, {"attachments": [upload("bob-secret.txt", b"secret")]})
    bobs = Attachment.objects.get()
    client.force_login(customer)
    page = open_form(client)

    response = client.post(NEW, valid(page, pending=f"{bobs.key},not-a-key"))

    assert response.status_code == 302
    assert not Ticket.objects.get().attachments.exists()
    bobs.refresh_from_db()
    assert bobs.ticket is None


@override_settings(COMPTOIR_MAX_ATTACHMENT_BYTES=1024 * 1024)
def test_a_file_too_large_is_refused_by_name_and_the_rest_is_kept(client, customer):
    client.force_login(customer)
    page = open_form(client)
    data = valid(page)
    data["attachments"] = [
        upload("big-dump.sql", b"x" * (1024 * 1024 + 1)),
        upload("small.txt", b"ok"),
    ]

    response = client.post(NEW, data)

    assert response.status_code == 400
    assert error_of(response, "attachments") == "The file “big-dump.sql” is larger than 1 MB."
    assert not Ticket.objects.exists()
    kept = form(response).values
    assert kept["subject"] == ["Export fails"]
    assert kept["description"] == ["The export button does nothing."]
    assert [a.filename for a in Attachment.objects.all()] == ["small.txt"]
    assert "small.txt" in text(response)

    # Sending again without the large file opens the ticket with the small one
    response = client.post(NEW, submitted(response, FORM))
    assert response.status_code == 302
    assert [a.filename for a in Ticket.objects.get().attachments.all()] == ["small.txt"]


def test_an_empty_file_is_refused_by_name(client, customer):
    client.force_login(customer)
    page = open_form(client)
    data = valid(page)
    data["attachments"] = [upload("empty.log", b"")]

    response = client.post(NEW, data)

    assert response.status_code == 400
    assert error_of(response, "attachments") == "The file “empty.log” is empty."
    assert not Ticket.objects.exists() and not Attachment.objects.exists()


# -- custom fields ----------------------------------------------------------------------


@pytest.fixture
def version_for_bugs():
    field = CustomField.objects.create(
        key="version",
        label_en="Version in use",
        field_type=FieldType.TEXT,
        required=True,
    )
    field.ticket_types.set([ticket_type("bug")])
    return field


def test_type_specific_required_field_is_not_required_for_other_types(
    client, customer, version_for_bugs
):
    client.force_login(customer)
    page = open_form(client)
    assert re.search(r'<label for="id_cf_version">Version in use <span class="req"', page.text)

    response = client.post(NEW, valid(page, type=str(ticket_type("help").pk)))

    assert response.status_code == 302
    assert Ticket.objects.get().custom_fields == {}


def test_type_specific_required_field_is_required_for_its_types(client, customer, version_for_bugs):
    client.force_login(customer)
    page = open_form(client)

    refused = client.post(NEW, valid(page, type=str(ticket_type("bug").pk)))
    accepted = client.post(NEW, valid(page, type=str(ticket_type("bug").pk), cf_version="4.2.1"))

    assert refused.status_code == 400
    assert error_of(refused, "cf_version") == "This field is required."
    assert accepted.status_code == 302
    assert Ticket.objects.get().custom_fields == {"version": "4.2.1"}


def test_custom_field_values_are_stored_on_the_ticket(client, customer):
    CustomField.objects.create(key="seats", label_en="Seats", field_type=FieldType.NUMBER)
    CustomField.objects.create(key="since", label_en="Since", field_type=FieldType.DATE)
    CustomField.objects.create(key="blocking", label_en="Blocking", field_type=FieldType.CHECKBOX)
    CustomField.objects.create(
        key="secret", label_en="Agent only", field_type=FieldType.TEXT, visible_to_customer=False
    )
    client.force_login(customer)
    page = open_form(client)
    assert "Agent only" not in text(page)

    response = client.post(
        NEW,
        valid(page, type=str(ticket_type("bug").pk))
        | {
            "cf_reproducibility": ["always"],
            "cf_impact": ["several"],
            "cf_steps-to-reproduce": ["Open, click, boom"],
            "cf_seats": ["12"],
            "cf_since": ["2026-03-01"],
            "cf_blocking": ["on"],
            "cf_secret": ["forged"],
        },
    )

    assert response.status_code == 302
    assert Ticket.objects.get().custom_fields == {
        "reproducibility": "always",
        "impact": "several",
        "steps-to-reproduce": "Open, click, boom",
        "seats": 12,
        "since": "2026-03-01",
        "blocking": True,
    }


def test_zero_is_a_value_for_a_required_number(client, customer):
    CustomField.objects.create(
        key="failed-runs", label_en="Failed runs", field_type=FieldType.NUMBER, required=True
    )
    client.force_login(customer)
    page = open_form(client)

    missing = client.post(NEW, valid(page))
    zero = client.post(NEW, valid(page) | {"cf_failed-runs": ["0"]})

    assert missing.status_code == 400
    assert error_of(missing, "cf_failed-runs") == "This field is required."
    assert zero.status_code == 302
    assert Ticket.objects.get().custom_fields == {"failed-runs": 0}


def test_values_of_fields_for_another_type_are_not_stored(client, customer):
    client.force_login(customer)
    page = open_form(client)

    response = client.post(
        NEW,
        valid(page, type=str(ticket_type("help").pk))
        | {"cf_reproducibility": ["always"], "cf_additional-information": ["Ask for Marc"]},
    )

    assert response.status_code == 302
    assert Ticket.objects.get().custom_fields == {"additional-information": "Ask for Marc"}


def test_an_invalid_custom_value_is_an_error_not_a_crash(client, customer):
    CustomField.objects.create(key="seats", label_en="Seats", field_type=FieldType.NUMBER)
    client.force_login(customer)
    page = open_form(client)

    response = client.post(
        NEW,
        valid(page, type=str(ticket_type("bug").pk))
        | {"cf_seats": ["many"], "cf_reproducibility": ["whenever"]},
    )

    assert response.status_code == 400
    assert error_of(response, "cf_seats") == "Enter a number."
    assert "Select a valid choice" in error_of(response, "cf_reproducibility")
    assert form(response).values["cf_seats"] == ["many"]


# -- description ---------------------------------------------------------------------


def test_plain_text_description_keeps_its_line_breaks(client, customer):
    client.force_login(customer)
    page = open_form(client)
    typed = "Hello,\nthe export fails.\n\nSteps:\n1. open\n2. <click>"

    response = client.post(NEW, valid(page, description=typed, body_format="text"), follow=True)

    message = Ticket.objects.get().messages.get()
    assert message.body_html == (
        "<p>Hello,<br>the export fails.</p><p>Steps:<br>1. open<br>2. &lt;click&gt;</p>"
    )
    assert message.body_text.splitlines() == [
        "Hello,",
        "the export fails.",
        "Steps:",
        "1. open",
        "2. <click>",
    ]
    assert "<p>Hello,<br>the export fails.</p>" in response.text


def test_rich_text_description_is_sanitised(client, customer):
    client.force_login(customer)
    page = open_form(client)

    client.post(
        NEW,
        valid(
            page,
            description="<p>Bold <strong>move</strong><script>alert(1)</script></p>",
            body_format="html",
        ),
    )

    assert Ticket.objects.get().messages.get().body_html == "<p>Bold <strong>move</strong></p>"


# -- bad input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"type": "abc"},
        {"type": "999999999999999999999"},
        {"priority": "-1"},
        {"organisation": "abc"},
        {"products": ["x", "99999"]},
        {"products": ["99999999999999999999999"]},
        {"themes": ["99999999999999999999999", "-99999999999999999999999"]},
        {"pending": "../../etc/passwd,,"},
        {"body_format": "evil"},
        {"subject": "x" * 5000},
        {"subject": "nul\x00byte"},
    ],
)
def test_bad_input_is_an_error_not_a_crash(client, customer, changes):
    client.force_login(customer)
    page = open_form(client)

    response = client.post(NEW, valid(page, **changes))

    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert "Please correct the errors below" in text(response)
