"""Polling a mailbox over IMAP by UID.

Progress is the last UID ingested (valid with the folder's UIDVALIDITY) and
is saved after every message, so a server that stops in the middle of a poll
loses nothing and repeats nothing. The unread flag is never relied on (the
fetch does not even set it) and mail is never deleted; moving processed mail
to another folder is a mailbox setting.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from imapclient import IMAPClient

from .ingest import IngestResult, mail_ingest
from .models import Mailbox, Security

logger = logging.getLogger(__name__)

POLL_INTERVAL = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=1)
LEASE = timedelta(minutes=15)
TIMEOUT = 60


@dataclass
class PollResult:
    results: list[IngestResult] = field(default_factory=list)
    error: str = ""


def backoff(failures: int) -> timedelta:
    return min(timedelta(minutes=2 ** max(failures - 1, 0)), MAX_BACKOFF)


def mailboxes_due() -> list[int]:
    now = timezone.now()
    return list(
        Mailbox.objects.filter(active=True)
        .exclude(imap_host="")
        .filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))
        .values_list("pk", flat=True)
    )


def _take_lease(mailbox: Mailbox) -> bool:
    """One poller per mailbox at a time, across processes and machines."""
    now = timezone.now()
    return bool(
        Mailbox.objects.filter(pk=mailbox.pk)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + LEASE)
    )


def connect(mailbox: Mailbox) -> IMAPClient:
    client = IMAPClient(
        mailbox.imap_host,
        port=mailbox.imap_port,
        ssl=mailbox.imap_security == Security.TLS,
        timeout=TIMEOUT,
    )
    if mailbox.imap_security == Security.STARTTLS:
        client.starttls()
    client.login(mailbox.imap_user or mailbox.address, mailbox.imap_password)
    return client


def _move(client: IMAPClient, uid: int, folder: str) -> None:
    if client.has_capability("MOVE"):
        client.move([uid], folder)
        return
    client.copy([uid], folder)
    client.add_flags([uid], [b"\\Deleted"])
    if client.has_capability("UIDPLUS"):
        client.uid_expunge([uid])
    else:
        client.expunge()


def _new_uids(client: IMAPClient, mailbox: Mailbox) -> list[int]:
    info = client.select_folder(mailbox.imap_folder, readonly=not mailbox.processed_folder)
    validity = int(info.get(b"UIDVALIDITY", 0))
    if mailbox.uid_validity != validity:
        # A new UIDVALIDITY means old UIDs mean nothing: start over; the
        # Message-ID deduplication keeps what was already taken from coming back.
        mailbox.uid_validity, mailbox.last_uid = validity, 0
        Mailbox.objects.filter(pk=mailbox.pk).update(uid_validity=validity, last_uid=0)
    if mailbox.processed_folder and not client.folder_exists(mailbox.processed_folder):
        client.create_folder(mailbox.processed_folder)
    uids = client.search(["UID", f"{mailbox.last_uid + 1}:*"])
    # "n:*" always matches the last message, even when its UID is below n.
    return sorted(int(u) for u in uids if int(u) > mailbox.last_uid)


def _fetch_and_ingest(client: IMAPClient, mailbox: Mailbox, result: PollResult) -> None:
    for uid in _new_uids(client, mailbox):
        fetched = client.fetch([uid], ["BODY.PEEK[]"]).get(uid, {})
        raw = fetched.get(b"BODY[]")
        if raw is None:
            continue
        source = f"imap:{mailbox.address}/{mailbox.imap_folder}/{mailbox.uid_validity}/{uid}"
        result.results.append(mail_ingest(raw=raw, mailbox=mailbox, source=source))
        if mailbox.processed_folder:
            _move(client, uid, mailbox.processed_folder)
        mailbox.last_uid = uid
        Mailbox.objects.filter(pk=mailbox.pk).update(last_uid=uid)


def mailbox_poll(*, mailbox: Mailbox) -> PollResult:
    """Ingest what arrived since the last poll. Errors are recorded on the
    mailbox (shown to admins) and the next poll backs off; never raises."""
    result = PollResult()
    if not _take_lease(mailbox):
        result.error = "Another poll of this mailbox is running."
        return result
    mailbox.refresh_from_db()
    client = None
    try:
        client = connect(mailbox)
        _fetch_and_ingest(client, mailbox, result)
    except Exception as error:  # the server, the network, the login: all retried later
        result.error = f"{type(error).__name__}: {error}"
        logger.warning("Polling %s failed: %s", mailbox.address, result.error)
    finally:
        if client is not None:
            try:
                client.logout()
            except Exception:  # the connection may be gone already
                logger.debug("IMAP logout failed", exc_info=True)
    now = timezone.now()
    failures = mailbox.failures + 1 if result.error else 0
    Mailbox.objects.filter(pk=mailbox.pk).update(
        lease_until=None,
        last_polled_at=now,
        failures=failures,
        last_error=result.error[:2000],
        next_poll_at=now + (backoff(failures) if result.error else POLL_INTERVAL),
    )
    return result
