"""SLA rows for every ticket, set-based, with a chosen share due for the sweep.

Every ticket gets its ``TicketSla`` row (one INSERT ... SELECT for the missing
ones), its status recorded as entered an hour ago. Then ``share`` of all
tickets, taken among the resolved and waiting-on-customer ones, are moved back
30 days so that the default automations ("waiting on the customer for 5
business days -> resolved", "resolved for 3 business days -> closed") find
them due. Rows made due by a previous run are reset first, so each run of the
sweep sees the same amount of work.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from comptoir.tickets.models import Category, Ticket

DUE_CATEGORIES = (Category.PENDING_CUSTOMER.value, Category.RESOLVED.value)


def _zero_duration() -> str:
    return "interval '0'" if connection.vendor == "postgresql" else "0"


@transaction.atomic
def prepare_sweep(share: float) -> dict[str, int]:
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    recent, old = adapt(now - timedelta(hours=1)), adapt(now - timedelta(days=30))
    zero = _zero_duration()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO sla_ticketsla (ticket_id, matched_on, category, category_since,
                response_warned, response_breached, resolution_state, resolution_elapsed,
                resolution_warned, resolution_breached, paused_total, updated_at)
            SELECT t.id, '', t.category, %s, false, false, 'idle', {zero},
                   false, false, {zero}, %s
            FROM tickets_ticket t
            WHERE NOT EXISTS (SELECT 1 FROM sla_ticketsla s WHERE s.ticket_id = t.id)
            """,
            [recent, adapt(now)],
        )
        inserted = cursor.rowcount
        cursor.execute(
            "UPDATE sla_ticketsla SET category_since = %s WHERE category_since < %s",
            [recent, adapt(now - timedelta(days=2))],
        )
        total = Ticket.objects.count()
        wanted = int(total * share)
        # A fixed, spread-out choice: ids ordered by a multiplicative hash.
        cursor.execute(
            """
            UPDATE sla_ticketsla SET category_since = %s WHERE ticket_id IN (
                SELECT t.id FROM tickets_ticket t JOIN sla_ticketsla s ON s.ticket_id = t.id
                WHERE t.category IN (%s, %s) AND s.category = t.category
                ORDER BY (t.id * 7919) %% 100003, t.id LIMIT %s)
            """,
            [old, *DUE_CATEGORIES, wanted],
        )
        due = cursor.rowcount
    if connection.vendor == "postgresql" and inserted > 10_000:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE sla_ticketsla")
    return {"inserted": inserted, "due": due, "tickets": total}
