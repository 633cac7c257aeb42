"""Every change to people: creating customers and agents, activation links,
organisation rights, joining by email domain.

Keyword-only functions, each in one transaction; mails are enqueued as tasks in
that same transaction, so a rolled-back change sends nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from .models import (
    AGENT_ROLES,
    ActivationLink,
    Membership,
    Organisation,
    OrganisationDomain,
    Role,
    User,
)

ACTIVATION_SALT = "comptoir.accounts.activation"


def activation_lifetime() -> timedelta:
    return timedelta(hours=getattr(settings, "COMPTOIR_ACTIVATION_HOURS", 72))


class ActivationError(Exception):
    """An activation link that cannot be used; ``reason`` says why, for the page."""

    def __init__(self, reason: str, user: User | None = None) -> None:
        super().__init__(reason)
        self.reason = reason  # "invalid", "expired" or "used"
        self.user = user


# -- people ---------------------------------------------------------------------------


def normalise_email(email: str) -> str:
    # Lower case as a whole, as allauth stores addresses: one spelling per person.
    return (email or "").strip().lower()


def email_taken(email: str, *, exclude: User | None = None) -> bool:
    """One account per person: addresses compare whatever their case."""
    users = User.objects.filter(email__iexact=email)
    if exclude is not None:
        users = users.exclude(pk=exclude.pk)
    return users.exists()


def _check_new_email(email: str) -> str:
    email = normalise_email(email)
    validate_email(email)
    if email_taken(email):
        raise ValidationError(
            _("An account with the address %(email)s already exists.") % {"email": email},
            code="duplicate_email",
        )
    return email


def user_join_by_domain(*, user: User) -> list[Organisation]:
    """Add ``user`` to the organisations that own their address's domain and
    accept new contacts that way. Returns the organisations joined."""
    domain = user.email.rpartition("@")[2].lower()
    if not domain:
        return []
    organisations = list(
        Organisation.objects.filter(domains__domain=domain, auto_join=True).exclude(
            memberships__user=user
        )
    )
    Membership.objects.bulk_create(
        [Membership(user=user, organisation=o) for o in organisations], ignore_conflicts=True
    )
    return organisations


@transaction.atomic
def user_create(
    *,
    email: str,
    role: str = Role.CUSTOMER,
    first_name: str = "",
    last_name: str = "",
    language: str = "",
    phone: str = "",
    organisations: Sequence[Organisation] = (),
    created_by: User | None = None,
    send_activation: bool = True,
) -> User:
    """Create an account the support team vouches for: no password until the
    person follows their activation link. Customers also join the organisations
    of their email domain."""
    email = _check_new_email(email)
    if role not in Role.values:
        raise ValidationError(_("Unknown role."), code="role")
    languages = {code for code, _name in settings.LANGUAGES}
    user = User(
        email=email,
        role=role,
        first_name=first_name.strip()[:150],
        last_name=last_name.strip()[:150],
        language=language if language in languages else "",
        phone=phone,
    )
    user.set_unusable_password()
    user.save()
    for organisation in organisations:
        Membership.objects.get_or_create(user=user, organisation=organisation)
    if role == Role.CUSTOMER:
        user_join_by_domain(user=user)
    if send_activation:
        activation_send(user=user, created_by=created_by)
    return user


def user_invite_agent(
    *, email: str, role: str = Role.AGENT, created_by: User, **fields: str
) -> User:
    """Agents are never signed up: an administrator invites them."""
    if role not in AGENT_ROLES:
        raise ValidationError(_("Agents have the role agent, supervisor or administrator."))
    return user_create(email=email, role=role, created_by=created_by, **fields)  # type: ignore[arg-type]


# -- activation links ------------------------------------------------------------------


def activation_token(link: ActivationLink) -> str:
    digest = salted_hmac(ACTIVATION_SALT, f"{link.pk}:{link.nonce}", algorithm="sha256")
    return f"{link.pk}-{digest.hexdigest()[:40]}"


@transaction.atomic
def activation_send(*, user: User, created_by: User | None = None) -> ActivationLink:
    """Issue a new activation link and mail it. Earlier unused links stop working:
    only the latest mail is the right one."""
    from .tasks import send_activation_mail

    now = timezone.now()
    ActivationLink.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now).update(
        expires_at=now
    )
    link = ActivationLink.objects.create(
        user=user,
        nonce=secrets.token_hex(16),
        created_at=now,
        expires_at=now + activation_lifetime(),
        created_by=created_by,
    )
    send_activation_mail.enqueue(link_id=link.pk)
    return link


def activation_check(token: str) -> ActivationLink:
    """The link a token names if it can still be used, else ActivationError."""
    pk = (token or "").partition("-")[0]
    link = (
        ActivationLink.objects.select_related("user").filter(pk=int(pk)).first()
        if pk.isdigit() and len(pk) < 19
        else None
    )
    if link is None or not constant_time_compare(activation_token(link), token):
        raise ActivationError("invalid")
    if link.used_at is not None or link.user.has_usable_password():
        raise ActivationError("used", link.user)
    if link.expires_at <= timezone.now() or not link.user.is_active:
        raise ActivationError("expired", link.user)
    return link


@transaction.atomic
def activation_use(*, token: str, password: str) -> User:
    """First visit: set the password, spend the link, and vouch for the address
    (the person proved they read mail sent to it)."""
    link = activation_check(token)
    link = ActivationLink.objects.select_for_update().select_related("user").get(pk=link.pk)
    if link.used_at is not None:
        raise ActivationError("used", link.user)
    user = link.user
    now = timezone.now()
    user.set_password(password)
    user.save(update_fields=["password"])
    ActivationLink.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
    email_mark_verified(user=user)
    return user


def email_mark_verified(*, user: User) -> None:
    """Record ``user.email`` as verified and primary for allauth's login checks."""
    address = EmailAddress.objects.filter(user=user, email__iexact=user.email).first()
    EmailAddress.objects.filter(user=user, primary=True).exclude(
        pk=getattr(address, "pk", None)
    ).update(primary=False)
    if address is None:
        EmailAddress.objects.create(
            user=user, email=user.email.lower(), verified=True, primary=True
        )
    elif not (address.verified and address.primary):
        address.verified = True
        address.primary = True
        address.save(update_fields=["verified", "primary"])


