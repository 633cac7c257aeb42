"""Generated tickets and conversations for ``demo_bulk``: what each ticket looks
like (``TicketBuilder.plan``) and how a batch is written (``TicketBuilder.write``)."""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate
from typing import Any

from comptoir.tickets.models import (
    DONE_CATEGORIES,
    Category,
    Channel,
    EventKind,
    Message,
    Priority,
    Product,
    Status,
    Theme,
    Ticket,
    TicketEvent,
    TicketType,
)

from . import demo
from .demo_bulk_sql import RowWriter
from .demo_bulk_text import TextMaker

# How many messages a conversation has (1 to 12), most of them short.
MESSAGE_COUNTS = list(range(1, 13))
MESSAGE_WEIGHTS = list(accumulate([10, 18, 16, 13, 10, 8, 7, 5, 4, 3, 3, 3]))
TYPE_WEIGHTS = {
    "help": 35,
    "bug": 25,
    "information": 12,
    "feature": 8,
    "problem": 8,
    "other": 6,
    "system-error": 6,
}
PRIORITY_WEIGHTS = {"low": 20, "normal": 50, "high": 22, "urgent": 8}
# Plain strings, not the enum members: they go straight to the database driver.
WEB, EMAIL, API = Channel.WEB.value, Channel.EMAIL.value, Channel.API.value
CHANNEL_WEIGHTS = {WEB: 70, EMAIL: 25, API: 5}
# Status weights by age in days: old tickets are nearly all closed, recent ones in progress.
STATUS_WEIGHTS: tuple[tuple[float, dict[str, int]], ...] = (
    (14, {"new": 20, "acknowledged": 12, "assigned": 18, "waiting": 18, "it-working": 10,
          "resolved": 15, "closed": 7}),
    (90, {"new": 3, "acknowledged": 4, "assigned": 10, "waiting": 12, "it-working": 8,
          "resolved": 20, "closed": 43}),
    (float("inf"), {"new": 1, "acknowledged": 1, "assigned": 2, "waiting": 2, "it-working": 2,
                    "resolved": 4, "closed": 88}),
)  # fmt: skip
DEFECT_TYPES = {"bug", "problem", "system-error"}
REPRODUCIBILITY = ("always", "sometimes", "random", "once", "not-tried")
IMPACT = ("blocking", "several", "one", "cosmetic")
STEPS = {
    "fr": "1. Ouvrir le module concerné\n2. Enregistrer la fiche\n3. Le message d'erreur apparaît",
    "en": "1. Open the module\n2. Save the record\n3. The error message appears",
}
INTERNAL_SHARE = 0.18
MEAN_GAP = 10 * 3600  # seconds between two messages, on average


@dataclass(frozen=True)
class Person:
    pk: int
    first_name: str
    language: str
    organisations: tuple[int, ...] = ()


@dataclass(frozen=True)
class Team:
    group: int
    agents: list[Person]


class _Weighted:
    """A weighted choice restricted to the slugs that exist in the database."""

    def __init__(self, weights: dict[str, int], known: dict[str, Any]) -> None:
        self.values = [slug for slug in weights if slug in known] or list(known)
        self.cum = list(accumulate(weights.get(slug, 1) for slug in self.values))

    def pick(self, rng: random.Random) -> str:
        return self.values[bisect(self.cum, rng.random() * self.cum[-1])]


class Reference:
    """Statuses, types, priorities and catalogue, loaded once per run."""

    def __init__(self) -> None:
        if not Product.objects.exists():
            demo.seed_catalogue()
        self.statuses = {s.slug: s for s in Status.objects.filter(active=True)}
        self.types = {t.slug: t.pk for t in TicketType.objects.filter(active=True)}
        self.priorities = {p.slug: p.pk for p in Priority.objects.filter(active=True)}
        self.products = list(Product.objects.filter(active=True).values_list("pk", flat=True))
        self.themes_of: dict[int, list[int]] = {pk: [] for pk in self.products}
        links = Theme.products.through.objects.filter(theme__active=True)
        for product_id, theme_id in links.values_list("product_id", "theme_id"):
            if product_id in self.themes_of:
                self.themes_of[product_id].append(theme_id)
        self.modules = list(Theme.objects.values_list("name", flat=True))
        self.status_by_age = [(limit, _Weighted(w, self.statuses)) for limit, w in STATUS_WEIGHTS]
        self.type_choice = _Weighted(TYPE_WEIGHTS, self.types)
        self.priority_choice = _Weighted(PRIORITY_WEIGHTS, self.priorities)
        self.channel_choice = _Weighted(CHANNEL_WEIGHTS, {c: c for c in CHANNEL_WEIGHTS})
        # The newest tickets take every status, type and priority in turn, so all appear.
        self.every_status = sorted(self.statuses, key=lambda slug: self.statuses[slug].order)
        self.every_type = list(self.types)
        self.every_priority = list(self.priorities)


