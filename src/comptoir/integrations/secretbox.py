"""Integration secrets are stored encrypted (Fernet), with a key derived from
Django's ``SECRET_KEY``: a copy of the database alone does not reveal them.

Keys in ``SECRET_KEY_FALLBACKS`` still decrypt, so rotating Django's key keeps
integrations working; ``seal`` always uses the current key.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

SALT = b"comptoir.integrations.secret"


def _fernet(key: str) -> Fernet:
    digest = hashlib.sha256(SALT + key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _box() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(k) for k in keys])


def seal(plain: str) -> str:
    return _box().encrypt(plain.encode()).decode()


def unseal(sealed: str) -> str | None:
    """The secret, or None when it cannot be decrypted (empty, or the key changed)."""
    if not sealed:
        return None
    try:
        return _box().decrypt(sealed.encode()).decode()
    except (InvalidToken, ValueError):
        return None
