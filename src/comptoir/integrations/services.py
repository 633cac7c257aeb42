"""Every change made through an integration: secrets (creation, rotation) and
entering the portal with a signed link.

A link carries a JWT signed with HS256 and the integration's shared secret. It
names its integration (header ``kid`` or claim ``iss``), lives a few minutes
(``iat`` and ``exp`` required, ``exp - iat`` bounded), and works once (``jti``
required and remembered until the token expires). It may log in customers only:
an address that belongs to the support team is refused.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify

from comptoir.accounts import services as accounts
from comptoir.accounts.models import Membership, Organisation, Role, User
from comptoir.tickets.models import CustomField, Product

from . import secretbox
from .models import (
    Integration,
    IntegrationLogEntry,
    IntegrationOrganisation,
    OrganisationPolicy,
    Outcome,
    UsedToken,
)

logger = logging.getLogger("comptoir.integrations")

ALGORITHM = "HS256"
# Tolerated difference between the application's clock and ours, in seconds.
LEEWAY = 30
MAX_TOKEN_LENGTH = 8192
ACCOUNT_FIELD_KEY = "account-name"
SESSION_PREFILL = "inapp_prefill"
MAX_PRODUCTS = 20

# Why a link is refused, and the HTTP status of the page that says so.
REASONS: dict[str, int] = {
    "missing": 400,  # no token in the request
    "malformed": 400,  # not a JWT, or a claim of the wrong type
    "missing_claim": 400,
    "unknown_integration": 403,
    "issuer_mismatch": 403,
    "bad_signature": 403,
    "retired_secret": 403,  # signed with a previous secret after its overlap
    "expired": 403,
    "not_yet_valid": 403,
    "lifetime_too_long": 403,
    "replayed": 403,
    "invalid_email": 400,
    "domain_not_allowed": 403,
    "staff_account": 403,
    "inactive_account": 403,
}


class EntryRefused(Exception):
    """A link that cannot be used; ``reason`` is one of ``REASONS``."""

    def __init__(
        self,
        reason: str,
        *,
        integration: Integration | None = None,
        email: str = "",
        detail: str = "",
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.integration = integration
        self.email = email
        self.detail = detail

    @property
    def status(self) -> int:
        return REASONS.get(self.reason, 403)


@dataclass
class Entry:
    """Who entered, and where they go next."""

    integration: Integration
    user: User
    organisation: Organisation | None
    prefill: dict[str, Any] = field(default_factory=dict)
    next_path: str | None = None


# -- secrets ---------------------------------------------------------------------------


def new_secret() -> str:
    # 256 bits, the size of an HS256 key.
    return secrets.token_urlsafe(32)


@transaction.atomic
def integration_set_secret(*, integration: Integration, now: datetime | None = None) -> str:
    """Give ``integration`` a fresh secret, replacing the current one at once
    (no overlap). Returns the secret: the only time it is readable."""
    plain = new_secret()
    integration.secret_sealed = secretbox.seal(plain)
    integration.secret_rotated_at = now or timezone.now()
    integration.save(update_fields=["secret_sealed", "secret_rotated_at"])
    return plain


@transaction.atomic
def integration_rotate_secret(*, integration: Integration, now: datetime | None = None) -> str:
    """A new secret; the current one becomes the previous one and is still accepted
    for ``rotation_overlap_hours``. Returns the new secret, readable only now."""
    now = now or timezone.now()
    locked = Integration.objects.select_for_update().get(pk=integration.pk)
    plain = new_secret()
    locked.previous_secret_sealed = locked.secret_sealed
    locked.previous_valid_until = (
        now + timedelta(hours=locked.rotation_overlap_hours) if locked.secret_sealed else None
    )
    locked.secret_sealed = secretbox.seal(plain)
    locked.secret_rotated_at = now
    locked.save(
        update_fields=[
            "previous_secret_sealed",
            "previous_valid_until",
            "secret_sealed",
            "secret_rotated_at",
        ]
    )
    integration.refresh_from_db()
    return plain


@transaction.atomic
def integration_end_overlap(*, integration: Integration, now: datetime | None = None) -> None:
    """Stop accepting the previous secret now (it leaked, or every application moved)."""
    Integration.objects.filter(pk=integration.pk).update(
        previous_secret_sealed="", previous_valid_until=now or timezone.now()
    )
    integration.refresh_from_db()


# -- reading a link --------------------------------------------------------------------


def _unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as error:
        raise EntryRefused("malformed", detail=str(error)[:300]) from error
    return header, claims


def _claim_email(claims: dict[str, Any]) -> str:
    value = claims.get("email")
    return value[:254] if isinstance(value, str) else ""


def _decode(token: str, secret: str) -> dict[str, Any]:
    return jwt.decode(
        token,
        secret,
        algorithms=[ALGORITHM],
        leeway=LEEWAY,
        options={"require": ["exp", "iat", "jti", "email"], "verify_aud": False},
    )


def read_token(token: str, *, now: datetime | None = None) -> tuple[Integration, dict[str, Any]]:
    """The integration a token names and its verified claims, or EntryRefused.

    Nothing is written: the token is not spent yet (see ``token_spend``)."""
    now = now or timezone.now()
    token = (token or "").strip()
    if not token:
        raise EntryRefused("missing")
    if len(token) > MAX_TOKEN_LENGTH:
        raise EntryRefused("malformed", detail="token too long")
    header, unverified = _unverified(token)
    email = _claim_email(unverified)
    kid, iss = header.get("kid"), unverified.get("iss")
    slug = kid if kid is not None else iss
    if not isinstance(slug, str) or not slug:
        raise EntryRefused("unknown_integration", email=email, detail="no kid header, no iss claim")
    integration = Integration.objects.filter(slug=slug[:50]).first()
    if integration is None or not integration.active:
        raise EntryRefused(
            "unknown_integration",
            integration=integration,
            email=email,
            detail=f"{slug[:50]!r} {'inactive' if integration else 'unknown'}",
        )
    if kid is not None and iss is not None and iss != kid:
        raise EntryRefused("issuer_mismatch", integration=integration, email=email)
    if header.get("alg") != ALGORITHM:
        raise EntryRefused(
            "bad_signature",
            integration=integration,
            email=email,
            detail=f"algorithm {str(header.get('alg'))[:20]!r}",
        )
    claims = None
    for secret in integration.secrets_for(now):
        try:
            claims = _decode(token, secret)
            break
        except jwt.InvalidSignatureError:
            continue
        except jwt.ExpiredSignatureError as error:
            raise EntryRefused("expired", integration=integration, email=email) from error
        except jwt.ImmatureSignatureError as error:
            raise EntryRefused("not_yet_valid", integration=integration, email=email) from error
        except jwt.MissingRequiredClaimError as error:
            raise EntryRefused(
                "missing_claim", integration=integration, email=email, detail=error.claim
            ) from error
        except jwt.PyJWTError as error:
            raise EntryRefused(
                "malformed", integration=integration, email=email, detail=str(error)[:300]
            ) from error
    if claims is None:
        raise EntryRefused(
            "retired_secret" if _signed_with_retired(integration, token) else "bad_signature",
            integration=integration,
            email=email,
        )
    _check_claims(integration, claims, now)
    return integration, claims


def _signed_with_retired(integration: Integration, token: str) -> bool:
    previous = secretbox.unseal(integration.previous_secret_sealed)
    if not previous:
        return False
    try:
        jwt.decode(
            token,
            previous,
            algorithms=[ALGORITHM],
            options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
        )
    except jwt.PyJWTError:
        return False
    return True


def _check_claims(integration: Integration, claims: dict[str, Any], now: datetime) -> None:
    email = _claim_email(claims)

    def refuse(reason: str, detail: str = "") -> EntryRefused:
        return EntryRefused(reason, integration=integration, email=email, detail=detail)

    iat, exp, jti = claims["iat"], claims["exp"], claims["jti"]
    if not isinstance(iat, int | float) or not isinstance(exp, int | float):
        raise refuse("malformed", "iat and exp must be numbers")
    if iat > now.timestamp() + LEEWAY:
        raise refuse("not_yet_valid", "iat in the future")
    if exp - iat > integration.max_lifetime:
        raise refuse("lifetime_too_long", f"exp - iat = {int(exp - iat)} s")
    if not isinstance(jti, str) or not 1 <= len(jti) <= 200:
        raise refuse("malformed", "jti must be a string of 1 to 200 characters")
    if not isinstance(claims["email"], str):
        raise refuse("invalid_email")
    try:
        validate_email(accounts.normalise_email(claims["email"]))
    except ValidationError as error:
        raise refuse("invalid_email") from error
    for name in ("name", "given_name", "family_name", "org_id", "org_name", "account", "next"):
        if claims.get(name) is not None and not isinstance(claims[name], str | int):
            raise refuse("malformed", f"{name} must be a string")
    product = claims.get("product")
    if product is not None and not isinstance(product, str | list):
        raise refuse("malformed", "product must be a string or a list of strings")
    domains = integration.domain_list()
    if domains and accounts.normalise_email(claims["email"]).rpartition("@")[2] not in domains:
        raise refuse("domain_not_allowed")


def token_spend(*, integration: Integration, claims: dict[str, Any]) -> None:
    """Remember the token's ``jti`` so that it cannot be used again (replay)."""
    expires_at = datetime.fromtimestamp(claims["exp"] + LEEWAY, tz=UTC)
    try:
        with transaction.atomic():
            UsedToken.objects.create(
                integration=integration, jti=claims["jti"], expires_at=expires_at
            )
    except IntegrityError as error:
        raise EntryRefused(
            "replayed", integration=integration, email=_claim_email(claims)
        ) from error


