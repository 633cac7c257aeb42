"""Generated data at scale, for benchmarks: ``seed_demo --tickets N``.

This deliberately bypasses ``comptoir.tickets.services``. The services do
per-ticket work (a row lock, a counter update, sanitising, one event per
change, a notification task per call) that is right for real use and far too
slow for 100,000 tickets. Here rows are written directly, in batches of a few
thousand tickets, one transaction per batch: people and organisations with
``bulk_create``, tickets, messages and events with plain multi-row INSERTs
(``demo_bulk_sql``), because building a model instance per message alone
would take longer than the whole load may. The invariants the services keep
are kept by construction instead:

- ``Ticket.category`` is the category of the ticket's status;
- numbers come from ``TicketCounter`` (bumped per batch, inside the batch's
  transaction), so a later ``ticket_create`` continues after them;
- the conversation fits the status (a ticket waiting for the customer ends
  with an agent's public reply, a new ticket has no public answer, ...), and
  ``first_response_at``, ``resolved_at``, ``closed_at`` follow the messages;
- each ticket gets its "created" event.

Everything is drawn from one ``random.Random(seed)``: the same seed and count
give the same data (dates are relative to the moment of the run). Contacts,
organisations and agents that already exist (same email or name) are reused,
so the command can run again to add more tickets.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.text import slugify

from comptoir.accounts.models import Organisation, Role, SupportGroup, User
from comptoir.tickets.models import TicketCounter

from . import demo, demo_text
from .demo_bulk_pg import indexes_after_load
from .demo_bulk_text import TextMaker
from .demo_bulk_tickets import Person, Plan, Reference, Team, TicketBuilder

BATCH = 2_000  # tickets per transaction
AGENTS = 30
GROUPS = (
    "Support niveau 1",
    "Support niveau 2",
    "Équipe technique",
    "Facturation et paiements",
    "Grands comptes",
)
YEARS = 3


def contact_count(tickets: int) -> int:
    return min(50_000, max(100, tickets // 20))


def organisation_count(tickets: int) -> int:
    return min(5_000, max(10, tickets // 200))


@dataclass
class BulkReport:
    tickets: int = 0
    messages: int = 0
    contacts: int = 0
    organisations: int = 0
    agents: int = 0
    first_number: int = 0
    last_number: int = 0
    seconds: float = 0.0


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _pks_by(model: type[models.Model], field: str, values: Iterable[str]) -> dict[str, int]:
    """Primary keys of the rows whose ``field`` is in ``values`` (few queries)."""
    found: dict[str, int] = {}
    for chunk in _chunks(list(values), 2_000):
        rows = model._default_manager.filter(**{f"{field}__in": chunk}).values_list(field, "pk")
        found.update(rows)
    return found


def _organisations(count: int, rng: random.Random) -> list[int]:
    combos = [
        f"{kind} {place}{suffix}"
        for kind in demo_text.ORG_KINDS
        for place in demo_text.PLACES
        for suffix in demo_text.PLACE_SUFFIXES
    ]
    rng.shuffle(combos)
    names = combos[:count] + [f"{combos[i % len(combos)]} {i}" for i in range(len(combos), count)]
    existing = _pks_by(Organisation, "name", names)
    Organisation.objects.bulk_create(
        [Organisation(name=name) for name in names if name not in existing], batch_size=1_000
    )
    pks = _pks_by(Organisation, "name", names)
    return [pks[name] for name in names]


def _users(
    rows: list[tuple[str, str, str, str]], role: str, password_hash: str, joined: datetime
) -> dict[str, int]:
    """Create the (email, first, last, language) users that do not exist yet."""
    emails = [row[0] for row in rows]
    existing = _pks_by(User, "email", emails)
    User.objects.bulk_create(
        [
            User(
                email=email,
                first_name=first,
                last_name=last,
                language=language,
                role=role,
                password=password_hash,
                date_joined=joined,
            )
            for email, first, last, language in rows
            if email not in existing
        ],
        batch_size=2_000,
    )
    pks = _pks_by(User, "email", emails)
    EmailAddress.objects.bulk_create(
        [EmailAddress(user_id=pks[e], email=e, verified=True, primary=True) for e in emails],
        batch_size=2_000,
        ignore_conflicts=True,
    )
    return pks


def _names(rng: random.Random, count: int) -> list[tuple[str, str]]:
    return [
        (rng.choice(demo_text.FIRST_NAMES), rng.choice(demo_text.LAST_NAMES)) for _ in range(count)
    ]


def _contacts(count: int, orgs: list[int], rng: random.Random, password_hash: str) -> list[Person]:
    now = timezone.now()
    rows, memberships = [], []
    for i, (first, last) in enumerate(_names(rng, count)):
        email = f"{slugify(first)}.{slugify(last)}.{i + 1}@clients.example"
        language = "en" if rng.random() < 0.12 else "fr"
        member_of = [orgs[rng.randrange(len(orgs))]]
        if rng.random() < 0.05:
            member_of.append(orgs[rng.randrange(len(orgs))])
        rows.append((email, first, last, language))
        memberships.append(tuple(dict.fromkeys(member_of)))
    pks = _users(rows, Role.CUSTOMER, password_hash, now - timedelta(days=365 * YEARS + 30))
    through = User.organisations.through
    links = [
        through(user_id=pks[row[0]], organisation_id=org)
        for row, member_of in zip(rows, memberships, strict=True)
        for org in member_of
    ]
    through.objects.bulk_create(links, batch_size=2_000, ignore_conflicts=True)
    return [
        Person(pks[row[0]], row[1], row[3], member_of)
        for row, member_of in zip(rows, memberships, strict=True)
    ]


def _agents(rng: random.Random, password_hash: str) -> list[Team]:
    """30 agents in 5 groups; returns each group with its agents."""
    rows, seen = [], set()
    for first, last in _names(rng, 500):
        email = f"{slugify(first)}.{slugify(last)}@equipe.comptoir.localhost"
        if email not in seen:
            seen.add(email)
            rows.append((email, first, last, "fr"))
        if len(rows) == AGENTS:
            break
    pks = _users(rows, Role.AGENT, password_hash, timezone.now() - timedelta(days=365 * YEARS + 60))
    groups = [SupportGroup.objects.get_or_create(name=name)[0] for name in GROUPS]
    through = SupportGroup.agents.through
    teams = [Team(group.pk, []) for group in groups]
    links = []
    for i, (email, first, _last, language) in enumerate(rows):
        team = teams[i % len(teams)]
        team.agents.append(Person(pks[email], first, language))
        links.append(through(supportgroup_id=team.group, user_id=pks[email]))
    through.objects.bulk_create(links, ignore_conflicts=True)
    return teams


def _reserve_numbers(count: int) -> int:
    """Take ``count`` numbers from the counter; returns the first. Call inside a transaction."""
    TicketCounter.objects.filter(pk=1).update(value=models.F("value") + count)
    return TicketCounter.objects.values_list("value", flat=True).get(pk=1) - count + 1


@contextmanager
def _sqlite_without_fsync() -> Iterator[None]:
    """On SQLite, hand the writes to the OS without waiting for the disk.

    A gigabyte goes through the write-ahead log and is copied into the
    database at each checkpoint; with the usual ``synchronous = NORMAL`` every
    checkpoint waits for the disk, which on an ordinary disk takes longer than
    everything else together. With ``OFF`` a crash of this process still
    loses nothing committed; only an OS crash or power cut during the load
    could damage the file, an acceptable risk for generating benchmark data.
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        # (SQLite refuses the change inside a transaction, as in tests.)
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        previous = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA cache_size")
        cache = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA synchronous = OFF")
        cursor.execute("PRAGMA cache_size = -262144")  # 256 MiB for the indexes being filled
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA synchronous = {previous}")
            cursor.execute(f"PRAGMA cache_size = {cache}")