def activation_request_new(*, email: str) -> None:
    """ "Send me a new link": a new activation link for an account that was never
    activated, a password reset for one that was. Says nothing either way, so the
    page cannot be used to find out who has an account."""
    user = User.objects.filter(email__iexact=normalise_email(email), is_active=True).first()
    if user is None:
        return
    if user.has_usable_password():
        from .tasks import send_password_reset_mail

        send_password_reset_mail.enqueue(user_id=user.pk)
    else:
        activation_send(user=user)


# -- organisation rights -------------------------------------------------------------------


@dataclass(frozen=True)
class MemberRights:
    sees_all_tickets: bool
    is_manager: bool


@transaction.atomic
def membership_set_rights(
    *, membership: Membership, actor: User, sees_all_tickets: bool, is_manager: bool | None = None
) -> Membership:
    """A manager of the organisation (or an agent) lets a member see all of the
    organisation's tickets, or only their own. Only agents name managers."""
    if (
        not actor.is_agent
        and not Membership.objects.filter(
            user=actor, organisation_id=membership.organisation_id, is_manager=True
        ).exists()
    ):
        raise ValidationError(_("Only a manager of the organisation can change its rights."))
    if is_manager is not None and not actor.is_agent:
        raise ValidationError(_("Only the support team names organisation managers."))
    membership.sees_all_tickets = sees_all_tickets
    if is_manager is not None:
        membership.is_manager = is_manager
    membership.save(update_fields=["sees_all_tickets", "is_manager"])
    return membership


def organisation_add_domain(*, organisation: Organisation, domain: str) -> OrganisationDomain:
    return OrganisationDomain.objects.create(organisation=organisation, domain=domain)
