"""Taking in mail: stored raw first, deduplicated, then routed.

``mail_ingest`` (one mail) and ``mail_ingest_many`` (a batch, for
``ingest_email`` on a folder) are the one door for every way mail arrives
(IMAP polling, ``ingest_email``, LMTP). The raw bytes are written to storage
and the ``InboundMail`` rows are committed before any parsing beyond the
headers, so a crash or a bug while parsing loses nothing: a row stays
``pending`` or ``failed`` and ``mail_reprocess`` takes it again (as does a
second delivery of the same mail). A single mail is then routed in a
transaction of its own; a batch routes a few mails per transaction, and if one
of them fails the group is rolled back and each mail routed on its own. Either
way a mail lands whole, or not at all and stays to be retried.
"""

from __future__ import annotations

import hashlib
import logging
import re
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from .lookups import Lookups
from .models import InboundMail, Mailbox, Outcome
from .parsing import ParsedMail, decode_header_value, message_ids, parse_headers

logger = logging.getLogger(__name__)

# Mails routed in one transaction by a batch. A commit waits for the disk; the
# locks routing takes (the ticket counter, the tickets answered) are held until
# the commit, so a group stays short (tens of milliseconds).
MAILS_PER_TRANSACTION = 10

# Headers that differ between two deliveries of one mail (trace, per-mailbox).
_IDENTITY_HEADERS = (b"from", b"to", b"cc", b"date", b"subject")


@dataclass(frozen=True)
class IngestResult:
    source: str
    outcome: str
    ticket: int | None
    message_id: str
    from_address: str
    subject: str
    attachments: int
    reason: str
    inbound_id: int | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "source": self.source,
            "outcome": self.outcome,
            "ticket": self.ticket,
            "message_id": self.message_id,
            "from": self.from_address,
            "subject": self.subject,
            "attachments": self.attachments,
            "reason": self.reason,
        }


def _split(raw: bytes) -> tuple[bytes, bytes]:
    match = re.search(rb"\r?\n\r?\n", raw)
    return (raw[: match.start()], raw[match.end() :]) if match else (raw, b"")


def _header_values(head: bytes, name: bytes) -> list[bytes]:
    unfolded = re.sub(rb"\r?\n[ \t]+", b" ", head)
    pattern = re.compile(rb"^" + re.escape(name) + rb"[ \t]*:[ \t]*(.*?)\r?$", re.I | re.M)
    return [m.group(1).strip() for m in pattern.finditer(unfolded)]


def dedup_key(raw: bytes) -> tuple[str, str]:
    """(key, Message-ID): the Message-ID, or a hash of what identifies the mail
    whatever mailbox it went through (body and author headers, not trace headers)."""
    head, body = _split(raw)
    values = _header_values(head, b"message-id")
    ids = (
        message_ids(decode_header_value(values[0].decode("ascii", "surrogateescape")))
        if values
        else []
    )
    if ids:
        return f"mid:{ids[0]}"[:255], ids[0]
    digest = hashlib.sha256()
    for name in _IDENTITY_HEADERS:
        for value in _header_values(head, name):
            digest.update(name + b":" + value + b"\n")
    digest.update(body)
    return f"sha:{digest.hexdigest()}", ""


def _store_raw(raw: bytes, sha: str) -> str:
    """Content-addressed: the same bytes delivered twice are stored once."""
    name = f"mail/raw/{sha[:2]}/{sha}.eml"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(raw))
    return name


def _envelope(raw: bytes, mailbox: Mailbox | None) -> tuple[dict[str, object], ParsedMail | None]:
    """Sender, subject and mailbox from the headers, written with the row (the
    admin lists show them, notifications answer the sender in-thread); routing
    sets them again from the whole parse. Never stands in the way of storing.
    Also returns the parsed headers, from which a batch reads what it looks up."""
    from .routing import mailbox_for

    try:
        head = parse_headers(raw)
        return {
            "from_address": head.from_address[:254],
            "from_name": head.from_name[:200],
            "subject": head.subject[:500],
            "mailbox": mailbox or mailbox_for(head),
        }, head
    except Exception:  # the full parse will say what is wrong with this mail
        return {"mailbox": mailbox}, None


@dataclass
class _Stored:
    """A mail whose bytes are in storage, ready to be recorded."""

    raw: bytes
    key: str
    fields: dict[str, object]
    head: ParsedMail | None


