"""Polling a real Dovecot: by UID, nothing marked read, nothing deleted, nothing lost."""

import pytest
from imapclient import IMAPClient

from comptoir.mail.imap import mailbox_poll, mailboxes_due
from comptoir.mail.models import Mailbox
from comptoir.mail.tasks import poll_mailboxes
from comptoir.tickets.models import Ticket

from .conftest import deliver, imap_mailbox, make_mail

pytestmark = pytest.mark.django_db


def _flags_and_count(dovecot, folder="INBOX"):
    with IMAPClient("127.0.0.1", port=dovecot.port, ssl=False) as client:
        client.login("support@comptoir.localhost", "secret")
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        flags = client.get_flags(uids) if uids else {}
        return len(uids), [f for fl in flags.values() for f in fl]


def test_poll_takes_new_mail_once_without_marking_or_deleting(dovecot):
    mailbox = imap_mailbox(dovecot)
    for n in range(3):
        deliver(dovecot, make_mail(subject=f"Mail {n}"))

    first = mailbox_poll(mailbox=mailbox)
    assert first.error == "" and [r.outcome for r in first.results] == ["created"] * 3
    mailbox.refresh_from_db()
    assert mailbox.last_uid == 3 and mailbox.uid_validity and mailbox.failures == 0

    assert mailbox_poll(mailbox=mailbox).results == []
    deliver(dovecot, make_mail(subject="Mail 3"))
    assert [r.outcome for r in mailbox_poll(mailbox=mailbox).results] == ["created"]
    assert Ticket.objects.count() == 4
    count, flags = _flags_and_count(dovecot)
    assert count == 4 and b"\\Seen" not in flags and b"\\Deleted" not in flags


def test_processed_mail_can_be_moved_to_a_folder(dovecot):
    mailbox = imap_mailbox(dovecot, processed_folder="Processed")
    deliver(dovecot, make_mail())
    assert mailbox_poll(mailbox=mailbox).error == ""
    assert _flags_and_count(dovecot)[0] == 0
    assert _flags_and_count(dovecot, "Processed")[0] == 1


def test_a_server_stopped_in_the_middle_of_a_poll_loses_and_repeats_nothing(dovecot, monkeypatch):
    mailbox = imap_mailbox(dovecot)
    for n in range(4):
        deliver(dovecot, make_mail(subject=f"Mail {n}"))
    from comptoir.mail import imap

    real = imap.mail_ingest
    taken = []

    def ingest_then_stop(**kwargs):
        result = real(**kwargs)
        taken.append(result)
        if len(taken) == 2:
            dovecot.stop()
        return result

    monkeypatch.setattr(imap, "mail_ingest", ingest_then_stop)
    broken = mailbox_poll(mailbox=mailbox)
    mailbox.refresh_from_db()
    # The server may still answer the fetch under way when it is told to stop.
    taken_before = len(broken.results)
    assert broken.error and 2 <= taken_before < 4
    assert mailbox.failures == 1 and mailbox.last_error and mailbox.last_uid == taken_before
    assert mailbox.pk not in mailboxes_due()  # backing off

    dovecot.start()
    monkeypatch.setattr(imap, "mail_ingest", real)
    resumed = mailbox_poll(mailbox=mailbox)
    assert resumed.error == "" and len(resumed.results) == 4 - taken_before
    assert {r.outcome for r in resumed.results} == {"created"}
    assert Ticket.objects.count() == 4
    mailbox.refresh_from_db()
    assert mailbox.failures == 0 and mailbox.last_error == ""


def test_a_broken_mailbox_does_not_stop_the_others(dovecot):
    good = imap_mailbox(dovecot)
    broken = Mailbox.objects.create(
        address="broken@comptoir.localhost",
        imap_host="127.0.0.1",
        imap_port=dovecot.port,
        imap_security="none",
        imap_user="broken@comptoir.localhost",
        imap_password="wrong",
    )
    deliver(dovecot, make_mail())

    assert poll_mailboxes.call() == 2
    broken.refresh_from_db()
    good.refresh_from_db()
    assert broken.failures == 1 and broken.last_error
    assert good.failures == 0 and good.last_uid == 1
    assert Ticket.objects.count() == 1


def test_same_mail_in_two_imap_mailboxes_makes_one_ticket(dovecot):
    support = imap_mailbox(dovecot)
    sales = imap_mailbox(dovecot, address="sales@comptoir.localhost")
    raw = make_mail(to="support@comptoir.localhost", cc="sales@comptoir.localhost")
    deliver(dovecot, raw)
    deliver(dovecot, raw, address="sales@comptoir.localhost")
    outcomes = [r.outcome for m in (support, sales) for r in mailbox_poll(mailbox=m).results]
    assert outcomes == ["created", "duplicate"] and Ticket.objects.count() == 1
