"""``manage.py seed_demo``: demo data for a first look, or a large data set for benchmarks."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test.utils import override_settings

from comptoir.core.demo import PASSWORD, seed_demo
from comptoir.core.demo_bulk import load_bulk
from comptoir.kb.demo import seed_articles
from comptoir.search.index import reindex_all
from comptoir.tickets.models import Ticket

# The services enqueue a notification per change. While seeding, tasks go to
# the dummy backend: no mail to the demo addresses and no pile of jobs left
# in the database queue for the worker to send later.
NO_TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


class Command(BaseCommand):
    help = (
        "Load demo data: French organisations, customers, agents and about 30 tickets, "
        "with the demo logins. With --tickets N, generate N tickets instead (benchmarks)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already has tickets.",
        )
        parser.add_argument(
            "--tickets",
            type=int,
            metavar="N",
            help="Generate N tickets with conversations, contacts and organisations.",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=42,
            help="Random seed of the generated data (default 42); same seed, same data.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["tickets"]
        if count is not None and count < 1:
            raise CommandError("--tickets must be a positive number.")
        if options["if_empty"] and Ticket.objects.exists():
            self.stdout.write("Tickets already exist: demo data not loaded.")
            return
        with override_settings(TASKS=NO_TASKS):
            if count is None:
                self._demo()
            else:
                self._bulk(count, options["seed"], options["verbosity"])

    def _demo(self) -> None:
        report = seed_demo()
        articles = seed_articles()
        # The demo's dates were moved into the past after the services indexed
        # the tickets; index again so search ranks them by their shown dates.
        reindex_all()
        if articles:
            self.stdout.write(f"Knowledge base: {articles} articles added.")
        if report.created_tickets or report.created_users:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo data loaded: {report.created_users} users, "
                    f"{report.created_tickets} tickets."
                )
            )
        else:
            self.stdout.write("Demo data already present: nothing to add.")
        self.stdout.write(
            f"Logins (password {PASSWORD}): claire.martin@exemple.fr, julien.roux@exemple.fr, "
            "agent@comptoir.localhost, admin@comptoir.localhost"
        )

    def _bulk(self, count: int, seed: int, verbosity: int) -> None:
        shown = [0]

        def progress(done: int, total: int) -> None:
            # A line every 20,000 tickets (every batch with -v 2).
            if verbosity > 1 or done == total or done - shown[0] >= 20_000:
                shown[0] = done
                self.stdout.write(f"  {done:,} / {total:,} tickets")

        report = load_bulk(count, seed=seed, progress=progress if verbosity else None)
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {report.tickets:,} tickets (#{report.first_number} to "
                f"#{report.last_number}) with {report.messages:,} messages, "
                f"{report.contacts:,} contacts, {report.organisations:,} organisations and "
                f"{report.agents} agents in {report.seconds:.1f} s."
            )
        )