def _store(raw: bytes, *, mailbox: Mailbox | None, source: str) -> _Stored:
    sha = hashlib.sha256(raw).hexdigest()
    key, message_id = dedup_key(raw)
    name = _store_raw(raw, sha)
    envelope, head = _envelope(raw, mailbox)
    fields = {
        **envelope,
        "source": source[:300],
        "received_at": timezone.now(),
        "raw": name,
        "raw_size": len(raw),
        "raw_sha256": sha,
        "dedup_key": key,
        "message_id": message_id,
    }
    return _Stored(raw=raw, key=key, fields=fields, head=head)


def _duplicate_row(stored: _Stored, primary: InboundMail) -> InboundMail:
    return InboundMail(
        **stored.fields,
        duplicate_of=primary,
        outcome=Outcome.DUPLICATE,
        reason=f"Same message as incoming mail {primary.pk}.",
        processed_at=timezone.now(),
    )


def _record(stored: _Stored) -> tuple[InboundMail, bool]:
    """The committed row for this delivery, and whether it is the first of its key."""
    try:
        with transaction.atomic():
            return InboundMail.objects.create(**stored.fields), True
    except IntegrityError:
        primary = InboundMail.objects.get(dedup_key=stored.key, duplicate_of__isnull=True)
        duplicate = _duplicate_row(stored, primary)
        duplicate.save(force_insert=True)
        return duplicate, False


def _record_many(batch: Sequence[_Stored]) -> list[tuple[InboundMail, bool]]:
    """The committed rows of a batch (keys distinct within it), in its order,
    written with one statement; duplicates of mail already taken are looked up
    only when the unique index says there are some."""
    rows = [InboundMail(**stored.fields) for stored in batch]
    try:
        with transaction.atomic():
            InboundMail.objects.bulk_create(rows)
        return [(row, True) for row in rows]
    except IntegrityError:
        pass
    primaries = {
        primary.dedup_key: primary
        for primary in InboundMail.objects.filter(
            dedup_key__in=[stored.key for stored in batch], duplicate_of__isnull=True
        )
    }
    rows = [
        _duplicate_row(stored, primaries[stored.key])
        if stored.key in primaries
        else InboundMail(**stored.fields)
        for stored in batch
    ]
    try:
        with transaction.atomic():
            InboundMail.objects.bulk_create(rows)
        return [(row, row.duplicate_of_id is None) for row in rows]
    except IntegrityError:  # another process took one of these meanwhile
        return [_record(stored) for stored in batch]


def _result(inbound: InboundMail) -> IngestResult:
    target = inbound.duplicate_of or inbound
    return IngestResult(
        source=inbound.source,
        outcome=inbound.outcome,
        ticket=target.ticket.number if target.ticket_id else None,  # type: ignore[union-attr]
        message_id=inbound.message_id,
        from_address=target.from_address,
        subject=target.subject,
        attachments=target.attachment_count,
        reason=inbound.reason,
        inbound_id=inbound.pk,
    )


def mail_ingest(*, raw: bytes, mailbox: Mailbox | None = None, source: str = "") -> IngestResult:
    """Store ``raw`` and turn it into a ticket or a ticket message (or a reasoned
    refusal). Idempotent: the same mail again is recorded as a duplicate.
    Raises when the mail could not be stored."""
    result = mail_ingest_many([(raw, source)], mailbox=mailbox)[0]
    if isinstance(result, Exception):
        raise result
    return result


def mail_ingest_many(
    mails: Iterable[tuple[bytes, str]], *, mailbox: Mailbox | None = None
) -> list[IngestResult | Exception]:
    """``mail_ingest`` for several mails ``(raw, source)``, in their order, with
    the same guarantees for each: all are stored and their rows committed
    first, then each is routed in its own transaction. One result per mail; an
    exception in its place means that mail may not be stored (the sender must
    retry). The lookups routing needs are made once for the batch."""
    results: list[IngestResult | Exception | None] = []
    batch: list[tuple[int, _Stored]] = []
    for raw, source in mails:
        try:
            stored = _store(raw, mailbox=mailbox, source=source)
        except Exception as error:  # not stored: the sender must retry
            results.append(error)
            continue
        if any(other.key == stored.key for _index, other in batch):
            # The second copy must find the first one already taken.
            _ingest_batch(batch, results)
            batch = []
        batch.append((len(results), stored))
        results.append(None)
    _ingest_batch(batch, results)
    return [result for result in results if result is not None]


