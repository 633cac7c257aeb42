"""From a parsed mail to what a ticket message holds: files stored, inline images
pointing at them, HTML sanitised, quoted history folded away."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from comptoir.accounts.models import User
from comptoir.tickets.attachments import attachment_store, attachment_url
from comptoir.tickets.models import IMAGE_TYPES, Attachment
from comptoir.tickets.richtext import sanitise, text_to_html, to_text

from .parsing import ParsedMail
from .quotes import fold_html, fold_text

_CID_SRC = re.compile(r"""(src\s*=\s*["']?)cid:([^"'\s>]+)""", re.I)
_HEAD = re.compile(r"<head\b.*?</head\s*>", re.I | re.S)


@dataclass
class Content:
    visible_html: str
    full_html: str
    full_text: str
    attachments: list[Attachment] = field(default_factory=list)
    # Files that could not be kept (too large, empty): named in a note.
    skipped: list[str] = field(default_factory=list)

    @property
    def folded(self) -> bool:
        return to_text(self.visible_html) != to_text(self.full_html)


def store_parts(
    parsed: ParsedMail, *, user: User
) -> tuple[list[Attachment], dict[str, str], list[str]]:
    """Store every part as a draft attachment of ``user``; map Content-IDs to URLs."""
    stored: list[Attachment] = []
    cids: dict[str, str] = {}
    skipped: list[str] = []
    for part in parsed.parts:
        try:
            attachment = attachment_store(
                file=ContentFile(part.data),
                filename=part.filename,
                user=user,
                inline=part.inline,
            )
        except ValidationError:
            skipped.append(part.filename)
            continue
        if part.inline and attachment.content_type not in IMAGE_TYPES:
            attachment.inline = False
            attachment.save(update_fields=["inline"])
        stored.append(attachment)
        if part.content_id:
            cids[part.content_id.lower()] = attachment_url(attachment)
    return stored, cids, skipped


def _rewrite_cids(html: str, cids: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        url = cids.get(match.group(2).strip("<>").lower())
        return f"{match.group(1)}{url}" if url else match.group(0)

    return _CID_SRC.sub(replace, html)


def build_content(parsed: ParsedMail, *, user: User) -> Content:
    attachments, cids, skipped = store_parts(parsed, user=user)
    if parsed.html.strip():
        html = _rewrite_cids(_HEAD.sub("", parsed.html), cids)
        full_html = sanitise(html)
        text = parsed.text.strip() or to_text(full_html)
        folded_html = fold_html(html)
        if folded_html is not None:
            visible_html = sanitise(folded_html)
        else:
            reply = fold_text(text)
            visible_html = full_html if reply == text.strip() else text_to_html(reply)
    else:
        text = parsed.text.strip()
        full_html = text_to_html(text)
        visible_html = text_to_html(fold_text(text))
    # Inline images whose part was not referenced stay plain attachments.
    for attachment in attachments:
        if attachment.inline and attachment_url(attachment) not in full_html:
            attachment.inline = False
            attachment.save(update_fields=["inline"])
    return Content(
        visible_html=visible_html,
        full_html=full_html,
        full_text=to_text(full_html) if parsed.html.strip() else text,
        attachments=attachments,
        skipped=skipped,
    )
