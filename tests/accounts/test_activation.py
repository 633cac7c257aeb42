"""Seeds 002 and 004: support creates the account, the person follows the link in
the activation mail, chooses a password and lands on the portal. The link works
once and for a limited time; a dead link says why and offers a new one."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from comptoir.accounts import services
from comptoir.accounts.models import ActivationLink, Role, User
from tests import factories
from tests.accounts.helpers import STRONG_PASSWORD, activation_path, last_mail_to
from tests.portal.helpers import form, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    return factories.AgentFactory(email="sophie@support.test")


@pytest.fixture
def new_customer(agent):
    organisation = factories.OrganisationFactory(name="Crèche Les Lutins")
    return services.user_create(
        email="Marie.Dupont@Lutins.example",
        first_name="Marie",
        language="fr",
        organisations=[organisation],
        created_by=agent,
    )


def test_support_creates_a_customer_who_gets_an_activation_mail_in_her_language(new_customer):
    # Then the account exists without a password, and one mail went out, in French
    assert new_customer.email == "marie.dupont@lutins.example"
    assert not new_customer.has_usable_password()
    message = last_mail_to("marie.dupont@lutins.example")
    # (new strings are translated in one pass later: the greeting already is)
    assert message.body.startswith("Bonjour Marie,")
    assert "marie.dupont@lutins.example" in message.body
    assert activation_path(message).startswith("/accounts/activate/")


def test_first_visit_sets_the_password_and_lands_on_the_portal(client, new_customer):
    path = activation_path(last_mail_to(new_customer.email))

    page = client.get(path)
    assert page.status_code == 200
    assert "marie.dupont@lutins.example" in text(page)

    response = client.post(
        path, {"password1": STRONG_PASSWORD, "password2": STRONG_PASSWORD}, follow=True
    )

    # Then she is on the portal home, logged in, greeted
    assert response.redirect_chain[-1][0] == reverse("portal:home")
    assert response.context["user"] == new_customer
    assert "Hello Marie" in text(response) or "Bonjour Marie" in text(response)
    # and her password works on the login page from now on, without a confirmation step
    client.logout()
    login = client.post(
        reverse("account_login"),
        {"login": "Marie.Dupont@Lutins.example", "password": STRONG_PASSWORD},
    )
    assert login.status_code == 302
    assert login["Location"] == reverse("portal:home")


def test_a_used_link_says_so_and_offers_a_new_one(client, new_customer):
    path = activation_path(last_mail_to(new_customer.email))
    client.post(path, {"password1": STRONG_PASSWORD, "password2": STRONG_PASSWORD})
    client.logout()

    again = client.get(path)

    assert again.status_code == 410
    assert "This activation link has already been used" in text(again)
    assert form(again).values["email"] == [new_customer.email]
    # and the password chosen the first time is unchanged by a second try
    client.post(path, {"password1": "Another-Password-77", "password2": "Another-Password-77"})
    new_customer.refresh_from_db()
    assert new_customer.check_password(STRONG_PASSWORD)


def test_an_expired_link_says_so_and_a_new_one_can_be_requested(client, new_customer):
    path = activation_path(last_mail_to(new_customer.email))

    with time_machine.travel(timezone.now() + timedelta(days=4)):
        page = client.get(path)
        assert page.status_code == 410
        assert "This activation link has expired" in text(page)
        mail.outbox.clear()

        sent = client.post(reverse("accounts:activation_new"), {"email": new_customer.email})
        assert "If an account exists for" in text(sent)
        new_path = activation_path(last_mail_to(new_customer.email))
        assert new_path != path
        assert client.get(new_path).status_code == 200
        # and the old link stays dead
        assert client.get(path).status_code == 410


def test_a_new_link_replaces_the_previous_one(client, new_customer):
    first = activation_path(last_mail_to(new_customer.email))
    services.activation_send(user=new_customer)
    second = activation_path(last_mail_to(new_customer.email))

    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200


@pytest.mark.parametrize(
    "token", ["1-0000000000000000000000000000000000000000", "garbage", "99999999999999999999-x"]
)
def test_a_forged_or_damaged_link_is_not_valid(client, new_customer, token):
    page = client.get(reverse("accounts:activate", kwargs={"token": token}))
    assert page.status_code == 404
    assert "This activation link is not valid" in text(page)


def test_weak_or_mismatched_passwords_are_refused_with_a_clear_message(client, new_customer):
    path = activation_path(last_mail_to(new_customer.email))

    short = client.post(path, {"password1": "abc123", "password2": "abc123"})
    mismatch = client.post(path, {"password1": STRONG_PASSWORD, "password2": STRONG_PASSWORD + "x"})

    assert short.status_code == 400
    assert "This password is too short" in text(short)
    assert mismatch.status_code == 400
    assert "The two passwords are not the same." in text(mismatch)
    new_customer.refresh_from_db()
    assert not new_customer.has_usable_password()
    assert ActivationLink.objects.get().used_at is None


def test_asking_for_a_link_reveals_nothing_about_who_has_an_account(client, new_customer):
    mail.outbox.clear()
    unknown = client.post(reverse("accounts:activation_new"), {"email": "nobody@example.test"})
    known = client.post(reverse("accounts:activation_new"), {"email": new_customer.email})

    assert text(unknown).replace("nobody@example.test", "X") == text(known).replace(
        new_customer.email, "X"
    )
    assert [m.to for m in mail.outbox] == [[new_customer.email]]


def test_an_active_account_asking_for_a_link_gets_a_password_reset_instead(client, new_customer):
    client.post(
        activation_path(last_mail_to(new_customer.email)),
        {"password1": STRONG_PASSWORD, "password2": STRONG_PASSWORD},
    )
    client.logout()
    mail.outbox.clear()

    client.post(reverse("accounts:activation_new"), {"email": new_customer.email})

    message = last_mail_to(new_customer.email)
    assert "/accounts/password/reset/key/" in message.body


def test_agents_are_invited_the_same_way_and_never_sign_up(client, agent, settings):
    admin = factories.UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)
    invited = services.user_invite_agent(
        email="lea@support.test", role=Role.SUPERVISOR, created_by=admin
    )
    assert invited.is_agent and invited.role == Role.SUPERVISOR
    assert "/accounts/activate/" in last_mail_to("lea@support.test").body

    # Sign-up, even when open, only makes customers
    settings.COMPTOIR_SIGNUP_OPEN = True
    client.post(
        reverse("account_signup"),
        {
            "email": "intruder@example.test",
            "password1": STRONG_PASSWORD,
            "password2": STRONG_PASSWORD,
            "role": "admin",
        },
    )
    assert User.objects.get(email="intruder@example.test").role == Role.CUSTOMER
