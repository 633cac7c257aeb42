"""Taking in one mail: stored raw first, deduplicated, then routed.

``mail_ingest`` is the one door for every way mail arrives (IMAP polling,
``ingest_email``, LMTP). The raw bytes are written to storage and an
``InboundMail`` row is committed before any parsing, so a crash or a bug
while parsing loses nothing: the row stays ``pending`` or ``failed`` and
``mail_reprocess`` takes it again.
"""

from __future__ import annotations

import hashlib
import logging
import re
import traceback
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import InboundMail, Mailbox, Outcome
from .parsing import decode_header_value, message_ids, parse_headers

logger = logging.getLogger(__name__)

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


def _envelope(raw: bytes, mailbox: Mailbox | None) -> dict[str, object]:
    """Sender, subject and mailbox from the headers, written with the row (the
    admin lists show them, notifications answer the sender in-thread); routing
    sets them again from the whole parse. Never stands in the way of storing."""
    from .routing import mailbox_for

    try:
        head = parse_headers(raw)
        return {
            "from_address": head.from_address[:254],
            "from_name": head.from_name[:200],
            "subject": head.subject[:500],
            "mailbox": mailbox or mailbox_for(head),
        }
    except Exception:  # the full parse will say what is wrong with this mail
        return {"mailbox": mailbox}


def _record(raw: bytes, *, mailbox: Mailbox | None, source: str) -> tuple[InboundMail, bool]:
    """The committed row for this delivery, and whether it is the first of its key."""
    sha = hashlib.sha256(raw).hexdigest()
    key, message_id = dedup_key(raw)
    name = _store_raw(raw, sha)
    fields = {
        **_envelope(raw, mailbox),
        "source": source[:300],
        "received_at": timezone.now(),
        "raw": name,
        "raw_size": len(raw),
        "raw_sha256": sha,
        "dedup_key": key,
        "message_id": message_id,
    }
    try:
        with transaction.atomic():
            return InboundMail.objects.create(**fields), True
    except IntegrityError:
        primary = InboundMail.objects.get(dedup_key=key, duplicate_of__isnull=True)
        duplicate = InboundMail.objects.create(
            **fields,
            duplicate_of=primary,
            outcome=Outcome.DUPLICATE,
            reason=f"Same message as incoming mail {primary.pk}.",
            processed_at=timezone.now(),
        )
        return duplicate, False


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
    refusal). Idempotent: the same mail again is recorded as a duplicate."""
    inbound, first = _record(raw, mailbox=mailbox, source=source)
    if first:
        return mail_reprocess(inbound=inbound)
    primary = inbound.duplicate_of
    if primary is not None and primary.outcome in (Outcome.PENDING, Outcome.FAILED):
        # The first delivery never finished: this one does its work.
        mail_reprocess(inbound=primary)
    inbound.refresh_from_db()
    if inbound.duplicate_of is not None:
        inbound.duplicate_of.refresh_from_db()
    return _result(inbound)


def mail_reprocess(*, inbound: InboundMail) -> IngestResult:
    """Route a stored mail that is pending or failed; others are left alone."""
    from .routing import route

    try:
        with transaction.atomic():
            locked = InboundMail.objects.select_for_update().get(pk=inbound.pk)
            if locked.outcome in (Outcome.PENDING, Outcome.FAILED):
                route(locked)
                routed = True
            else:
                routed = False
    except Exception as error:  # one bad mail must never block the others
        logger.exception("Incoming mail %s could not be processed", inbound.pk)
        InboundMail.objects.filter(pk=inbound.pk).update(
            outcome=Outcome.FAILED,
            reason=f"{type(error).__name__}: {error}\n\n{traceback.format_exc(limit=5)}"[:4000],
            processed_at=timezone.now(),
        )
        routed = False
    if routed:
        # Committed as routing left it: the caller's copy takes its state, no re-read.
        inbound.__dict__.update(locked.__dict__)
    else:
        inbound.refresh_from_db()
    return _result(inbound)