TICKET_FIELDS = (
    "number",
    "subject",
    "requester_id",
    "organisation_id",
    "type_id",
    "priority_id",
    "status_id",
    "category",
    "assignee_id",
    "group_id",
    "channel",
    "language",
    "custom_fields",
    "created_at",
    "updated_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
)
MESSAGE_FIELDS = (
    "ticket_id",
    "author_id",
    "internal",
    "channel",
    "created_at",
    "body_html",
    "body_text",
)


@dataclass
class Plan:
    ticket: list[Any]  # values of TICKET_FIELDS; the number is set when written
    # (author id, internal, channel, created_at, body_html, body_text)
    messages: list[tuple[int, bool, str, datetime, str, str]] = field(default_factory=list)
    products: list[int] = field(default_factory=list)
    themes: list[int] = field(default_factory=list)


class TicketBuilder:
    def __init__(
        self,
        rng: random.Random,
        ref: Reference,
        contacts: list[Person],
        teams: list[Team],
        text: TextMaker,
        now: datetime,
    ) -> None:
        self.rng, self.ref, self.contacts, self.teams = rng, ref, contacts, teams
        self.text, self.now = text, now
        self.tickets = RowWriter(Ticket, TICKET_FIELDS)
        self.messages = RowWriter(Message, MESSAGE_FIELDS)
        self.events = RowWriter(TicketEvent, ("ticket_id", "actor_id", "kind", "created_at"))
        self.products = RowWriter(Ticket.products.through, ("ticket_id", "product_id"))
        self.themes = RowWriter(Ticket.themes.through, ("ticket_id", "theme_id"))

    def _pick(self, items: list[Any] | tuple[Any, ...]) -> Any:
        # Quicker than rng.choice, which matters a million times over.
        return items[int(self.rng.random() * len(items))]

    def _slugs(self, created: datetime, newest_rank: int) -> tuple[str, str, str]:
        ref, rng = self.ref, self.rng
        age = (self.now - created).total_seconds() / 86400
        status = next(choice for limit, choice in ref.status_by_age if age < limit).pick(rng)
        kind = ref.type_choice.pick(rng)
        priority = ref.priority_choice.pick(rng)
        if newest_rank < len(ref.every_status):
            status = ref.every_status[newest_rank]
        if newest_rank < len(ref.every_type):
            kind = ref.every_type[newest_rank]
        if newest_rank < len(ref.every_priority):
            priority = ref.every_priority[newest_rank]
        return status, kind, priority

    def _shape(self, category: str) -> list[bool | None]:
        """Who writes each message: None for the customer, else the agent's
        ``internal`` flag; the last message fits the category."""
        rng = self.rng
        if category == Category.NEW:
            count = 2 if rng.random() < 0.2 else 1
        else:
            count = MESSAGE_COUNTS[bisect(MESSAGE_WEIGHTS, rng.random() * MESSAGE_WEIGHTS[-1])]
            if category == Category.PENDING_CUSTOMER and count % 2:
                count += 1  # waiting for the customer: an agent answered last
        shape: list[bool | None] = [
            None if i % 2 == 0 else rng.random() < INTERNAL_SHARE for i in range(count)
        ]
        if count % 2 == 0:
            if category == Category.PENDING_CUSTOMER:
                shape[-1] = False
            elif category in (Category.NEW, Category.OPEN, Category.PENDING_INTERNAL):
                shape[-1] = True  # still with support: the agent's last word is a note
        return shape

    def _moments(self, created: datetime, count: int, done: bool) -> list[datetime]:
        """Message times, then resolution and closing times when ``done``."""
        rng = self.rng
        offsets = [0.0]
        for _ in range(count - 1 + (2 if done else 0)):
            offsets.append(offsets[-1] + 180 + rng.expovariate(1 / MEAN_GAP))
        room = (self.now - created).total_seconds() - 60
        scale = min(1.0, max(room, 0) / offsets[-1]) if offsets[-1] else 1.0
        return [created + timedelta(seconds=o * scale) for o in offsets]

    def plan(self, created: datetime, *, newest_rank: int) -> Plan:
        """One ticket and its conversation; the number is set when the batch is written."""
        rng, ref = self.rng, self.ref
        slug, kind, priority = self._slugs(created, newest_rank)
        status = ref.statuses[slug]
        category = status.category
        requester = self.contacts[int(len(self.contacts) * rng.random() ** 2)]
        team = self._pick(self.teams)
        # Assigned and IT-working tickets always have an agent, waiting and done ones mostly.
        must = status.when_assigned or category == Category.PENDING_INTERNAL
        may = category in (Category.PENDING_CUSTOMER, *DONE_CATEGORIES)
        assignee = self._pick(team.agents) if must or (may and rng.random() < 0.85) else None
        routed = assignee is not None or category != Category.NEW or rng.random() < 0.3
        language = requester.language
        channel = ref.channel_choice.pick(rng)
        custom: dict[str, str] = {}
        if kind in DEFECT_TYPES:
            custom = {"reproducibility": self._pick(REPRODUCIBILITY), "impact": self._pick(IMPACT)}
            if rng.random() < 0.4:
                custom["steps-to-reproduce"] = STEPS[language]
        shape = self._shape(category)
        done = category in DONE_CATEGORIES
        moments = self._moments(created, len(shape), done)
        messages: list[tuple[int, bool, str, datetime, str, str]] = []
        first_response = None
        for index, internal in enumerate(shape):
            at = moments[index]
            if internal is None:
                html, text = self.text.body(
                    language, "customer", author=requester.first_name, addressee=""
                )
                way = channel if index == 0 or channel != EMAIL else WEB
                messages.append((requester.pk, False, way, at, html, text))
                continue
            agent = assignee or self._pick(team.agents)
            html, text = self.text.body(
                language,
                "agent",
                author=agent.first_name,
                addressee=requester.first_name,
                internal=internal,
            )
            messages.append((agent.pk, internal, WEB, at, html, text))
            if not internal and first_response is None:
                first_response = at
        resolved = moments[-2] if done else None
        closed = moments[-1] if category == Category.CLOSED else None
        ticket = [
            0,
            self.text.subject(language),
            requester.pk,
            self._pick(requester.organisations) if requester.organisations else None,
            ref.types[kind],
            ref.priorities[priority],
            status.pk,
            category,
            assignee.pk if assignee else None,
            team.group if routed else None,
            channel,
            language,
            custom,
            created,
            closed or resolved or moments[len(shape) - 1],
            first_response,
            resolved,
            closed,
        ]
        plan = Plan(ticket, messages)
        if ref.products and rng.random() < 0.9:
            product = self._pick(ref.products)
            plan.products.append(product)
            themes = ref.themes_of.get(product) or []
            if themes:
                plan.themes.extend(rng.sample(themes, min(len(themes), int(rng.random() * 3))))
        return plan

    def write(self, plans: list[Plan], first_number: int) -> int:
        """Insert one batch numbered from ``first_number``; returns the messages written.
        Call inside a transaction."""
        for offset, plan in enumerate(plans):
            plan.ticket[0] = first_number + offset
        self.tickets.write(plan.ticket for plan in plans)
        last_number = first_number + len(plans) - 1
        pks = dict(
            Ticket.objects.filter(number__range=(first_number, last_number)).values_list(
                "number", "pk"
            )
        )
        ids = [pks[plan.ticket[0]] for plan in plans]
        written = self.messages.write(
            (pk, *message) for pk, plan in zip(ids, plans, strict=True) for message in plan.messages
        )
        self.events.write(
            (pk, plan.ticket[2], EventKind.CREATED.value, plan.ticket[13])
            for pk, plan in zip(ids, plans, strict=True)
        )
        self.products.write(
            (pk, value) for pk, plan in zip(ids, plans, strict=True) for value in plan.products
        )
        self.themes.write(
            (pk, value) for pk, plan in zip(ids, plans, strict=True) for value in plan.themes
        )
        return written
