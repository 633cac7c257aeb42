"""What routing reads about senders and tickets, for one mail or a batch of them.

Routing a mail asks who its sender is, their organisation, how much they sent
lately, whether their address bounced, and which ticket the mail refers to.
For a single mail each answer is one query, asked when needed. For a batch of
stored mails (``ingest_email`` on a folder) each kind of answer is read once
for the whole batch, the first time a mail of the batch needs it, and routing
keeps those answers current as it writes (a contact it creates, a ticket it
opens, a mail it threads), so that the mails of a batch see each other exactly
as they would one after the other.

When a batch routes several mails in one transaction, the writes that close
each mail (its row's outcome, the mail settings of a new ticket) are kept here
and written for the whole group at its end (``write_group``), one statement
each.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import timedelta

from django.db import connection
from django.db.models import Count, Q
from django.db.models.functions import Lower
from django.utils import timezone

from comptoir.accounts.models import Membership, Organisation, User
from comptoir.tickets.models import Ticket

from .models import AddressState, InboundMail, OutboundMail, Outcome, TicketMail
from .parsing import ParsedMail

# A mail names at most this many Message-IDs that threading looks at.
MAX_THREAD_IDS = 50


def thread_ids(parsed: ParsedMail) -> list[str]:
    """The Message-IDs a mail answers, nearest first (In-Reply-To, then the newest reference)."""
    return [*parsed.in_reply_to, *reversed(parsed.references)][:MAX_THREAD_IDS]


def _update_rows(rows: Sequence[InboundMail], names: Sequence[str]) -> int:
    """Write ``names`` of each row, if still pending or failed; returns how many
    were written. One statement per row, sent together (``executemany``: one
    round trip with PostgreSQL's pipeline), rather than ``bulk_update``, whose
    CASE expressions cost more to build than the round trips they save."""
    fields = [field for field in InboundMail._meta.concrete_fields if field.name in names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(field.column))} = %s" for field in fields)
    sql = (
        f"UPDATE {quote(InboundMail._meta.db_table)} SET {assignments} "
        f"WHERE {quote('id')} = %s AND {quote('outcome')} IN (%s, %s)"
    )
    params = [
        [field.get_db_prep_save(getattr(row, field.attname), connection) for field in fields]
        + [row.pk, Outcome.PENDING.value, Outcome.FAILED.value]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
        return cursor.rowcount


class Lookups:
    """Answers for routing. Without a batch (``Lookups()``) every question is a
    query, as it comes; with one (``Lookups.for_batch``) each kind is read for
    every mail of the batch at once. A question about something the batch did
    not name falls back to its own query."""

    def __init__(self) -> None:
        self._addresses: set[str] = set()
        self._numbers: set[int] = set()
        self._ids: set[str] = set()
        self._rows: dict[int, str] = {}  # pk -> sender, in the order stored
        self._users: dict[str, User | None] | None = None
        self._organisations: dict[int, Organisation | None] | None = None
        self._recent: dict[str, int] | None = None
        self._earlier: dict[int, int] = {}
        self._bouncing: set[str] | None = None
        self._tickets: dict[int, Ticket | None] | None = None  # by number
        self._by_pk: dict[int, Ticket] = {}
        self._threads: dict[str, set[int]] | None = None  # Message-ID -> ticket ids
        # Mails of the batch routed so far, by Message-ID: their rows may not be written yet.
        self._recorded: dict[str, set[int]] = {}
        # While a group of mails is routed in one transaction: what it will write.
        self._routed: list[InboundMail] | None = None
        self._links: dict[int, TicketMail] = {}

    @classmethod
    def for_batch(cls, mails: Sequence[tuple[InboundMail, ParsedMail | None]]) -> Lookups:
        """For stored mails (in the order they were stored) and their headers."""
        from .threads import subject_number, token_number

        lookups = cls()
        earlier: Counter[str] = Counter()
        for inbound, head in mails:
            sender = inbound.from_address
            lookups._rows[inbound.pk] = sender
            lookups._earlier[inbound.pk] = earlier[sender]
            earlier[sender] += 1
            if sender:
                lookups._addresses.add(sender)
            if head is None:
                continue
            if head.from_address:
                lookups._addresses.add(head.from_address)
            for address in head.recipients:
                number = token_number(address)
                if number is not None:
                    lookups._numbers.add(number)
            number = subject_number(head.subject)
            if number is not None:
                lookups._numbers.add(number)
            lookups._ids.update(thread_ids(head))
        return lookups

    def forget(self) -> None:
        """Drop every answer read for the batch: after a mail of the batch was
        rolled back, what routing recorded for it may not hold. The next
        questions are asked one by one."""
        self.__init__()  # type: ignore[misc]

    # -- writes of a group ---------------------------------------------------------------

    def start_group(self) -> None:
        """The next mails are routed in one transaction, ended by ``write_group``."""
        self._routed, self._links = [], {}

    @property
    def grouped(self) -> bool:
        return self._routed is not None

    def routed(self, inbound: InboundMail) -> None:
        """Routing of ``inbound`` is over: its row is written with the group's."""
        assert self._routed is not None
        self._routed.append(inbound)

    def link_made(self, link: TicketMail) -> None:
        """The mail settings of a ticket opened in this group (written with the group's)."""
        self._links[link.ticket_id] = link

    def link(self, ticket: Ticket) -> TicketMail | None:
        """The mail settings of ``ticket``: made in this group, else read now."""
        made = self._links.get(ticket.pk)
        if made is not None:
            return made
        return TicketMail.objects.filter(ticket=ticket).first()

    def write_group(self, fields: Sequence[str]) -> None:
        """Write what the group decided: the new tickets' mail settings in one
        statement, every row's outcome in another, only over rows still pending
        or failed. Raises ``AlreadyRouted`` when another process routed one of
        them meanwhile (the caller rolls the group back)."""
        from .routing import AlreadyRouted

        routed, links = self._routed or [], list(self._links.values())
        self._routed, self._links = None, {}
        if links:
            TicketMail.objects.bulk_create(links)
        if routed and _update_rows(routed, fields) != len(routed):
            raise AlreadyRouted([inbound.pk for inbound in routed])

    # -- senders ------------------------------------------------------------------

    def user(self, address: str) -> User | None:
        if address not in self._addresses:
            return User.objects.filter(email__iexact=address).first()
        if self._users is None:
            self._users = dict.fromkeys(self._addresses)
            # Lower(email) is what the unique index holds: one index scan.
            found = (
                User.objects.annotate(email_key=Lower("email"))
                .filter(email_key__in=sorted(self._addresses))
                .order_by("-pk")
            )
            for user in found:
                self._users[user.email_key] = user  # the lowest pk wins
        found_user = self._users.get(address)
        if found_user is None and not address.isascii():
            # Case folding beyond ASCII may differ between Python and the database.
            return User.objects.filter(email__iexact=address).first()
        return found_user

    def user_created(self, user: User, address: str) -> None:
        if self._users is not None and address in self._addresses:
            self._users[address] = user
            if self._organisations is not None:
                self._organisations.pop(user.pk, None)

    def organisation(self, user: User) -> Organisation | None:
        """The first of the user's organisations (by name), as ``user.organisations.first()``."""
        if self._organisations is None and self._users is not None:
            ids = [u.pk for u in self._users.values() if u is not None]
            self._organisations = dict.fromkeys(ids)
            memberships = (
                Membership.objects.filter(user_id__in=ids)
                .select_related("organisation")
                .order_by("-organisation__name", "-organisation_id")
            )
            for membership in memberships:
                self._organisations[membership.user_id] = membership.organisation
        if self._organisations is not None and user.pk in self._organisations:
            return self._organisations[user.pk]
        return user.organisations.first()

    def recent_mails(self, inbound: InboundMail, *, minutes: int) -> int:
        """Mails from the sender of ``inbound`` received in the last ``minutes``,
        itself left out; a mail of the batch counts those stored before it."""
        since = timezone.now() - timedelta(minutes=minutes)
        address = inbound.from_address
        if inbound.pk not in self._rows or self._rows[inbound.pk] != address:
            return (
                InboundMail.objects.filter(
                    from_address=address, received_at__gte=since, duplicate_of__isnull=True
                )
                .exclude(pk=inbound.pk)
                .count()
            )
        if self._recent is None:
            senders = sorted({a for a in self._rows.values() if a})
            counts = (
                InboundMail.objects.filter(
                    from_address__in=senders, received_at__gte=since, duplicate_of__isnull=True
                )
                .exclude(pk__in=list(self._rows))
                .order_by()
                .values_list("from_address")
                .annotate(count=Count("pk"))
            )
            self._recent = dict(counts)
        return self._recent.get(address, 0) + self._earlier[inbound.pk]

    def clear_bouncing(self, address: str) -> None:
        """A person writes from ``address``: it no longer bounces."""
        if self._bouncing is None and address in self._addresses:
            self._bouncing = set(
                AddressState.objects.filter(
                    address__in=sorted(self._addresses), bouncing=True
                ).values_list("address", flat=True)
            )
        if self._bouncing is not None and address in self._addresses:
            if address not in self._bouncing:
                return
            self._bouncing.discard(address)
        AddressState.objects.filter(address=address, bouncing=True).update(bouncing=False)

    def bounce_recorded(self) -> None:
        """A delivery failure marked addresses as bouncing: read them again."""
        self._bouncing = None

    # -- tickets ------------------------------------------------------------------

    def _read_tickets(self) -> None:
        ids = sorted(self._ids)
        threads: dict[str, set[int]] = {}
        if ids:
            for model in (OutboundMail, InboundMail):
                rows = model.objects.filter(message_id__in=ids, ticket__isnull=False)
                for message_id, ticket_id in rows.values_list("message_id", "ticket_id"):
                    threads.setdefault(message_id, set()).add(ticket_id)
        self._threads = threads
        self._tickets = dict.fromkeys(self._numbers)
        pks = {pk for found in threads.values() for pk in found}
        if self._numbers or pks:
            found = Ticket.objects.filter(
                Q(number__in=sorted(self._numbers)) | Q(pk__in=sorted(pks))
            )
            for ticket in found:
                self._by_pk[ticket.pk] = ticket
                if ticket.number in self._tickets:
                    self._tickets[ticket.number] = ticket

    def ticket_by_number(self, number: int) -> Ticket | None:
        if number not in self._numbers:
            return Ticket.objects.filter(number=number).first()
        if self._tickets is None:
            self._read_tickets()
        assert self._tickets is not None
        return self._tickets.get(number)

    def ticket_by_message_ids(self, ids: list[str]) -> Ticket | None:
        """The ticket of the nearest message of the chain that we sent or received."""
        order = {mid: index for index, mid in enumerate(ids)}
        candidates = [
            (order[mid], ticket_id) for mid in order for ticket_id in self._recorded.get(mid, ())
        ]
        if not set(ids) <= self._ids:
            candidates += [
                (order[mid], ticket_id)
                for model in (OutboundMail, InboundMail)
                for mid, ticket_id in model.objects.filter(
                    message_id__in=ids, ticket__isnull=False
                ).values_list("message_id", "ticket_id")
            ]
            if not candidates:
                return None
            return Ticket.objects.filter(pk=min(candidates)[1]).first()
        if self._threads is None:
            self._read_tickets()
        assert self._threads is not None
        candidates += [
            (order[mid], ticket_id) for mid in order for ticket_id in self._threads.get(mid, ())
        ]
        if not candidates:
            return None
        ticket_id = min(candidates)[1]
        known = self._by_pk.get(ticket_id)
        return known if known is not None else Ticket.objects.filter(pk=ticket_id).first()

    def tickets_made(self, tickets: Iterable[Ticket]) -> None:
        """Tickets opened while routing: later mails of the batch may name them."""
        for ticket in tickets:
            self._by_pk[ticket.pk] = ticket
            if self._tickets is not None and ticket.number in self._numbers:
                self._tickets[ticket.number] = ticket

    def mail_routed(self, inbound: InboundMail) -> None:
        """A mail of the batch is routed with its ticket: answers to it thread there."""
        if inbound.message_id and inbound.ticket_id:
            self._recorded.setdefault(inbound.message_id, set()).add(inbound.ticket_id)
