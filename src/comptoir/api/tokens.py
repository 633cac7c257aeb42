"""Personal API tokens: created, looked up, revoked.

A token reads ``cpt_<prefix>_<secret>``. The prefix finds the row; only a
SHA-256 of the whole token is stored (tokens are long random strings, so a
fast hash loses nothing against guessing), compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.accounts.models import User

from .models import ApiToken

TOKEN_PREFIX = "cpt_"
# last_used_at is written at most this often, not on every request.
LAST_USED_PRECISION = timedelta(minutes=1)
MAX_TOKENS_PER_USER = 50


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    # The only time the full token exists outside the client.
    plain: str


def _digest(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, user: User, name: str, expires_at: datetime | None = None, now: datetime | None = None
) -> NewToken:
    """A new token for ``user``; the returned ``plain`` value is shown once."""
    now = now or timezone.now()
    name = " ".join((name or "").split())[:100]
    if not name:
        raise ValidationError(_("Give the token a name, such as the tool that will use it."))
    if expires_at is not None and expires_at <= now:
        raise ValidationError(_("The expiry date must be in the future."))
    User.objects.select_for_update().filter(pk=user.pk).first()
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_TOKENS_PER_USER:
        raise ValidationError(_("You have too many tokens. Revoke the ones you no longer use."))
    prefix = secrets.token_hex(6)
    plain = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        secret_hash=_digest(plain),
        created_at=now,
        expires_at=expires_at,
    )
    return NewToken(token=token, plain=plain)


def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    """Revoke ``token`` (its owner or a superuser); revoking twice changes nothing."""
    if token.user_id != actor.pk and not actor.is_superuser:
        raise ValidationError(_("This token is not yours."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=token.revoked_at
        )
    return token


def api_token_lookup(plain: str, *, now: datetime | None = None) -> ApiToken | None:
    """The usable token ``plain`` names, with its active user, or None."""
    if not plain.startswith(TOKEN_PREFIX) or len(plain) > 200:
        return None
    prefix, _sep, secret = plain[len(TOKEN_PREFIX) :].partition("_")
    if not prefix or not secret:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=prefix[:16]).first()
    if token is None or not hmac.compare_digest(token.secret_hash, _digest(plain)):
        return None
    now = now or timezone.now()
    if not token.is_usable(now) or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        token.last_used_at = now
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
