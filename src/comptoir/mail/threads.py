"""Which ticket an incoming mail answers, and whether its sender may enter it.

In order: the signed reply token of the Reply-To address we sent
(``support+t1042-<signature>@…``), the In-Reply-To / References chain against
every Message-ID we sent or received, then ``[#1042]`` in the subject. A reply
joins a ticket only when its sender takes part in it; the token and the
headers prove which conversation a mail belongs to, not who wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.crypto import constant_time_compare, salted_hmac

from comptoir.accounts.models import User
from comptoir.tickets.models import Ticket
from comptoir.tickets.queries import visible_tickets

from .lookups import Lookups, thread_ids
from .models import TicketMail
from .parsing import ParsedMail

_TOKEN_SALT = "comptoir.mail.reply-token"
_TOKEN = re.compile(r"^[^@+]+\+t(\d{1,9})-([0-9a-f]{12})@", re.I)
_SUBJECT_NUMBER = re.compile(r"\[#\s*(\d{1,9})\]")


def token_signature(number: int) -> str:
    # Hex survives mail servers that lowercase addresses; 48 bits cannot be guessed.
    return salted_hmac(_TOKEN_SALT, f"t{number}", algorithm="sha256").hexdigest()[:12]


def reply_address(mailbox_address: str, number: int) -> str:
    local, _at, domain = mailbox_address.partition("@")
    return f"{local}+t{number}-{token_signature(number)}@{domain}"


def strip_token(address: str) -> str:
    """support+t1042-abc@x → support@x (to find the mailbox an address belongs to)."""
    local, _at, domain = address.partition("@")
    return f"{local.split('+', 1)[0]}@{domain}".lower()


def token_number(address: str) -> int | None:
    match = _TOKEN.match(address or "")
    if not match:
        return None
    number, signature = int(match.group(1)), match.group(2).lower()
    return number if constant_time_compare(signature, token_signature(number)) else None


@dataclass(frozen=True)
class Thread:
    ticket: Ticket
    rule: str  # token | headers | subject


def subject_number(subject: str) -> int | None:
    match = _SUBJECT_NUMBER.search(subject or "")
    return int(match.group(1)) if match else None


def find_thread(parsed: ParsedMail, lookups: Lookups | None = None) -> Thread | None:
    """The ticket a mail refers to, by the first rule that names one."""
    lookups = lookups or Lookups()
    for address in parsed.recipients:
        number = token_number(address)
        if number is not None:
            ticket = lookups.ticket_by_number(number)
            if ticket is not None:
                return Thread(ticket, "token")
    ids = thread_ids(parsed)
    if ids:
        ticket = lookups.ticket_by_message_ids(ids)
        if ticket is not None:
            return Thread(ticket, "headers")
    number = subject_number(parsed.subject)
    if number is not None:
        ticket = lookups.ticket_by_number(number)
        if ticket is not None:
            return Thread(ticket, "subject")
    return None


def is_participant(
    ticket: Ticket,
    user: User | None,
    address: str,
    link: Callable[[Ticket], TicketMail | None] | None = None,
) -> bool:
    """The requester, an address copied on the ticket, an agent, or anyone the
    visibility rules let see the ticket (organisation members with that right)."""
    if user is not None and user.is_active:
        if user.pk == ticket.requester_id or user.is_agent:
            return True
        if visible_tickets(user).filter(pk=ticket.pk).exists():
            return True
    if link is not None:
        found = link(ticket)
        cc = found.cc if found is not None else []
    else:
        cc = TicketMail.objects.filter(ticket=ticket).values_list("cc", flat=True).first() or []
    return address.lower() in {c.lower() for c in cc}
