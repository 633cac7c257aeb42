"""Shared by the ``seed_demo`` tests."""

from __future__ import annotations

from io import StringIO

from allauth.account.models import EmailAddress
from django.core.management import call_command

from comptoir.accounts.models import Organisation, SupportGroup, User
from comptoir.tickets.models import Message, Product, Theme, Ticket, TicketEvent

LOGINS = (
    "claire.martin@exemple.fr",
    "julien.roux@exemple.fr",
    "agent@comptoir.localhost",
    "admin@comptoir.localhost",
)
MODELS = (
    User,
    EmailAddress,
    Organisation,
    SupportGroup,
    Product,
    Theme,
    Ticket,
    Message,
    TicketEvent,
)


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in MODELS}
