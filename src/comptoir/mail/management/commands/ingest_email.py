"""``manage.py ingest_email [--mailbox ADDRESS] PATH... | -``

Takes .eml files, mbox files (several mails each) or a directory of them, or
one mail on standard input (a mail server's pipe), and prints one JSON line per
mail. Exits 75 (EX_TEMPFAIL, "try again later" for mail servers) when a mail
could not even be stored; a mail that is stored is never lost, whatever its fate.

Mail is taken in batches (``mail_ingest_many``): each batch is stored first,
then routed, a few mails per transaction; each mail lands whole or stays
stored, to be retried.
"""

from __future__ import annotations

import json
import mailbox as mbox
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from comptoir.mail.ingest import mail_ingest_many
from comptoir.mail.models import Mailbox

EX_TEMPFAIL = 75
# Mails per batch, and the most bytes a batch holds in memory.
BATCH_SIZE = 100
BATCH_BYTES = 32 * 1024 * 1024


def _messages(path: Path) -> Iterator[tuple[str, bytes]]:
    if path.is_dir():
        for child in sorted(p for p in path.rglob("*") if p.is_file()):
            yield from _messages(child)
        return
    with path.open("rb") as handle:
        head = handle.read(5)
    if head == b"From ":
        box = mbox.mbox(str(path), create=False)
        try:
            keys = list(box.keys())
            for index, key in enumerate(keys):
                source = str(path) if len(keys) == 1 else f"{path}#{index + 1}"
                yield source, box.get_bytes(key, from_=False)
        finally:
            box.close()
        return
    yield str(path), path.read_bytes()


def _batches(items: Iterator[tuple[str, bytes]]) -> Iterator[list[tuple[str, bytes]]]:
    batch: list[tuple[str, bytes]] = []
    size = 0
    for source, raw in items:
        batch.append((source, raw))
        size += len(raw)
        if len(batch) >= BATCH_SIZE or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


class Command(BaseCommand):
    help = "Ingest mail from .eml or mbox files, or from standard input (-)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH", help="files, directories or -")
        parser.add_argument("--mailbox", help="address of the mailbox the mail arrived in")

    def handle(self, *args: Any, **options: Any) -> None:
        mailbox = None
        if options["mailbox"]:
            mailbox = Mailbox.objects.filter(address__iexact=options["mailbox"]).first()
            if mailbox is None:
                raise CommandError(f"No mailbox with the address {options['mailbox']}.")
        failed = False
        for path in options["paths"]:
            if path == "-":
                items: Iterator[tuple[str, bytes]] = iter([("-", sys.stdin.buffer.read())])
            elif not Path(path).exists():
                self._line({"source": path, "outcome": "rejected", "reason": "No such file."})
                continue
            else:
                items = _messages(Path(path))
            for batch in _batches(items):
                results = mail_ingest_many(
                    [(raw, source) for source, raw in batch], mailbox=mailbox
                )
                for (source, _raw), result in zip(batch, results, strict=True):
                    if isinstance(result, Exception):  # not stored: the sender must retry
                        failed = True
                        self._line({"source": source, "outcome": "failed", "reason": str(result)})
                    else:
                        self._line(result.as_json())
        if failed:
            sys.exit(EX_TEMPFAIL)

    def _line(self, data: dict[str, object]) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False))
