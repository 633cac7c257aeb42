"""``manage.py ingest_email``: files, mbox, standard input; one JSON line per mail."""

import io
import json
import sys

import pytest
from django.core.management import CommandError, call_command

from comptoir.tickets.models import Ticket

from .conftest import make_mail

pytestmark = pytest.mark.django_db


def run(*args, stdin: bytes | None = None, monkeypatch=None):
    out = io.StringIO()
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    call_command("ingest_email", *args, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_files_and_an_mbox_give_one_line_each(support, tmp_path):
    eml = tmp_path / "one.eml"
    eml.write_bytes(make_mail(subject="Première", message_id="<one@example.test>"))
    box = tmp_path / "two.mbox"
    box.write_bytes(
        b"From a@example.test Mon Jan  1 00:00:00 2026\n"
        + make_mail(subject="Deux", message_id="<two@example.test>")
        + b"\nFrom b@example.test Mon Jan  1 00:00:00 2026\n"
        + make_mail(subject="Trois", sender="bob@example.test", message_id="<three@example.test>")
    )
    lines = run(str(eml), str(box), str(eml))

    assert [line["outcome"] for line in lines] == ["created", "created", "created", "duplicate"]
    first = lines[0]
    assert set(first) == {
        "source",
        "outcome",
        "ticket",
        "message_id",
        "from",
        "subject",
        "attachments",
        "reason",
    }
    assert first["subject"] == "Première" and first["from"] == "claire@example.test"
    assert first["message_id"] == "one@example.test" and first["attachments"] == 0
    assert first["ticket"] == Ticket.objects.get(subject="Première").number
    assert lines[1]["source"].endswith("two.mbox#1") and lines[2]["source"].endswith("two.mbox#2")
    assert lines[3]["ticket"] == first["ticket"]


def test_standard_input_for_a_mail_server_pipe(support, monkeypatch):
    raw = make_mail(
        subject="=?utf-8?q?Factur=C3=A9?=", attachments=[("a.txt", b"hello", "text/plain")]
    )
    lines = run("-", stdin=raw, monkeypatch=monkeypatch)
    assert lines[0]["source"] == "-" and lines[0]["outcome"] == "created"
    assert lines[0]["attachments"] == 1


def test_mailbox_option(support):
    with pytest.raises(CommandError):
        call_command("ingest_email", "--mailbox", "nobody@nowhere.test", "x.eml")
