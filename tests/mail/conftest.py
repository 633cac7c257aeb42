"""Fixtures of the email channel's tests: mail builders and real servers
(Dovecot for IMAP, an aiosmtpd SMTP receiver for outbound mail)."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from comptoir.mail.models import Mailbox

SUPPORT = "support@comptoir.localhost"


def need(condition: bool, reason: str) -> None:
    """Skip when a component is missing, except in CI where it must be there."""
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_mail(
    *,
    sender: str = "claire@example.test",
    to: str = SUPPORT,
    subject: str = "Export fails",
    body: str = "The export button does nothing.",
    html: str | None = None,
    message_id: str | None = "",
    cc: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, bytes, str]] = (),  # type: ignore[assignment]
) -> bytes:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    if cc:
        mail["Cc"] = cc
    mail["Subject"] = subject
    mail["Date"] = format_datetime(timezone.now())
    if message_id is not None:
        mail["Message-ID"] = message_id or make_msgid(domain="example.test")
    for name, value in (headers or {}).items():
        mail[name] = value
    mail.set_content(body)
    if html is not None:
        mail.add_alternative(html, subtype="html")
    for filename, data, ctype in attachments:
        maintype, subtype = ctype.split("/")
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return mail.as_bytes()


@pytest.fixture
def support(db) -> Mailbox:
    """The mailbox the migrations create."""
    return Mailbox.objects.get(is_default=True)


class Receiver:
    """Collects what it receives; stop() and start() play a server going down."""

    def __init__(self, port: int) -> None:
        self.messages: list[bytes] = []
        self.port = port
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.original_content or envelope.content)
        return "250 OK"


@pytest.fixture
def smtp(settings):
    """A real SMTP receiver in this process; MAILERS points at it."""
    receiver = Receiver(free_port())
    receiver.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": "127.0.0.1",
                "port": receiver.port,
                "use_tls": False,
                "timeout": 5,
            },
        }
    }
    yield receiver
    receiver.stop()


# -- Dovecot -------------------------------------------------------------------------

DOVECOT_USER = "imaptest"

CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{dir}/mail/%u/Maildir
passdb {{
  driver = passwd-file
  args = {dir}/users
}}
userdb {{
  driver = passwd-file
  args = {dir}/users
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-reader {{
    user = {user}
    group = {group}
    mode = 0660
  }}
  unix_listener stats-writer {{
    user = {user}
    group = {group}
    mode = 0660
  }}
}}
"""


class Dovecot:
    def __init__(self, directory: Path, port: int) -> None:
        self.dir, self.port = directory, port
        self.config = directory / "dovecot.conf"
        self.pid = directory / "run" / "master.pid"

    def _run(self, *args: str) -> None:
        command = ["dovecot", "-c", str(self.config), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", DOVECOT_USER, "--", *command]
        # Not pipes: the daemon keeps inherited pipes open and run() would wait on them.
        with (self.dir / "start.log").open("ab") as log:
            subprocess.run(
                command, check=True, stdin=subprocess.DEVNULL, stdout=log, stderr=log, timeout=30
            )

    def start(self) -> None:
        self._run()
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("Dovecot did not start: " + self.log())

    def _children(self) -> list[int]:
        master = self.pid.read_text().strip() if self.pid.exists() else ""
        if not master:
            return []
        found = subprocess.run(["pgrep", "-P", master], capture_output=True, text=True)
        return [int(p) for p in found.stdout.split()]

    def stop(self) -> None:
        """Stop the server and its sessions at once, as a crash or a restart would."""
        if not self.pid.exists():
            return
        children = self._children()
        self._run("stop")
        for _ in range(200):
            if not self.pid.exists():
                break
            time.sleep(0.05)
        # IMAP sessions outlive the master for a while; a stopped server has none.
        for pid in children:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGTERM)

    def log(self) -> str:
        path = self.dir / "dovecot.log"
        return path.read_text() if path.exists() else ""


@pytest.fixture
def dovecot():
    need(
        shutil.which("dovecot") is not None,
        "Dovecot is not installed (apt-get install dovecot-imapd)",
    )
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(DOVECOT_USER)
        except KeyError:
            subprocess.run(
                [
                    "useradd",
                    "--system",
                    "--no-create-home",
                    "--shell",
                    "/usr/sbin/nologin",
                    DOVECOT_USER,
                ],
                check=True,
            )
        entry = pwd.getpwnam(DOVECOT_USER)
    else:
        entry = pwd.getpwuid(os.geteuid())
    # Not under pytest's own temp dir: that one is private to the user running
    # the tests, and Dovecot runs as another one.
    directory = Path(tempfile.mkdtemp(prefix="comptoir-dovecot-"))
    port = free_port()
    group = entry.pw_gid
    import grp

    (directory / "run").mkdir()
    (directory / "state").mkdir()
    (directory / "mail").mkdir()
    (directory / "users").write_text(
        f"support@comptoir.localhost:{{PLAIN}}secret:{entry.pw_uid}:{group}::"
        f"{directory}/mail/support@comptoir.localhost::\n"
        f"sales@comptoir.localhost:{{PLAIN}}secret:{entry.pw_uid}:{group}::"
        f"{directory}/mail/sales@comptoir.localhost::\n"
    )
    (directory / "dovecot.conf").write_text(
        CONFIG.format(
            dir=directory, user=entry.pw_name, group=grp.getgrgid(group).gr_name, port=port
        )
    )
    if os.geteuid() == 0:
        for path in [directory, *directory.rglob("*")]:
            os.chown(path, entry.pw_uid, group)
    server = Dovecot(directory, port)
    server.start()
    yield server
    server.stop()
    shutil.rmtree(directory, ignore_errors=True)


def imap_mailbox(dovecot: Dovecot, address: str = SUPPORT, **fields) -> Mailbox:
    mailbox, _created = Mailbox.objects.update_or_create(
        address=address,
        defaults={
            "imap_host": "127.0.0.1",
            "imap_port": dovecot.port,
            "imap_security": "none",
            "imap_user": address,
            "imap_password": "secret",
            **fields,
        },
    )
    return mailbox


def deliver(dovecot: Dovecot, raw: bytes, address: str = SUPPORT, folder: str = "INBOX") -> None:
    """Put a mail in a mailbox as a mail server would (IMAP APPEND)."""
    from imapclient import IMAPClient

    with IMAPClient("127.0.0.1", port=dovecot.port, ssl=False) as client:
        client.login(address, "secret")
        client.append(folder, raw)
