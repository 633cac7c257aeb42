"""Real-world mail from ../shared/mail-corpus: ingested without a crash, and the
sender, subject and body match what is expected of each message."""

from __future__ import annotations

import email
import email.policy
import html
import json
import re
from difflib import SequenceMatcher
from pathlib import Path

import nh3
import pytest

from comptoir.mail.ingest import mail_ingest
from comptoir.mail.models import InboundMail
from comptoir.mail.quotes import fold_html, fold_text
from comptoir.tickets.models import Ticket
from comptoir.tickets.richtext import sanitise, to_text

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "mail-corpus"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not CORPUS.is_dir(), reason=f"mail corpus absent ({CORPUS}); it lives beside the project"
    ),
]

# Where Zammad's value is a defect and ours is the better reading.
BETTER_SENDER = {
    # From: "finances8@…" (an address in quotes): Zammad keeps the quotes.
    "mail035.box": "finances8@firstfinanceloanfirm.example.com",
    # From: "…" <power quadrant system@example.com>: spaces make it no address;
    # Zammad keeps it whole, we keep the part that can receive mail.
    "mail071.box": "system@example.com",
    # From: Test test@example.com (no angle brackets): the address is test@example.com.
    "mail087.box": "test@example.com",
}


BODY_DIVERGENCES = {
    # Spam whose HTML declares UTF-8 while a later part carries undeclared GB2312 that
    # Zammad shows as the body; we show the declared HTML part.
    "mail023.box",
}


def words(text: str) -> str:
    return " ".join(html.unescape(text).replace("\u00a0", " ").split())


def visible_text(body: str) -> str:
    if body == "no visible content":
        return ""
    return words(nh3.clean(re.sub(r"<br\s*/?>|</(p|div|li|tr)>", " ", body), tags=set()))


def zammad_cases():
    if not CORPUS.is_dir():
        return []
    expected = json.loads((CORPUS / "zammad" / "expected.json").read_text())
    return sorted((name, value) for name, value in expected.items() if not name.startswith("_"))


def test_every_corpus_message_is_ingested_without_a_crash(support):
    files = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".box", ".eml"))
    assert len(files) > 60
    for path in files:
        result = mail_ingest(raw=path.read_bytes(), source=str(path))
        assert result.outcome in ("created", "appended", "duplicate", "ignored"), (path, result)
    assert not InboundMail.objects.filter(outcome="failed").exists()


