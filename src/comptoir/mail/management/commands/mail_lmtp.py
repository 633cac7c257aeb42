"""``manage.py mail_lmtp [--host 127.0.0.1] [--port 8024]``: an LMTP receiver."""

from __future__ import annotations

import asyncio
from typing import Any

from django.core.management.base import BaseCommand

from comptoir.mail.lmtp import serve_forever


class Command(BaseCommand):
    help = "Receive mail over LMTP from a mail server and ingest it."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8024)

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"LMTP receiver on {options['host']}:{options['port']}")
        asyncio.run(serve_forever(options["host"], options["port"]))
