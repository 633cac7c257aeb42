"""Entering the portal from a vendor's application with a signed link."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone

from comptoir.accounts.models import Membership, Organisation, Role, User
from comptoir.integrations import services
from comptoir.integrations.models import (
    IntegrationLogEntry,
    IntegrationOrganisation,
    OrganisationPolicy,
    Outcome,
    UsedToken,
)
from comptoir.tickets.models import CustomField, FieldType
from tests.factories import AgentFactory, CustomerFactory, OrganisationFactory, ProductFactory
from tests.integrations.helpers import claims_for, link, make_integration, sign
from tests.portal.helpers import form, text

pytestmark = pytest.mark.django_db

NEW = reverse("portal:ticket_new")


def logged_in_as(client) -> User | None:
    pk = client.session.get(SESSION_KEY)
    return User.objects.get(pk=pk) if pk else None


def refusals() -> list[str]:
    return list(
        IntegrationLogEntry.objects.filter(outcome=Outcome.REFUSED).values_list("reason", flat=True)
    )


@pytest.fixture
def account_field(db):
    return CustomField.objects.create(
        key="account-name", label_en="Account name", field_type=FieldType.TEXT
    )


# -- the journey -----------------------------------------------------------------------


def test_a_valid_link_creates_the_customer_logs_in_and_opens_the_prefilled_form(
    client, integration, account_field
):
    _integration, secret = integration
    planning = ProductFactory(name="Planning")
    ProductFactory(name="Billing")
    token = sign(secret, claims_for(product="planning", account="LUTINS-75"))

    response = client.get(link(token))

    assert response.status_code == 302
    assert response["Location"] == NEW
    marie = User.objects.get(email="marie@lutins.example")
    assert (marie.role, marie.first_name, marie.last_name) == (Role.CUSTOMER, "Marie", "Martin")
    assert not marie.has_usable_password()
    lutins = Organisation.objects.get(name="Crèche Les Lutins")
    assert Membership.objects.filter(user=marie, organisation=lutins).exists()
    assert IntegrationOrganisation.objects.get(external_id="C-1042").organisation == lutins
    assert logged_in_as(client) == marie

    page = client.get(NEW)
    assert page.status_code == 200
    values = form(page).values
    assert values["cf_account-name"] == ["LUTINS-75"]
    assert values["products"] == [str(planning.pk)]
    assert "Crèche Les Lutins" in text(page)
    assert IntegrationLogEntry.objects.get().outcome == Outcome.ACCEPTED


def test_the_prefilled_form_opens_a_ticket_with_the_account_name(
    client, integration, account_field
):
    from comptoir.tickets.models import Ticket
    from tests.factories import ticket_type
    from tests.portal.helpers import submitted

    _integration, secret = integration
    ProductFactory(name="Planning")
    client.get(link(sign(secret, claims_for(product="Planning", account="LUTINS-75"))))
    page = client.get(NEW)

    data = submitted(
        page,
        "ticket-form",
        {
            "type": str(ticket_type("help").pk),
            "subject": "Export fails",
            "description": "Nothing happens.",
        },
    )
    response = client.post(NEW, data)

    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.custom_fields["account-name"] == "LUTINS-75"
    assert [p.name for p in ticket.products.all()] == ["Planning"]
    assert ticket.organisation.name == "Crèche Les Lutins"


def test_the_account_field_chosen_on_the_integration_is_used(client, integration):
    integration_, secret = integration
    chosen = CustomField.objects.create(
        key="customer-account", label_en="Customer account", field_type=FieldType.TEXT
    )
    integration_.account_field = chosen
    integration_.save()

    client.get(link(sign(secret, claims_for(account="LUTINS-75"))))

    assert form(client.get(NEW)).values["cf_customer-account"] == ["LUTINS-75"]


def test_without_an_account_field_the_form_still_opens(client, integration):
    _integration, secret = integration

    client.get(link(sign(secret, claims_for(account="LUTINS-75", product=["Unknown"]))))
    page = client.get(NEW)

    assert page.status_code == 200
    assert form(page).values["products"] == []


def test_an_existing_customer_is_updated_and_joins_the_organisation(client, integration):
    _integration, secret = integration
    marie = CustomerFactory(email="Marie@Lutins.example", first_name="M", last_name="")

    client.get(link(sign(secret, claims_for(given_name="Marie", family_name="Martin"))))

    marie.refresh_from_db()
    assert (marie.first_name, marie.last_name) == ("Marie", "Martin")
    assert marie.organisations.filter(name="Crèche Les Lutins").exists()
    assert marie.organisations.count() == 2
    assert logged_in_as(client) == marie
    assert User.objects.filter(email__iexact="marie@lutins.example").count() == 1


def test_the_organisation_is_found_again_by_its_identifier_and_follows_a_rename(
    client, integration
):
    _integration, secret = integration
    client.get(link(sign(secret, claims_for())))
    client.logout()

    client.get(link(sign(secret, claims_for("paul@lutins.example", org_name="Les Lutins"))))

    assert list(Organisation.objects.values_list("name", flat=True)) == ["Les Lutins"]
    paul = User.objects.get(email="paul@lutins.example")
    assert [o.name for o in paul.organisations.all()] == ["Les Lutins"]


def test_an_integration_that_only_joins_existing_organisations_uses_its_default(client):
    default = OrganisationFactory(name="Direct customers")
    _integration, secret = make_integration(
        organisation_policy=OrganisationPolicy.EXISTING, default_organisation=default
    )
    OrganisationFactory(name="Known customer")

    client.get(link(sign(secret, claims_for("a@one.example", org_name="Unknown customer"))))
    client.logout()
    client.get(
        link(sign(secret, claims_for("b@two.example", org_id="K", org_name="known CUSTOMER")))
    )

    assert not Organisation.objects.filter(name="Unknown customer").exists()
    assert [o.name for o in User.objects.get(email="a@one.example").organisations.all()] == [
        "Direct customers"
    ]
    assert [o.name for o in User.objects.get(email="b@two.example").organisations.all()] == [
        "Known customer"
    ]


def test_a_link_may_send_to_another_portal_page(client, integration):
    _integration, secret = integration

    response = client.get(link(sign(secret, claims_for(next="/tickets/?tab=all"))))

    assert response.status_code == 302
    assert response["Location"] == "/tickets/?tab=all"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "tickets/",
        "/\tevil",
    ],
)
def test_a_next_page_on_another_site_is_ignored(client, integration, target):
    _integration, secret = integration

    response = client.get(link(sign(secret, claims_for(next=target))))

    assert response.status_code == 302
    assert response["Location"] == NEW
    entry = IntegrationLogEntry.objects.get()
    assert entry.outcome == Outcome.ACCEPTED
    assert "next ignored" in entry.detail


def test_the_link_can_be_posted(client, integration):
    _integration, secret = integration
    response = client.post(reverse("integrations:enter"), {"token": sign(secret, claims_for())})
    assert response.status_code == 302
    assert logged_in_as(client).email == "marie@lutins.example"


# -- refusals ----------------------------------------------------------------------------


def assert_refused(response, status: int, heading: str) -> None:
    assert response.status_code == status
    assert heading in text(response)
    assert response["Cache-Control"] == "no-store"


def test_a_link_works_once(client, integration):
    _integration, secret = integration
    token = sign(secret, claims_for())
    client.get(link(token))
    client.logout()

    response = client.get(link(token))

    assert_refused(response, 403, "This support link has already been used")
    assert logged_in_as(client) is None
    assert refusals() == ["replayed"]


def test_an_expired_link_is_refused(client, integration):
    _integration, secret = integration
    token = sign(secret, claims_for())

    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        response = client.get(link(token))

    assert_refused(response, 403, "This support link has expired")
    assert not User.objects.filter(email="marie@lutins.example").exists()
    assert refusals() == ["expired"]


def test_a_link_signed_for_later_is_refused(client, integration):
    _integration, secret = integration
    now = int(time.time())
    response = client.get(link(sign(secret, claims_for(iat=now + 600, exp=now + 700))))
    assert_refused(response, 403, "This support link has expired")
    assert refusals() == ["not_yet_valid"]


def test_a_link_that_lives_longer_than_allowed_is_refused(client, integration):
    _integration, secret = integration
    now = int(time.time())
    response = client.get(link(sign(secret, claims_for(iat=now, exp=now + 3600))))
    assert_refused(response, 403, "This support link is not valid")
    assert refusals() == ["lifetime_too_long"]


@pytest.mark.parametrize("missing", ["exp", "iat", "jti", "email"])
def test_a_link_without_a_required_claim_is_refused(client, integration, missing):
    _integration, secret = integration
    response = client.get(link(sign(secret, claims_for(**{missing: None}))))
    assert_refused(response, 400, "This support link is not valid")
    assert refusals() == ["missing_claim"]
    assert not User.objects.exists()


def test_a_tampered_link_is_refused(client, integration):
    _integration, secret = integration
    genuine = sign(secret, claims_for())
    forged_claims = sign("not-the-secret-but-long-enough-for-hs256-keys", claims_for("boss@x.test"))
    header, _payload, signature = genuine.split(".")
    tampered = ".".join([header, forged_claims.split(".")[1], signature])

    response = client.get(link(tampered))

    assert_refused(response, 403, "This support link is not valid")
    assert refusals() == ["bad_signature"]
    entry = IntegrationLogEntry.objects.get()
    assert entry.email == "boss@x.test"
    assert entry.integration == _integration
    assert entry.remote_ip == "127.0.0.1"
    assert not User.objects.exists()


def test_a_link_signed_with_another_algorithm_is_refused(client, integration):
    _integration, secret = integration
    unsigned = sign(secret, claims_for()).split(".")
    import base64
    import json

    header = base64.urlsafe_b64encode(
        json.dumps({"alg": "none", "kid": "planning-app"}).encode()
    ).rstrip(b"=")
    response = client.get(link(f"{header.decode()}.{unsigned[1]}."))
    assert_refused(response, 403, "This support link is not valid")
    assert refusals() == ["bad_signature"]


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "x" * 9000])
def test_garbage_is_refused_without_an_error(client, db, token):
    response = client.get(link(token))
    assert response.status_code == 400
    assert "This support link is not valid" in text(response)
    assert len(refusals()) == 1


def test_an_unknown_or_inactive_integration_is_refused(client, integration):
    integration_, secret = integration
    unknown = client.get(link(sign(secret, claims_for(), kid="other-app")))
    integration_.active = False
    integration_.save()
    inactive = client.get(link(sign(secret, claims_for())))

    assert_refused(unknown, 403, "This support link is not valid")
    assert_refused(inactive, 403, "This support link is not valid")
    assert refusals() == ["unknown_integration", "unknown_integration"]
    assert IntegrationLogEntry.objects.filter(integration=integration_).count() == 1


def test_the_integration_may_be_named_by_iss(client, integration):
    _integration, secret = integration
    response = client.get(link(sign(secret, claims_for(iss="planning-app"), kid=None)))
    assert response.status_code == 302


def test_kid_and_iss_must_agree(client, integration):
    _integration, secret = integration
    make_integration("other-app", name="Other")
    response = client.get(link(sign(secret, claims_for(iss="other-app"))))
    assert_refused(response, 403, "This support link is not valid")
    assert refusals() == ["issuer_mismatch"]


def test_a_link_for_a_support_team_address_never_logs_in(client, integration):
    _integration, secret = integration
    agent = AgentFactory(email="sophie@support.test")
    admin = User.objects.create_superuser("root@support.test", "x" * 12)

    for address in (agent.email, "SOPHIE@support.test", admin.email):
        response = client.get(link(sign(secret, claims_for(address))))
        assert_refused(response, 403, "Support team members log in with their password")
        assert logged_in_as(client) is None

    assert not agent.organisations.exists()
    assert refusals() == ["staff_account"] * 3


def test_a_link_for_an_agent_logs_out_nobody_and_spends_the_token(client, integration):
    _integration, secret = integration
    AgentFactory(email="sophie@support.test")
    token = sign(secret, claims_for("sophie@support.test"))
    client.get(link(token))
    assert UsedToken.objects.count() == 1


def test_a_disabled_customer_is_refused(client, integration):
    _integration, secret = integration
    CustomerFactory(email="marie@lutins.example", is_active=False)
    response = client.get(link(sign(secret, claims_for())))
    assert_refused(response, 403, "This account is disabled")


def test_an_integration_can_be_limited_to_email_domains(client):
    _integration, secret = make_integration(allowed_domains="lutins.example\n@Other.example")

    outside = client.get(link(sign(secret, claims_for("eve@elsewhere.example"))))
    inside = client.get(link(sign(secret, claims_for("marie@LUTINS.example"))))

    assert_refused(outside, 403, "This address cannot use this link")
    assert inside.status_code == 302
    assert refusals() == ["domain_not_allowed"]


def test_an_invalid_email_is_refused(client, integration):
    _integration, secret = integration
    response = client.get(link(sign(secret, claims_for("not an address"))))
    assert_refused(response, 400, "This support link is not valid")
    assert refusals() == ["invalid_email"]


def test_claims_of_the_wrong_type_are_refused(client, integration):
    _integration, secret = integration
    response = client.get(link(sign(secret, claims_for(org_name={"x": 1}))))
    assert_refused(response, 400, "This support link is not valid")
    assert refusals() == ["malformed"]


@pytest.mark.parametrize("method", ["put", "delete"])
def test_other_methods_are_not_allowed(client, db, method):
    assert getattr(client, method)(reverse("integrations:enter")).status_code == 405


def test_too_many_attempts_from_one_address_are_slowed_down(client, db, settings):
    settings.COMPTOIR_INAPP_RATE_PER_MINUTE = 3
    statuses = [client.get(link("garbage")).status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]
    assert "Too many attempts" in text(client.get(link("garbage")))


# -- secrets -----------------------------------------------------------------------------


def test_after_a_rotation_the_previous_secret_works_during_the_overlap_only(client, integration):
    integration_, old_secret = integration
    new_secret = services.integration_rotate_secret(integration=integration_)
    assert new_secret != old_secret

    during = client.get(link(sign(old_secret, claims_for("a@lutins.example"))))
    client.logout()
    new = client.get(link(sign(new_secret, claims_for("b@lutins.example"))))
    client.logout()
    with time_machine.travel(timezone.now() + timedelta(hours=24, minutes=1)):
        after = client.get(link(sign(old_secret, claims_for("c@lutins.example"))))
        client.logout()
        still_new = client.get(link(sign(new_secret, claims_for("d@lutins.example"))))

    assert during.status_code == 302
    assert new.status_code == 302
    assert_refused(after, 403, "This support link is not valid")
    assert still_new.status_code == 302
    assert refusals() == ["retired_secret"]


def test_ending_the_overlap_refuses_the_previous_secret_at_once(client, integration):
    integration_, old_secret = integration
    services.integration_rotate_secret(integration=integration_)
    services.integration_end_overlap(integration=integration_)

    response = client.get(link(sign(old_secret, claims_for())))

    assert_refused(response, 403, "This support link is not valid")
    assert refusals() == ["bad_signature"]


def test_secrets_are_stored_encrypted(integration):
    integration_, secret = integration
    integration_.refresh_from_db()
    assert secret not in integration_.secret_sealed
    assert integration_.secrets_for(timezone.now()) == [secret]


# -- housekeeping ------------------------------------------------------------------------


def test_spent_tokens_are_forgotten_once_expired(client, integration):
    from comptoir.integrations.tasks import purge_used_tokens

    _integration, secret = integration
    token = sign(secret, claims_for())
    client.get(link(token))
    client.logout()

    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        client.get(link(sign(secret, claims_for("paul@lutins.example"))))
        assert UsedToken.objects.count() == 2
        purge_used_tokens.call()
        assert UsedToken.objects.get().expires_at > timezone.now()
        # The first token, now forgotten, is still refused: it has expired.
        client.logout()
        assert client.get(link(token)).status_code == 403
        assert refusals() == ["expired"]


def test_old_log_entries_are_purged(db):
    IntegrationLogEntry.objects.create(
        outcome=Outcome.REFUSED, created_at=timezone.now() - timedelta(days=91)
    )
    IntegrationLogEntry.objects.create(outcome=Outcome.REFUSED)
    assert services.purge_expired() == {"tokens": 0, "log_entries": 1}
    assert IntegrationLogEntry.objects.count() == 1