@pytest.mark.parametrize(
    ("name", "expected"), zammad_cases(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_zammad_message(support, name, expected):
    fields = expected.get("fields", {})
    raw = (CORPUS / "zammad" / name).read_bytes()
    result = mail_ingest(raw=raw, source=name)
    inbound = InboundMail.objects.get(pk=result.inbound_id)
    assert result.outcome in ("created", "ignored")

    if "from_email" in fields:
        want = BETTER_SENDER.get(name, fields["from_email"]).lower()
        assert inbound.from_address == want
    if "subject" in fields:
        assert inbound.subject == words(fields["subject"])
    body = visible_text(fields.get("body", ""))
    if body and result.outcome == "created" and name not in BODY_DIVERGENCES:
        expected_text = body.replace(" ", "")[:3000]
        ours = words(inbound.full_text).replace(" ", "")
        # The expected text in order, ignoring how each side turned markup into
        # spaces; Zammad also shows the HTML <title>, which is not the body.
        blocks = SequenceMatcher(None, expected_text, ours, autojunk=False).get_matching_blocks()
        found = sum(block.size for block in blocks)
        assert found >= 0.95 * len(expected_text), (name, found, len(expected_text))


def test_django_helpdesk_cases(support):
    expected = json.loads((CORPUS / "django-helpdesk" / "expected.json").read_text())
    for name, case in expected.items():
        if name.startswith("_"):
            continue
        result = mail_ingest(raw=(CORPUS / "django-helpdesk" / name).read_bytes(), source=name)
        ticket = Ticket.objects.get(number=result.ticket)
        inbound = InboundMail.objects.get(pk=result.inbound_id)
        title = case["title"]
        if title.endswith("..."):  # their own truncation: ours keeps up to 250 characters
            assert ticket.subject.startswith(title[:-3])
        else:
            assert ticket.subject == title
        text = inbound.full_text
        if "description" in case:
            assert words(case["description"]) in words(text)
        for part in case.get("description_contains", []):
            assert part in text
        for attachment in case.get("attachments", []):
            if "md5" in attachment:
                import hashlib

                files = ticket.attachments.all()
                assert any(
                    hashlib.md5(a.file.read()).hexdigest() == attachment["md5"] for a in files
                )


REPLY_CASES = CORPUS / "reply-parser" / "expected.json"
# Cases where the upstream library deliberately differs from a helpdesk's needs.
REPLY_DIVERGENCES = {
    # Interleaved answers inside the quote: we keep the text above the first quote.
    "zapier/email_1_2",
    # Signatures: we fold "Sent from my iPhone" and Sparrow's, talon keeps them.
    "talon/standard_replies/iphone",
    "talon/standard_replies/sparrow",
    # Russian quote headers (no Russian in our languages).
    "talon/standard_replies/android",
    "talon/html_replies/mail_ru",
    "talon/html_replies/yandex_ru",
    # Indentation kept by the Ruby parser; we strip each line.
    "github/email_bullets",
    # talon's machine-learned signature extraction.
    "talon/signature/jeff",
    "talon/signature/johndoeexamplecom",
    "talon/signature/long",
    "talon/signature/sparse",
}


def _reply_of(path: Path) -> str:
    raw = path.read_bytes()
    if path.suffix == ".html":
        text = raw.decode("utf-8", "replace")
        folded = fold_html(text)
        return to_text(sanitise(folded if folded is not None else text))
    if path.suffix == ".eml" and "share-block" not in path.name:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
        return fold_text(part.get_content())
    return fold_text(raw.decode("utf-8", "replace"))


def _reply_ok(reply: str, expect: dict) -> bool:
    checks = {
        "visible_text_equals": lambda v: reply.rstrip() == v.rstrip(),
        "visible_text_stripped_equals": lambda v: reply.strip() == v.strip(),
        "visible_text_contains": lambda v: all(x in reply for x in v),
        "visible_text_not_contains": lambda v: not any(x in reply for x in v),
        "reply_text_equals": lambda v: reply.strip() == v.strip(),
        "reply_text_equals_ignoring_whitespace": lambda v: (
            re.sub(r"\s", "", reply) == re.sub(r"\s", "", v)
        ),
        "text_stripped_equals": lambda v: reply.strip() == v.strip(),
    }
    return all(check(expect[key]) for key, check in checks.items() if key in expect)


def test_reply_folding_cases():
    cases = json.loads(REPLY_CASES.read_text())["cases"]
    failures = []
    checked = 0
    for case in cases:
        if not case.get("file") or case["id"] in REPLY_DIVERGENCES:
            continue
        reply = _reply_of(CORPUS / "reply-parser" / case["file"])
        if not any(k.startswith(("visible_", "reply_", "text_")) for k in case["expect"]):
            continue
        checked += 1
        if not _reply_ok(reply, case["expect"]):
            failures.append(case["id"])
    assert checked > 25
    assert failures == []


def test_parsing_with_headers_parsed_first_reads_the_same():
    """A batch parses the headers when it stores a mail, then the whole mail
    without decoding its headers again: both ways give the same reading."""
    from dataclasses import asdict

    from comptoir.mail.parsing import parse, parse_headers

    files = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".box", ".eml"))
    assert files
    for path in files:
        raw = path.read_bytes()
        assert asdict(parse(raw, parse_headers(raw))) == asdict(parse(raw)), path.name
