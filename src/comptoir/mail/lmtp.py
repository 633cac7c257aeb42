"""An optional LMTP receiver for mail servers that deliver that way (Postfix,
Exim, Dovecot's LMTP proxying): each mail goes through ``mail_ingest``."""

from __future__ import annotations

import asyncio
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from asgiref.sync import sync_to_async
from django.db import connection

from .ingest import mail_ingest
from .models import Mailbox
from .threads import strip_token


def _ingest(raw: bytes, recipients: list[str]) -> str:
    addresses = [strip_token(r) for r in recipients]
    try:
        mailbox = Mailbox.objects.filter(address__in=addresses).first()
        source = "lmtp:" + ",".join(recipients)[:200]
        return mail_ingest(raw=raw, mailbox=mailbox, source=source).outcome
    finally:
        # A worker thread of the receiver: its connection must not linger.
        connection.close()


class IngestHandler:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        try:
            await sync_to_async(_ingest, thread_sensitive=False)(
                envelope.original_content or envelope.content, list(envelope.rcpt_tos)
            )
        except Exception:  # storage or database down: ask the server to retry
            return "451 4.3.0 Temporary failure, please retry"
        return "250 2.0.0 Message accepted"


class LMTPController(Controller):
    def factory(self) -> LMTP:
        return LMTP(self.handler, **self.SMTP_kwargs)


def lmtp_controller(host: str, port: int) -> LMTPController:
    return LMTPController(
        IngestHandler(), hostname=host, port=port, data_size_limit=200 * 1024 * 1024
    )


async def serve_forever(host: str, port: int) -> None:  # pragma: no cover - a daemon
    controller = lmtp_controller(host, port)
    controller.start()
    try:
        await asyncio.Event().wait()
    finally:
        controller.stop()