def load_bulk(
    count: int,
    *,
    seed: int = 42,
    batch_size: int = BATCH,
    progress: Callable[[int, int], None] | None = None,
) -> BulkReport:
    """Create ``count`` tickets with their conversations, people and organisations."""
    started = time.perf_counter()
    rng = random.Random(seed)
    # One hash for all generated users: hashing each would take hours.
    password_hash = make_password(demo.PASSWORD)
    ref = Reference()
    with transaction.atomic():
        orgs = _organisations(organisation_count(count), rng)
        contacts = _contacts(contact_count(count), orgs, rng, password_hash)
        teams = _agents(rng, password_hash)
        TicketCounter.objects.get_or_create(pk=1, defaults={"value": 1000})
    report = BulkReport(
        contacts=len(contacts), organisations=len(orgs), agents=sum(len(t.agents) for t in teams)
    )
    now = timezone.now()
    span = timedelta(days=365 * YEARS).total_seconds()
    # Sorted so that numbers grow with the creation dates, as they would in real use.
    created = sorted(now - timedelta(seconds=span * rng.random()) for _ in range(count))
    # A smaller sentence ring for a small load: its set-up is a fixed cost.
    text = TextMaker(rng, ref.modules, ring=min(30_000, 1_000 + count * 3))
    builder = TicketBuilder(rng, ref, contacts, teams, text, now)
    with _sqlite_without_fsync(), indexes_after_load(count):
        _load_tickets(builder, created, batch_size, report, progress)
    report.seconds = time.perf_counter() - started
    return report


def _load_tickets(
    builder: TicketBuilder,
    created: list[datetime],
    batch_size: int,
    report: BulkReport,
    progress: Callable[[int, int], None] | None,
) -> None:
    """Write the tickets batch by batch while the next batch is planned.

    Planning (mostly text) runs in a second thread: SQLite and PostgreSQL
    drivers release the GIL while the database works, so the two overlap.
    Only that thread draws random numbers, in batch order, so the data stays
    the same from run to run. It never touches the database.
    """
    count = len(created)

    def plan(start: int) -> list[Plan]:
        return [
            builder.plan(moment, newest_rank=count - 1 - (start + i))
            for i, moment in enumerate(created[start : start + batch_size])
        ]

    with ThreadPoolExecutor(max_workers=1) as planner:
        upcoming = planner.submit(plan, 0)
        for start in range(0, count, batch_size):
            batch = upcoming.result()
            if start + batch_size < count:
                upcoming = planner.submit(plan, start + batch_size)
            # The write lock is held for the inserts only, not for the planning.
            with transaction.atomic():
                first = _reserve_numbers(len(batch))
                report.messages += builder.write(batch, first)
            report.first_number = report.first_number or first
            report.last_number = first + len(batch) - 1
            report.tickets += len(batch)
            if progress is not None:
                progress(report.tickets, count)