# -- entering --------------------------------------------------------------------------


def safe_next(value: Any) -> str | None:
    """A path on this site, or None: never another site (no open redirect)."""
    if not isinstance(value, str) or not value or len(value) > 2000:
        return None
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        return None
    if not url_has_allowed_host_and_scheme(value, allowed_hosts=set()):
        return None
    return value


def _names(claims: dict[str, Any]) -> tuple[str, str]:
    given = str(claims.get("given_name") or "").strip()
    family = str(claims.get("family_name") or "").strip()
    if not (given or family):
        full = " ".join(str(claims.get("name") or "").split())
        given, _sep, family = full.partition(" ")
    return given[:150], family[:150]


def _organisation(integration: Integration, claims: dict[str, Any]) -> Organisation | None:
    external_id = str(claims.get("org_id") or "").strip()[:200]
    name = " ".join(str(claims.get("org_name") or "").split())[:200]
    create = integration.organisation_policy == OrganisationPolicy.CREATE
    organisation = None
    if external_id:
        link = (
            IntegrationOrganisation.objects.select_related("organisation")
            .filter(integration=integration, external_id=external_id)
            .first()
        )
        if link is not None:
            organisation = link.organisation
            # The application renamed its customer: follow, unless the name is taken.
            if (
                create
                and name
                and name != organisation.name
                and not Organisation.objects.filter(name__iexact=name)
                .exclude(pk=organisation.pk)
                .exists()
            ):
                organisation.name = name
                organisation.save(update_fields=["name"])
            return organisation
    if name:
        organisation = Organisation.objects.filter(name__iexact=name).first()
        if organisation is None and create:
            organisation = Organisation.objects.create(name=name)
    if organisation is not None and external_id:
        IntegrationOrganisation.objects.get_or_create(
            integration=integration,
            external_id=external_id,
            defaults={"organisation": organisation},
        )
    return organisation or integration.default_organisation


