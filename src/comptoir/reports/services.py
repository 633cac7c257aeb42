"""What reports need to know when a ticket changes.

``report_ticket_changed`` is called by ``tickets.services._after_change``, after
the SLA clocks moved, inside the ticket's transaction: it asks the satisfaction
survey when the ticket is resolved, and keeps the first response's business
time so that reports can take medians in the database.
"""

from __future__ import annotations

from datetime import timedelta

from comptoir.sla.calendar import business_time_between
from comptoir.sla.models import TicketSla
from comptoir.sla.services import sla_schedule
from comptoir.tickets.models import Category, Ticket

from .models import TicketTiming
from .surveys import survey_ticket_changed


def timing_record(*, ticket: Ticket, sla: TicketSla | None = None) -> TicketTiming | None:
    """Store the business time to the first response once it is known. ``sla``:
    the ticket's clocks when the caller has them at hand (saves reading them)."""
    if ticket.category == Category.NEW and ticket.first_response_at is None:
        return None
    if sla is not None and sla.responded_at is None:
        return None
    if TicketTiming.objects.filter(pk=ticket.pk).exists():
        return None
    if sla is None:
        sla = TicketSla.objects.select_related("policy__calendar").filter(pk=ticket.pk).first()
    if sla is None or sla.responded_at is None:
        return None
    elapsed = business_time_between(sla_schedule(sla), ticket.created_at, sla.responded_at)
    return TicketTiming.objects.create(ticket=ticket, response_business=max(elapsed, timedelta(0)))


def report_ticket_changed(*, ticket: Ticket, event: str, sla: TicketSla | None = None) -> None:
    timing_record(ticket=ticket, sla=sla)
    survey_ticket_changed(ticket=ticket, event=event)
