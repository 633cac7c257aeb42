"""Raw mail bytes to a ``ParsedMail``: headers decoded, bodies chosen, parts kept.

Real mail lies about its charsets, breaks its encoded words, forgets its
boundaries and wraps attachments in TNEF. Parsing never raises on such mail:
every part is decoded on its own, a part that cannot be understood is kept as
an attachment, and a declared charset that does not decode is replaced by the
one the bytes show (charset-normalizer).
"""

from __future__ import annotations

import codecs
import dataclasses
import email
import email.header
import email.policy
import email.utils
import mimetypes
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message as MimeMessage
from email.parser import BytesHeaderParser
from html import escape as html_escape
from typing import Any

import charset_normalizer

# Names mail clients use that Python does not know, or knows under a narrower
# table than the one senders actually use.
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-8-i": "iso-8859-8",
    "ks_c_5601-1987": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "unicode-1-1-utf-7": "utf-7",
    "x-unicode20utf8": "utf-8",
    "utf8": "utf-8",
}
_UNKNOWN_CHARSETS = {"", "unknown-8bit", "x-unknown", "unknown", "default", "x-user-defined"}
_MAX_HEADER = 2000


@dataclass
class Part:
    filename: str
    content_type: str
    data: bytes
    content_id: str = ""
    inline: bool = False


@dataclass
class ParsedMail:
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    from_address: str = ""
    from_name: str = ""
    reply_to: list[str] = field(default_factory=list)
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    envelope_to: list[str] = field(default_factory=list)
    subject: str = ""
    date: datetime | None = None
    language: str = ""
    text: str = ""
    html: str = ""
    parts: list[Part] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/plain"
    defects: list[str] = field(default_factory=list)

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    @property
    def recipients(self) -> list[str]:
        return [*self.to, *self.cc, *self.envelope_to]


# -- decoding -------------------------------------------------------------------------


def _codec(charset: str | None) -> str | None:
    name = (charset or "").strip().strip("\"'").lower()
    if name in _UNKNOWN_CHARSETS:
        return None
    name = _CHARSET_ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


_JIS_ESCAPE = re.compile(rb"\x1b(\$[@B]|\([BJ])")


def _iso2022jp_via_cp932(data: bytes) -> str:
    """ISO-2022-JP as Japanese mailers write it, with the NEC and IBM extensions
    (circled numbers...) that Python's strict codec refuses: map to Shift_JIS."""
    out = bytearray()
    double = False
    pos = 0
    for match in [*_JIS_ESCAPE.finditer(data), None]:
        end = match.start() if match else len(data)
        chunk = data[pos:end]
        if double:
            for i in range(0, len(chunk) - 1, 2):
                a, b = chunk[i], chunk[i + 1]
                b = b + 0x1F + (1 if b >= 0x60 else 0) if a % 2 else b + 0x7E
                a = (a - 0x21) // 2 + 0x81
                out += bytes([a + 0x40 if a >= 0xA0 else a, b])
        else:
            out += chunk
        if match:
            double = match.group(1).startswith(b"$")
            pos = match.end()
    return out.decode("cp932", errors="replace")


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Text of ``data``: the declared charset when it decodes, else UTF-8, else
    what charset-normalizer finds, else the declared one with replacements."""
    codec = _codec(charset)
    if _JIS_ESCAPE.search(data) and (codec or "iso2022_jp").startswith(("iso2022_jp", "ascii")):
        try:
            return data.decode("iso2022_jp")
        except UnicodeDecodeError:
            return _iso2022jp_via_cp932(data)
    for candidate in (codec, "utf-8"):
        if candidate:
            try:
                return data.decode(candidate)
            except (UnicodeDecodeError, LookupError):
                continue
    best = charset_normalizer.from_bytes(data).best() if data else None
    if best is not None:
        return str(best)
    return data.decode(codec or "utf-8", errors="replace")


def _unescape_8bit(value: str) -> str:
    """Headers sent as raw 8-bit bytes (no encoded words) arrive surrogate-escaped."""
    try:
        value.encode("ascii")
        return value
    except UnicodeEncodeError:
        pass
    try:
        return decode_bytes(value.encode("ascii", "surrogateescape"))
    except UnicodeEncodeError:
        return value


_ENCODED_WORD_GAP = re.compile(r"(\?=)\s+(=\?)")


def decode_header_value(value: Any) -> str:
    """One header's text, RFC 2047 encoded words decoded whatever their charset."""
    if value is None:
        return ""
    if isinstance(value, email.header.Header):
        value = str(value)
    text = _unescape_8bit(str(value))
    text = re.sub(r"\r?\n[ \t]", " ", text)[: _MAX_HEADER * 4]
    # Whitespace between two encoded words is not part of the text (RFC 2047).
    text = _ENCODED_WORD_GAP.sub(r"\1\2", text)
    try:
        chunks = email.header.decode_header(text)
    except (email.errors.HeaderParseError, ValueError, TypeError):
        return " ".join(text.split())[:_MAX_HEADER]
    out = []
    for chunk, charset in chunks:
        if isinstance(chunk, bytes):
            out.append(decode_bytes(chunk, charset) if charset else decode_bytes(chunk))
        else:
            out.append(chunk)
    return " ".join("".join(out).split())[:_MAX_HEADER]


