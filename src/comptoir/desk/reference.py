"""The helpdesk's reference data that every desk page offers and names:
statuses, types, priorities, groups, products, themes, custom fields and the
agents.

Small tables read on every page and seldom changed: they are kept with the
helpdesk's configuration (``tickets.services.config_cached``: a few seconds
per process, emptied when one of their rows is saved or deleted here), so a
page usually reads them with no query at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from comptoir.accounts.models import Role, SupportGroup, User
from comptoir.tickets.models import (
    CustomField,
    Priority,
    Product,
    Status,
    Theme,
    TicketType,
)

# Saving or deleting one of these forgets the kept configuration (statuses,
# types and priorities already do, as configuration of ticket changes).
MODELS = (SupportGroup, Product, Theme, CustomField)


@dataclass(frozen=True)
class Reference:
    """Every row, inactive ones included (the history names them); the
    ``active_*`` lists are what forms offer."""

    statuses: list[Status]
    types: list[TicketType]
    priorities: list[Priority]
    groups: list[SupportGroup]
    products: list[Product]
    themes: list[Theme]
    custom_fields: list[CustomField]
    # Active agents, supervisors and administrators, by name (offered in
    # lists; changes to who is an agent show within the keeping delay).
    agents: list[User]
    # What pages derive from these rows (choices, their HTML), kept as long as
    # the rows themselves: see ``kept``.
    derived: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def kept[T](self, key: Any, make: Callable[[], T]) -> T:
        """``make()``, made once for this reference data: forgotten with it
        (after the keeping delay, or at once when one of its rows changes).
        Put in ``key`` whatever else the value depends on (the language)."""
        try:
            return self.derived[key]  # type: ignore[no-any-return]
        except KeyError:
            value = self.derived[key] = make()
            return value

    @property
    def active_statuses(self) -> list[Status]:
        return [s for s in self.statuses if s.active]

    @property
    def active_types(self) -> list[TicketType]:
        return [t for t in self.types if t.active]

    @property
    def active_priorities(self) -> list[Priority]:
        return [p for p in self.priorities if p.active]

    @property
    def active_products(self) -> list[Product]:
        return [p for p in self.products if p.active]

    @property
    def active_themes(self) -> list[Theme]:
        return [t for t in self.themes if t.active]

    @property
    def active_custom_fields(self) -> list[CustomField]:
        return [c for c in self.custom_fields if c.active]


def _load() -> Reference:
    return Reference(
        statuses=list(Status.objects.all()),
        types=list(TicketType.objects.all()),
        priorities=list(Priority.objects.all()),
        groups=list(SupportGroup.objects.order_by("name")),
        products=list(Product.objects.order_by("name")),
        themes=list(Theme.objects.order_by("name")),
        custom_fields=list(CustomField.objects.all()),
        agents=list(
            User.objects.filter(is_active=True)
            .exclude(role=Role.CUSTOMER)
            .order_by("first_name", "last_name", "email")
        ),
    )


def reference() -> Reference:
    """The reference data, kept for a few seconds (else eight small queries).
    Shared between requests: read it, never change it."""
    from comptoir.tickets.services import config_cached

    return config_cached("desk:reference", _load)


def forget_reference(**kwargs: Any) -> None:
    """Empty the kept configuration: one of the reference rows changed."""
    from comptoir.tickets.services import config_cache_clear

    config_cache_clear()
