"""Support creates accounts: one at a time in the admin, many from a CSV file."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from comptoir.accounts.models import Membership, Organisation, OrganisationDomain, Role, User
from tests import factories
from tests.portal.helpers import form, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user():
    return factories.UserFactory(
        email="admin@support.test", role=Role.ADMIN, is_staff=True, is_superuser=True
    )


def admin_add(client, **data):
    fields = {
        "email": "",
        "role": Role.CUSTOMER,
        "first_name": "",
        "last_name": "",
        "language": "",
        "send_activation": "on",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        **data,
    }
    return client.post(reverse("admin:accounts_user_add"), fields)


def test_admin_creates_a_customer_who_receives_an_activation_mail(client, admin_user):
    lutins = Organisation.objects.create(name="Crèche Les Lutins")
    OrganisationDomain.objects.create(organisation=lutins, domain="lutins.example")
    client.force_login(admin_user)
    mail.outbox.clear()

    response = admin_add(client, email="Marie@Lutins.example", first_name="Marie")

    assert response.status_code == 302
    marie = User.objects.get(email="marie@lutins.example")
    assert not marie.has_usable_password()
    assert Membership.objects.filter(user=marie, organisation=lutins).exists()
    assert [m.to for m in mail.outbox] == [["marie@lutins.example"]]
    assert "/accounts/activate/" in mail.outbox[0].body


def test_admin_invites_a_supervisor(client, admin_user):
    client.force_login(admin_user)
    admin_add(client, email="lea@support.test", role=Role.SUPERVISOR)
    lea = User.objects.get(email="lea@support.test")
    assert lea.is_agent and lea.sees_every_ticket


def test_a_duplicate_email_is_refused_with_what_was_typed_kept(client, admin_user):
    factories.CustomerFactory(email="claire@example.test")
    client.force_login(admin_user)

    response = admin_add(client, email="CLAIRE@example.test", first_name="Claire B.")

    assert response.status_code == 200
    assert "An account with the address claire@example.test already exists." in text(response)
    assert form(response).values["first_name"] == ["Claire B."]
    assert form(response).values["email"] == ["CLAIRE@example.test"]
    assert User.objects.filter(email__iexact="claire@example.test").count() == 1


def test_the_admin_action_sends_activation_links_to_accounts_not_yet_active(client, admin_user):
    waiting = factories.CustomerFactory(email="waiting@example.test")
    waiting.set_unusable_password()
    waiting.save()
    active = factories.CustomerFactory(email="active@example.test")
    client.force_login(admin_user)
    mail.outbox.clear()

    client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "send_activation", "_selected_action": [waiting.pk, active.pk]},
    )

    assert [m.to for m in mail.outbox] == [["waiting@example.test"]]


CSV = (
    "email;first_name;last_name;organisation;language;phone\n"
    "marie@lutins.example;Marie;Dupont;Crèche Les Lutins;fr;+33 6 12 34 56 78\n"
    "claire@example.test;Claire;Dup;Crèche Les Lutins;fr;\n"
    "paul@lutins.example;Paul;Durand;Crèche Inconnue;fr;\n"
    "luc@lutins.example;Luc;Petit;;en;0612\n"
    "not-an-address;X;Y;;;\n"
)


def test_agents_import_customers_from_a_csv_file(client):
    agent = factories.AgentFactory()
    Organisation.objects.create(name="Crèche Les Lutins")
    factories.CustomerFactory(email="claire@example.test")
    client.force_login(agent)
    mail.outbox.clear()

    response = client.post(
        reverse("accounts:import"),
        {
            "file": SimpleUploadedFile("clients.csv", CSV.encode("cp1252"), "text/csv"),
            "send_activation": "on",
        },
    )

    page = text(response)
    assert "1 created, 4 refused." in page
    assert "An account with the address claire@example.test already exists." in page
    assert "Unknown organisation “Crèche Inconnue”." in page
    assert "Enter the number in international format" in page
    assert "Enter a valid email address." in page
    marie = User.objects.get(email="marie@lutins.example")
    assert (marie.first_name, marie.phone, marie.language) == ("Marie", "+33612345678", "fr")
    assert [o.name for o in marie.organisations.all()] == ["Crèche Les Lutins"]
    assert [m.to for m in mail.outbox] == [["marie@lutins.example"]]


def test_the_import_can_create_missing_organisations(client):
    client.force_login(factories.AgentFactory())
    client.post(
        reverse("accounts:import"),
        {
            "file": SimpleUploadedFile(
                "c.csv", b"email,organisation\npaul@x.example,Nouvelle Structure\n", "text/csv"
            ),
            "create_organisations": "on",
        },
    )
    paul = User.objects.get(email="paul@x.example")
    assert [o.name for o in paul.organisations.all()] == ["Nouvelle Structure"]


def test_customers_cannot_import(client):
    client.force_login(factories.CustomerFactory())
    assert client.get(reverse("accounts:import")).status_code == 403
