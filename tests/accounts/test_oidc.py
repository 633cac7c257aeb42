"""Seed 003: log in with Google or the organisation's OpenID Connect provider.

The provider is a real HTTP server on loopback (tests/accounts/oidc_provider.py):
allauth reads its discovery document, exchanges the code at its token endpoint,
reads userinfo and checks the ID token, as with a real provider.
"""

from urllib.parse import parse_qs, urlparse
from urllib.request import HTTPRedirectHandler, build_opener

import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.contrib.sites.models import Site
from django.urls import reverse

from comptoir.accounts.models import Membership, Organisation, OrganisationDomain, Role, User
from tests import factories
from tests.accounts.helpers import verified
from tests.accounts.oidc_provider import Person, Provider
from tests.portal.helpers import text

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider():
    running = Provider().start()
    yield running
    running.stop()


@pytest.fixture
def sso(provider):
    app = SocialApp.objects.create(
        provider="openid_connect",
        provider_id="acme",
        name="Acme SSO",
        client_id=provider.client_id,
        secret=provider.client_secret,
        settings={"server_url": provider.issuer},
    )
    app.sites.add(Site.objects.get_current())
    return app


class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def sso_login(client, provider: Provider, person: Person):
    """Press the login button, let the provider authenticate ``person``, and come back."""
    provider.person = person
    start = client.post(reverse("openid_connect_login", kwargs={"provider_id": "acme"}))
    assert start.status_code == 302, start.content
    authorize = start["Location"]
    assert authorize.startswith(provider.issuer + "/authorize?")
    try:
        build_opener(_NoRedirect).open(authorize)
        raise AssertionError("the provider should redirect back")
    except Exception as redirect:  # urllib raises HTTPError for the 302 it did not follow
        back = redirect.headers["Location"]  # type: ignore[attr-defined]
    url = urlparse(back)
    assert url.path == reverse("openid_connect_callback", kwargs={"provider_id": "acme"})
    return client.get(url.path, {k: v[0] for k, v in parse_qs(url.query).items()})


def test_the_login_page_offers_the_configured_provider(client, sso):
    page = client.get(reverse("account_login"))
    assert "Log in with Acme SSO" in text(page)


def test_an_existing_customer_logs_in_through_the_provider(client, provider, sso):
    # Given Claire, created by support, whose address the provider says is verified
    claire = verified(factories.CustomerFactory(email="claire@example.test"))

    response = sso_login(
        client, provider, Person(sub="u-1", email="Claire@Example.test", given_name="Claire")
    )

    # Then she is logged into her own account, linked to the provider from now on
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    assert client.session["_auth_user_id"] == str(claire.pk)
    assert SocialAccount.objects.get(user=claire).uid == "u-1"
    # The code was exchanged with the client's secret and PKCE
    exchange = provider.token_requests[-1]
    assert exchange["client_secret"] == ["s3cret"] and exchange["code_verifier"]
    # and a second login goes through the link
    client.logout()
    sso_login(client, provider, Person(sub="u-1", email="claire@example.test"))
    assert client.session["_auth_user_id"] == str(claire.pk)
    assert User.objects.count() == 1


def test_an_unverified_address_never_opens_an_existing_account(client, provider, sso):
    claire = verified(factories.CustomerFactory(email="claire@example.test"))

    sso_login(
        client, provider, Person(sub="evil", email="claire@example.test", email_verified=False)
    )

    assert client.session.get("_auth_user_id") != str(claire.pk)
    assert not SocialAccount.objects.exists()


def test_an_agent_account_is_not_opened_by_a_provider_alone(client, provider, sso):
    agent = verified(factories.AgentFactory(email="sophie@support.test"))

    sso_login(client, provider, Person(sub="u-9", email="sophie@support.test"))

    assert client.session.get("_auth_user_id") != str(agent.pk)


def test_a_new_person_is_refused_while_signup_is_closed(client, provider, sso, settings):
    settings.COMPTOIR_SIGNUP_OPEN = False
    response = sso_login(client, provider, Person(sub="u-2", email="new@example.test"))
    if response.status_code == 302:
        response = client.get(response["Location"])
    assert "the sign up is currently closed" in text(response)
    assert not User.objects.filter(email="new@example.test").exists()


def test_a_new_person_becomes_a_customer_of_their_domain_when_signup_is_open(
    client, provider, sso, settings
):
    settings.COMPTOIR_SIGNUP_OPEN = True
    lutins = Organisation.objects.create(name="Crèche Les Lutins")
    OrganisationDomain.objects.create(organisation=lutins, domain="lutins.example")

    sso_login(
        client,
        provider,
        Person(sub="u-3", email="marie@lutins.example", given_name="Marie", family_name="Dupont"),
    )

    marie = User.objects.get(email="marie@lutins.example")
    assert client.session["_auth_user_id"] == str(marie.pk)
    assert (marie.role, marie.first_name, marie.last_name) == (Role.CUSTOMER, "Marie", "Dupont")
    assert Membership.objects.filter(user=marie, organisation=lutins).exists()
