"""Folding away quoted history and signatures, so a ticket shows only the new text.

Plain text goes through ``mail-parser-reply`` (maintained, with French, English,
Spanish and German quote headers). A few headers it misses (Gmail's Spanish
"El … escribió:", "-----Message d'origine-----" and kin) and our own "reply
above this line" marker are cut first. HTML is cut at the containers mail
clients put quoted history in; the full text stays stored on the inbound mail.
"""

from __future__ import annotations

import re

from mailparser_reply.parser import EmailMessage

LANGUAGES = ["fr", "en", "es", "de"]

# Our own outgoing marker, in any language: "##- ... -##".
MARKER = "##-"
_MARKER_LINE = re.compile(r"^.*##-.*-##.*$", re.M)

_TEXT_HEADERS = re.compile(
    r"^(?:>\s*)*(?:"
    r"-{2,}\s*(?:Original Message|Message d'origine|Message original|Mensaje original"
    r"|Forwarded message|Message transféré|Mensaje reenviado)\s*-{2,}"
    r"|On\s.{4,200}?\swrote\s?:"
    r"|Le\s.{4,200}?\sa\s+écrit\s?:"
    r"|El\s.{4,200}?\sescribió\s?:"
    r"|Am\s.{4,200}?\sschrieb\s.{0,200}:"
    r"|(?:From|De|Von)\s?:\s.+\n(?:>\s*)*(?:Sent|Envoyé|Enviado|Date|Fecha|Gesendet)\s?:\s"
    r")",
    re.M | re.I,
)

_HTML_MARKERS = [
    r"<div[^>]*\bclass=\"[^\"]*\bgmail_quote\b",
    r"<div[^>]*\bclass=\"[^\"]*\bmoz-cite-prefix\b",
    r"<blockquote[^>]*\btype=\"cite\"",
    r"<div[^>]*\bid=\"divRplyFwdMsg\"",
    r"<div[^>]*\bid=\"appendonsend\"",
    r"<hr[^>]*\bid=\"stopSpelling\"",
    r"<div[^>]*\bclass=\"[^\"]*\bOutlookMessageHeader\b",
    r"<div[^>]*\bclass=\"[^\"]*\byahoo_quoted\b",
    r"<div[^>]*\bid=\"yahoo_quoted_",
    r"<span[^>]*\bid=\"OLK_SRC_BODY_SECTION\"",
    r"<div[^>]*style=\"[^\"]*border-top:\s*solid\s*#(?:E1E1E1|B5C4DF)",
    r"<blockquote[^>]*style=\"[^\"]*border-left:\s*1px\s+solid\s+#0857A6",
    r"<div[^>]*\bclass=\"[^\"]*\b(?:x_)?gmail_attr\b",
    r"<div[^>]*\bdata-marker=\"__QUOTED_TEXT__\"",
]
_HTML_MARKER = re.compile("|".join(f"(?:{m})" for m in _HTML_MARKERS), re.I)
# Text markers inside HTML: cut at the block that holds them.
_GAP = r"(?:\s|&nbsp;|<[^>]*>)*"
_HTML_TEXT_MARKER = re.compile(
    r"(?:##-|-{3,}\s*(?:Original Message|Message d'origine|Message original|Mensaje original)"
    rf"|(?:From|De|Von|От){_GAP}:(?:[^<]|<[^>]*>){{0,600}}?"
    rf"(?:Sent|Envoy[ée]|Enviado|Date|Fecha|Gesendet|Отправлено){_GAP}:)",
    re.I,
)
_BLOCK_START = re.compile(r"<(?:div|p|table|blockquote|hr)\b", re.I)
_HEAD = re.compile(r"<head\b.*?</head\s*>", re.I | re.S)


def fold_text(text: str) -> str:
    """The new part of a plain-text reply (the whole text if nothing is quoted)."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    marker = _MARKER_LINE.search(text)
    if marker:
        text = text[: marker.start()]
    header = _TEXT_HEADERS.search(text)
    if header and text[: header.start()].strip():
        text = text[: header.start()]
    elif header or text.lstrip().startswith(">"):
        text = _after_leading_quote(text) or text
    try:
        message = EmailMessage(text=text, languages=list(LANGUAGES), keep_hyphen_lists=True).read()
        reply = message.replies[0].body if message.replies else text
    except (re.error, IndexError, RecursionError):
        reply = text
    reply = _strip_quoted_lines(reply)
    return reply.strip() or _after_leading_quote(text) or text.strip()


_SEPARATOR = re.compile(r"^\s*[-_=*]{5,}\s*$")


def _after_leading_quote(text: str) -> str:
    """Bottom-posting: the text after an attribution line and the quoted lines."""
    lines = text.strip().split("\n")
    start = 1 if lines and _TEXT_HEADERS.match(lines[0]) else 0
    while start < len(lines) and (lines[start].startswith(">") or not lines[start].strip()):
        start += 1
    return "\n".join(lines[start:]).strip() if start else ""


def _strip_quoted_lines(text: str) -> str:
    """Drop a trailing block of "> " lines and separators (bottom of a top-posted reply)."""
    lines = text.rstrip().split("\n")
    end = len(lines)
    while end and (
        lines[end - 1].startswith(">")
        or not lines[end - 1].strip()
        or _SEPARATOR.match(lines[end - 1])
    ):
        end -= 1
    if end and end < len(lines):
        return "\n".join(lines[:end])
    return text


def fold_html(html: str) -> str | None:
    """The HTML before the quoted history, or None when no quote is recognised."""
    html = _HEAD.sub("", html or "")
    cut = None
    found = _HTML_MARKER.search(html)
    if found:
        cut = found.start()
    text_marker = _HTML_TEXT_MARKER.search(html)
    if text_marker and (cut is None or text_marker.start() < cut):
        blocks = list(_BLOCK_START.finditer(html, 0, text_marker.start()))
        cut = blocks[-1].start() if blocks else text_marker.start()
    if cut is None:
        return None
    before = html[:cut]
    return before if re.sub(r"<[^>]*>|&nbsp;|\s", "", before) else None
