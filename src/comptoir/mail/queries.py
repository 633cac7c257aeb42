"""Reads of the email channel for pages of other apps."""

from __future__ import annotations

from collections.abc import Iterable

from .models import InboundMail


def folded_message_ids(message_ids: Iterable[int]) -> set[int]:
    """Messages that came by mail with quoted history or a signature folded away
    (their full text is one click away at ``mail:message_full``). One query."""
    ids = list(message_ids)
    if not ids:
        return set()
    rows = InboundMail.objects.filter(ticket_message_id__in=ids, duplicate_of__isnull=True)
    return {
        message_id
        for message_id, full_text, visible in rows.values_list(
            "ticket_message_id", "full_text", "ticket_message__body_text"
        )
        if full_text.strip() != (visible or "").strip()
    }
