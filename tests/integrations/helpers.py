"""Signing links the way an application does, for the in-app entry tests."""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
from django.urls import reverse

from comptoir.integrations import services
from comptoir.integrations.models import Integration

ENTER = reverse("integrations:enter")


def make_integration(slug: str = "planning-app", **fields: Any) -> tuple[Integration, str]:
    """An integration and its secret, as shown once to the administrator."""
    fields.setdefault("name", "Planning app")
    integration = Integration.objects.create(slug=slug, **fields)
    secret = services.integration_set_secret(integration=integration)
    return integration, secret


def claims_for(email: str = "marie@lutins.example", **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iat": now,
        "exp": now + 120,
        "jti": uuid.uuid4().hex,
        "email": email,
        "name": "Marie Martin",
        "org_id": "C-1042",
        "org_name": "Crèche Les Lutins",
    }
    for name, value in changes.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def sign(secret: str, claims: dict[str, Any], kid: str | None = "planning-app") -> str:
    headers = {"kid": kid} if kid is not None else None
    return jwt.encode(claims, secret, algorithm="HS256", headers=headers)


def link(token: str) -> str:
    return f"{ENTER}?token={token}"