def _addresses(values: list[str]) -> list[tuple[str, str]]:
    pairs = email.utils.getaddresses([v for v in values if v])
    return [(name.strip(), addr.strip().strip("<>").lower()) for name, addr in pairs]


def _valid(address: str) -> bool:
    return bool(re.fullmatch(r"[^@\s<>\"(),;:]+@[^@\s<>\"(),;:]+", address))


_MSGID = re.compile(r"<([^<>\s]+)>")


def message_ids(value: str) -> list[str]:
    """Message-IDs of a References / In-Reply-To header, without angle brackets."""
    found = _MSGID.findall(value or "")
    if not found and value and "@" in value and " " not in value.strip():
        found = [value.strip()]
    return [f[:250] for f in found]


# -- headers --------------------------------------------------------------------------


def _raw_all(message: MimeMessage, name: str) -> list[str]:
    # raw_items() gives the header text as received; compat32's own accessors
    # turn 8-bit headers into replacement characters before we can decode them.
    name = name.lower()
    return [str(v) for k, v in message.raw_items() if k.lower() == name]


def _sender(message: MimeMessage, parsed: ParsedMail) -> None:
    """The sender: the first usable From address (some mail carries two From
    headers), else the address inside a broken From, else Reply-To, Sender,
    Return-Path."""
    froms = [decode_header_value(v) for v in _raw_all(message, "from")]
    pairs = _addresses(froms)
    for name, address in pairs:
        if _valid(address):
            parsed.from_address, parsed.from_name = address, name
            return
    for text in froms:
        found = re.search(r"[^\s<>\"',;:()\[\]]+@[^\s<>\"',;:()\[\]]+", text)
        if found:
            parsed.from_address = found.group(0).lower()
            parsed.from_name = text[: found.start()].strip(" <\"'") or ""
            return
    for header in ("reply-to", "sender", "return-path"):
        for name, address in _addresses([parsed.header(header)]):
            if _valid(address):
                parsed.from_address, parsed.from_name = address, name
                return
    # No address anywhere (MAILER-DAEMON): keep what the From says.
    if pairs:
        parsed.from_address = pairs[0][1]
        parsed.from_name = pairs[0][0]


