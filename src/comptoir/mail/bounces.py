"""Delivery failures: the address is marked as bouncing and the agents are told."""

from __future__ import annotations

from django.utils import timezone

from comptoir.tickets.models import Ticket

from .models import AddressState, DeliveryState, InboundMail, OutboundMail
from .noise import Bounce


def bounce_record(*, bounce: Bounce, inbound: InboundMail) -> Ticket | None:
    """Mark the failed addresses and the mail that bounced; returns its ticket."""
    now = timezone.now()
    sent = list(
        OutboundMail.objects.filter(message_id__in=bounce.message_ids).select_related("ticket")
    )
    addresses = set(bounce.addresses) or {o.to_address.lower() for o in sent}
    for address in addresses:
        AddressState.objects.update_or_create(
            address=address,
            defaults={"bouncing": True, "bounced_at": now, "reason": bounce.reason[:2000]},
        )
    ticket = next((o.ticket for o in sent if o.ticket is not None), None)
    for outbound in sent:
        OutboundMail.objects.filter(pk=outbound.pk).update(
            state=DeliveryState.BOUNCED, last_error=bounce.reason[:2000]
        )
    if ticket is not None:
        from .tasks import notify_ticket_event

        notify_ticket_event.enqueue(
            ticket_id=ticket.pk,
            event="bounce",
            actor_id=None,
            message_id=None,
            inbound_id=inbound.pk,
            key=f"bounce-{inbound.pk}",
            extra={"address": ", ".join(sorted(addresses)), "reason": bounce.reason[:300]},
        )
    return ticket