def _products(claims: dict[str, Any]) -> list[int]:
    wanted = claims.get("product")
    if wanted is None:
        return []
    names = [wanted] if isinstance(wanted, str) else wanted
    keys = {slugify(str(n)) for n in names[:MAX_PRODUCTS] if isinstance(n, str | int)}
    keys.discard("")
    if not keys:
        return []
    return [p.pk for p in Product.objects.filter(active=True) if slugify(p.name) in keys]


def account_field(integration: Integration) -> CustomField | None:
    """The ticket field that receives the account name, if the helpdesk has one."""
    fields = CustomField.objects.filter(active=True, visible_to_customer=True)
    if integration.account_field_id is not None:
        chosen = fields.filter(pk=integration.account_field_id).first()
        if chosen is not None:
            return chosen
    return fields.filter(key=ACCOUNT_FIELD_KEY).first()


def _prefill(
    integration: Integration, claims: dict[str, Any], organisation: Organisation | None
) -> dict[str, Any]:
    prefill: dict[str, Any] = {}
    if organisation is not None:
        prefill["organisation"] = organisation.pk
    products = _products(claims)
    if products:
        prefill["products"] = products
    account = " ".join(str(claims.get("account") or "").split())[:500]
    if account:
        target = account_field(integration)
        if target is not None:
            prefill[f"cf_{target.key}"] = account
    return prefill