def _read_headers(message: MimeMessage, parsed: ParsedMail) -> None:
    for name, value in message.raw_items():
        key = name.lower()
        if key not in parsed.headers:
            parsed.headers[key] = decode_header_value(value)
    get = parsed.header
    parsed.subject = get("subject")
    ids = message_ids(get("message-id"))
    parsed.message_id = ids[0] if ids else ""
    parsed.in_reply_to = message_ids(get("in-reply-to"))
    parsed.references = message_ids(" ".join(_raw_all(message, "references")))
    _sender(message, parsed)
    parsed.reply_to = [a for _n, a in _addresses([get("reply-to")]) if _valid(a)]
    parsed.to = [a for _n, a in _addresses([get("to")]) if _valid(a)]
    parsed.cc = [a for _n, a in _addresses([get("cc")]) if _valid(a)]
    envelope = [decode_header_value(v) for v in _raw_all(message, "delivered-to")]
    envelope += [get("x-original-to"), get("envelope-to")]
    parsed.envelope_to = [a for _n, a in _addresses(envelope) if _valid(a)]
    try:
        parsed.date = email.utils.parsedate_to_datetime(get("date")) if get("date") else None
    except (TypeError, ValueError, IndexError):
        parsed.date = None
    parsed.language = get("content-language")[:2].lower()


def parse_headers(raw: bytes) -> ParsedMail:
    """Only the headers (for mail too large to parse whole)."""
    parsed = ParsedMail()
    message = BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
    _read_headers(message, parsed)
    return parsed


# -- bodies and parts ---------------------------------------------------------------


def _payload(part: MimeMessage) -> bytes:
    raw = part.get_payload()
    if isinstance(raw, list):
        # message/delivery-status: header blocks the parser split apart.
        return b"\r\n".join(
            p.as_bytes(policy=email.policy.compat32) if isinstance(p, MimeMessage) else b""
            for p in raw
        )
    data = part.get_payload(decode=True)
    if isinstance(data, bytes):
        return data
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def _filename(part: MimeMessage) -> str:
    try:
        name = part.get_filename()
    except (TypeError, ValueError, LookupError):
        name = None
    if name is None:
        value = part.get_param("name")
        name = email.utils.collapse_rfc2231_value(value) if value else None
    return decode_header_value(name) if name else ""


