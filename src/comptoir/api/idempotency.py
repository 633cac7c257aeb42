"""``Idempotency-Key`` on requests that create something.

The answer to the first request is stored with the key in the same
transaction as what it created. The same key and the same request again get
that stored answer (with ``Idempotent-Replayed: true``) and create nothing;
the same key with another request is refused. Two copies sent at once: the
second one's insert of the key fails on the unique constraint, its whole
transaction (ticket included) rolls back, and it answers with the first one's
stored answer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from .errors import Conflict
from .models import IdempotencyKey

HEADER = "Idempotency-Key"
KEEP_FOR = timedelta(hours=24)


def _fingerprint(request: Request) -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    data = request.data
    keys = sorted(data.keys()) if hasattr(data, "keys") else []
    for key in keys:
        values = data.getlist(key) if hasattr(data, "getlist") else [data[key]]
        for value in values:
            if hasattr(value, "read"):
                digest.update(f"{key}=file:{getattr(value, 'name', '')}:{value.size}\n".encode())
            else:
                digest.update(f"{key}={json.dumps(value, sort_keys=True, default=str)}\n".encode())
    return digest.hexdigest()


def _replay(stored: IdempotencyKey, fingerprint: str) -> Response:
    if stored.fingerprint != fingerprint:
        raise Conflict(
            detail=_("This idempotency key was already used for a different request."),
            code="idempotency_key_reused",
        )
    return Response(
        stored.response, status=stored.status_code, headers={"Idempotent-Replayed": "true"}
    )


def _key(request: Request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > 255 or not key.isprintable() or not key.isascii():
        raise exceptions.ValidationError(
            {"non_field_errors": [_("The Idempotency-Key header must be 1 to 255 characters.")]}
        )
    return key


def idempotent(request: Request, create: Callable[[], Response]) -> Response:
    """Run ``create`` once per (user, key); without a key, just run it."""
    key = _key(request)
    if key is None:
        return create()
    fingerprint = _fingerprint(request)
    stored = IdempotencyKey.objects.filter(user=request.user, key=key).first()
    if stored is not None:
        return _replay(stored, fingerprint)
    try:
        with transaction.atomic():
            response = create()
            if 200 <= response.status_code < 300:
                body: Any = json.loads(JSONRenderer().render(response.data) or b"null")
                IdempotencyKey.objects.create(
                    user=request.user,
                    key=key,
                    fingerprint=fingerprint,
                    status_code=response.status_code,
                    response=body,
                )
    except IntegrityError:
        stored = IdempotencyKey.objects.filter(user=request.user, key=key).first()
        if stored is None:
            raise
        return _replay(stored, fingerprint)
    return response


def idempotency_keys_purge(*, now: Any = None) -> int:
    """Forget answers older than a day (a retry comes within minutes)."""
    now = now or timezone.now()
    deleted, _rows = IdempotencyKey.objects.filter(created_at__lt=now - KEEP_FOR).delete()
    return deleted