def _customer(integration: Integration, claims: dict[str, Any]) -> User:
    email = accounts.normalise_email(claims["email"])
    first_name, last_name = _names(claims)

    def refuse(reason: str) -> EntryRefused:
        return EntryRefused(reason, integration=integration, email=email)

    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        try:
            with transaction.atomic():
                return accounts.user_create(
                    email=email,
                    role=Role.CUSTOMER,
                    first_name=first_name,
                    last_name=last_name,
                    send_activation=False,
                )
        except (IntegrityError, ValidationError):
            # Created by a simultaneous request: use that account.
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                raise
    # Never a way into the desk or the admin: staff log in with their password.
    if user.is_agent or user.is_staff or user.is_superuser or user.role != Role.CUSTOMER:
        raise refuse("staff_account")
    if not user.is_active:
        raise refuse("inactive_account")
    changed = []
    if first_name and user.first_name != first_name:
        user.first_name = first_name
        changed.append("first_name")
    if last_name and user.last_name != last_name:
        user.last_name = last_name
        changed.append("last_name")
    if changed:
        user.save(update_fields=changed)
    return user


@transaction.atomic
def entry_provision(*, integration: Integration, claims: dict[str, Any]) -> Entry:
    """Create or update the customer and their organisation from verified claims."""
    user = _customer(integration, claims)
    organisation = _organisation(integration, claims)
    if organisation is not None:
        Membership.objects.get_or_create(user=user, organisation=organisation)
    return Entry(
        integration=integration,
        user=user,
        organisation=organisation,
        prefill=_prefill(integration, claims, organisation),
        next_path=safe_next(claims.get("next")),
    )


def enter_with_token(token: str, *, remote_ip: str | None = None) -> Entry:
    """Verify and spend a link, then provision its customer. Logs the outcome
    (refusals included) and raises EntryRefused when the link cannot be used."""
    try:
        integration, claims = read_token(token)
        # Spent before anything else: a refused link cannot be tried again.
        token_spend(integration=integration, claims=claims)
        entry = entry_provision(integration=integration, claims=claims)
    except EntryRefused as refusal:
        log_refusal(refusal, remote_ip=remote_ip)
        raise
    detail = ""
    if claims.get("next") is not None and entry.next_path is None:
        detail = "next ignored: not a path on this site"
    IntegrationLogEntry.objects.create(
        integration=integration,
        outcome=Outcome.ACCEPTED,
        remote_ip=remote_ip,
        email=entry.user.email,
        user=entry.user,
        detail=detail,
    )
    logger.info("In-app entry accepted: integration=%s user=%s", integration.slug, entry.user.pk)
    return entry


def log_refusal(refusal: EntryRefused, *, remote_ip: str | None = None) -> None:
    IntegrationLogEntry.objects.create(
        integration=refusal.integration,
        outcome=Outcome.REFUSED,
        reason=refusal.reason,
        detail=refusal.detail[:300],
        remote_ip=remote_ip,
        email=refusal.email[:254],
    )
    logger.warning(
        "In-app entry refused: reason=%s integration=%s ip=%s email=%s detail=%s",
        refusal.reason,
        refusal.integration.slug if refusal.integration else "-",
        remote_ip or "-",
        refusal.email or "-",
        refusal.detail or "-",
    )


def purge_expired(*, now: datetime | None = None, log_days: int = 90) -> dict[str, int]:
    """Forget spent tokens that have expired anyway, and old log entries."""
    now = now or timezone.now()
    tokens, _detail = UsedToken.objects.filter(expires_at__lt=now).delete()
    entries, _detail = IntegrationLogEntry.objects.filter(
        created_at__lt=now - timedelta(days=log_days)
    ).delete()
    return {"tokens": tokens, "log_entries": entries}