def _ingest_batch(
    batch: list[tuple[int, _Stored]], results: list[IngestResult | Exception | None]
) -> None:
    if not batch:
        return
    try:
        records = _record_many([stored for _index, stored in batch])
    except Exception as error:  # not stored: the sender must retry
        for index, _stored in batch:
            results[index] = error
        return
    lookups = Lookups.for_batch(
        [
            (inbound, stored.head)
            for (inbound, first), (_i, stored) in zip(records, batch, strict=True)
            if first
        ]
    )
    group: list[tuple[int, InboundMail, _Stored]] = []
    for (index, stored), (inbound, first) in zip(batch, records, strict=True):
        if first:
            group.append((index, inbound, stored))
            if len(group) >= MAILS_PER_TRANSACTION:
                _route_group(group, results, lookups)
                group = []
            continue
        _route_group(group, results, lookups)
        group = []
        try:
            results[index] = _duplicate_result(inbound)
        except Exception as error:  # stored, but its fate is unknown: let the sender retry
            results[index] = error
    _route_group(group, results, lookups)


def _route_group(
    group: list[tuple[int, InboundMail, _Stored]],
    results: list[IngestResult | Exception | None],
    lookups: Lookups,
) -> None:
    """Route mails just recorded, several in one transaction: one commit (one
    wait for the disk) for the group. Each mail still lands whole or not at
    all: if any of them fails, the whole group is rolled back and each of its
    mails is routed again in a transaction of its own."""
    from . import routing

    if len(group) > 1:
        try:
            with transaction.atomic():
                lookups.start_group()
                for _index, inbound, stored in group:
                    routing.route(inbound, stored.raw, lookups, stored.head)
                    lookups.mail_routed(inbound)
                routing.write_group(lookups)
        except Exception:  # one bad mail, or one routed meanwhile elsewhere
            logger.info("A group of incoming mails is routed again one by one", exc_info=True)
            lookups.forget()
        else:
            for index, inbound, _stored in group:
                results[index] = _result(inbound)
            return
    for index, inbound, stored in group:
        try:
            if len(group) > 1:
                inbound.refresh_from_db()  # what the rolled back routing left in memory
            results[index] = _route(inbound, stored=stored, lookups=lookups)
        except Exception as error:  # stored, but its fate is unknown: let the sender retry
            results[index] = error


def _duplicate_result(inbound: InboundMail) -> IngestResult:
    primary = inbound.duplicate_of
    if primary is not None and primary.outcome in (Outcome.PENDING, Outcome.FAILED):
        # The first delivery never finished: this one does its work.
        mail_reprocess(inbound=primary)
    inbound.refresh_from_db()
    if inbound.duplicate_of is not None:
        inbound.duplicate_of.refresh_from_db()
    return _result(inbound)


def _failed(inbound: InboundMail, error: Exception) -> None:
    logger.exception("Incoming mail %s could not be processed", inbound.pk)
    # Only over a pending or failed state: another process may have routed it since.
    InboundMail.objects.filter(pk=inbound.pk, outcome__in=(Outcome.PENDING, Outcome.FAILED)).update(
        outcome=Outcome.FAILED,
        reason=f"{type(error).__name__}: {error}\n\n{traceback.format_exc(limit=5)}"[:4000],
        processed_at=timezone.now(),
    )


def _route(inbound: InboundMail, *, stored: _Stored, lookups: Lookups) -> IngestResult:
    """Route a row just recorded as pending, without locking it first: routing's
    last statement writes the outcome only if the row is still pending."""
    from . import routing

    try:
        with transaction.atomic():
            routing.route(inbound, stored.raw, lookups, stored.head)
    except routing.AlreadyRouted:
        lookups.forget()
    except Exception as error:  # one bad mail must never block the others
        lookups.forget()
        _failed(inbound, error)
    else:
        lookups.mail_routed(inbound)
        return _result(inbound)
    inbound.refresh_from_db()
    return _result(inbound)


def mail_reprocess(*, inbound: InboundMail) -> IngestResult:
    """Route a stored mail that is pending or failed; others are left alone."""
    from . import routing

    try:
        with transaction.atomic():
            locked = InboundMail.objects.select_for_update().get(pk=inbound.pk)
            if locked.outcome in (Outcome.PENDING, Outcome.FAILED):
                routing.route(locked)
                routed = True
            else:
                routed = False
    except routing.AlreadyRouted:
        routed = False
    except Exception as error:  # one bad mail must never block the others
        _failed(inbound, error)
        routed = False
    if routed:
        # Committed as routing left it: the caller's copy takes its state, no re-read.
        inbound.__dict__.update(locked.__dict__)
    else:
        inbound.refresh_from_db()
    return _result(inbound)
