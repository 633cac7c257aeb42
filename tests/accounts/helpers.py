"""Accounts as people get them: created by support, activated, logged in."""

from __future__ import annotations

import re

from allauth.account.models import EmailAddress
from django.core import mail

from comptoir.accounts.models import Membership, Organisation, User
from tests import factories

LINK = re.compile(r"https?://[^/\s]+(/accounts/activate/[^\s]+/)")
STRONG_PASSWORD = "Tilleul-Crayon-42"


def activation_path(message) -> str:
    """The activation link of a mail, as a path the test client can open."""
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def last_mail_to(address: str):
    found = [m for m in mail.outbox if address in m.to]
    assert found, f"no mail to {address}: {[m.to for m in mail.outbox]}"
    return found[-1]


def verified(user: User) -> User:
    """An activated account: allauth lets it log in without a confirmation step."""
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user


def customer(email: str, organisation: Organisation | None = None, **rights) -> User:
    """A verified customer of ``organisation`` with the given membership rights."""
    user = verified(factories.UserFactory(email=email))
    if organisation is not None:
        Membership.objects.create(user=user, organisation=organisation, **rights)
    return user