class _Walker:
    def __init__(self, parsed: ParsedMail) -> None:
        self.parsed = parsed
        self.texts: list[str] = []
        self.htmls: list[str] = []
        self.counter = 0
        self.in_alternative = False

    def add_part(self, data: bytes, content_type: str, filename: str = "", **kw: Any) -> None:
        self.counter += 1
        if not filename:
            ext = mimetypes.guess_extension(content_type) or ".bin"
            filename = f"part-{self.counter}{ext}"
        self.parsed.parts.append(
            Part(filename=filename, content_type=content_type, data=data, **kw)
        )

    def walk(self, part: MimeMessage, *, related: bool = False) -> None:
        try:
            self._walk(part, related=related)
        except Exception as error:  # one broken part must not lose the others
            self.parsed.defects.append(f"{type(error).__name__}: {error}")
            self.add_part(_payload(part), "application/octet-stream")

    def _walk(self, part: MimeMessage, *, related: bool) -> None:
        ctype = part.get_content_type()
        maintype = part.get_content_maintype()
        if ctype == "message/rfc822" or ctype == "message/global":
            self._forwarded(part)
            return
        if maintype == "multipart":
            children = part.get_payload()
            if not isinstance(children, list) or not children:
                # A boundary that never appears: the whole body is one text.
                self.texts.append(decode_bytes(_payload(part), part.get_content_charset()))
                return
            parts = [c for c in children if isinstance(c, MimeMessage)]
            if ctype == "multipart/alternative":
                self._alternative(parts, related=related)
                return
            for child in parts:
                self.walk(child, related=related or ctype == "multipart/related")
            return
        self._leaf(part, ctype, related=related)

    def _alternative(self, children: list[MimeMessage], *, related: bool) -> None:
        # Keep the richest HTML and the plain text; other alternatives are dropped.
        html = [c for c in children if _contains(c, "text/html")]
        plain = [c for c in children if c.get_content_type() == "text/plain"]
        chosen = html[-1:] + [p for p in plain[-1:] if not html or p is not html[-1]]
        if not chosen:
            chosen = children[-1:]
        outer, self.in_alternative = self.in_alternative, bool(html)
        for child in chosen:
            self.walk(child, related=related)
        self.in_alternative = outer

    def _leaf(self, part: MimeMessage, ctype: str, *, related: bool) -> None:
        filename = _filename(part)
        disposition = (part.get_content_disposition() or "").lower()
        data = _payload(part)
        if ctype == "application/ms-tnef" or filename.lower() == "winmail.dat":
            self._tnef(data, filename)
            return
        if ctype in ("text/plain", "text/html") and disposition != "attachment":
            text = decode_bytes(data, part.get_content_charset())
            if ctype == "text/html":
                self.htmls.append(text)
            else:
                self.texts.append(text)
                if not self.in_alternative:
                    # A text part beside the HTML (a list footer, a signature)
                    # belongs in the HTML body too.
                    self.htmls.append(f"<pre>{html_escape(text)}</pre>" if self.htmls else "")
            return
        content_id = str(part.get("Content-ID", "") or "").strip().strip("<>")
        inline = bool(content_id) and (related or disposition == "inline") and ctype != "text/plain"
        if ctype.startswith("text/") and not filename:
            filename = f"part-{self.counter + 1}.txt"
        self.add_part(data, ctype, filename, content_id=content_id, inline=inline)

    def _forwarded(self, part: MimeMessage) -> None:
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        if isinstance(inner, MimeMessage):
            data = inner.as_bytes(policy=email.policy.compat32.clone(linesep="\r\n"))
            subject = decode_header_value(inner.get("Subject")) or "message"
        else:
            data, subject = _payload(part), "message"
        name = re.sub(r"[^\w .,()-]+", "", subject).strip()[:80] or "message"
        self.add_part(data, "message/rfc822", f"{name}.eml")

    def _tnef(self, data: bytes, filename: str) -> None:
        from tnefparse.tnef import TNEF

        try:
            tnef = TNEF(data)
        except Exception:  # a TNEF we cannot read stays a file
            self.add_part(data, "application/ms-tnef", filename or "winmail.dat")
            return
        if getattr(tnef, "htmlbody", None):
            body = tnef.htmlbody
            self.htmls.append(decode_bytes(body) if isinstance(body, bytes) else str(body))
        elif getattr(tnef, "body", None):
            body = tnef.body
            self.texts.append(decode_bytes(body) if isinstance(body, bytes) else str(body))
        for attachment in tnef.attachments:
            name = attachment.long_filename() or attachment.name or ""
            if isinstance(name, bytes):
                name = decode_bytes(name)
            ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
            self.add_part(attachment.data, ctype, str(name).strip("\x00"))
        if not tnef.attachments and not (getattr(tnef, "htmlbody", None) or tnef.body):
            self.add_part(data, "application/ms-tnef", filename or "winmail.dat")


def _contains(part: MimeMessage, ctype: str) -> bool:
    if part.get_content_type() == ctype:
        return True
    children = part.get_payload() if part.is_multipart() else None
    return isinstance(children, list) and any(
        isinstance(c, MimeMessage) and _contains(c, ctype) for c in children
    )


def _copy_headers(headers: ParsedMail) -> ParsedMail:
    return dataclasses.replace(
        headers,
        in_reply_to=list(headers.in_reply_to),
        references=list(headers.references),
        reply_to=list(headers.reply_to),
        to=list(headers.to),
        cc=list(headers.cc),
        envelope_to=list(headers.envelope_to),
        headers=dict(headers.headers),
        parts=[],
        defects=list(headers.defects),
    )


def parse(raw: bytes, headers: ParsedMail | None = None) -> ParsedMail:
    """Everything the ingestion needs from one raw mail; never raises on bad mail.
    ``headers``: ``parse_headers(raw)`` when the caller has it already (the
    headers are then not decoded a second time)."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    if headers is None:
        parsed = ParsedMail()
        _read_headers(message, parsed)
    else:
        parsed = _copy_headers(headers)
    parsed.content_type = message.get_content_type()
    walker = _Walker(parsed)
    walker.walk(message)
    parsed.text = "\n\n".join(t.strip("\n") for t in walker.texts if t.strip())
    parsed.html = "\n".join(h for h in walker.htmls if h.strip())
    if not any(h.strip() and not h.startswith("<pre>") for h in walker.htmls):
        parsed.html = ""
    return parsed
