"""People added to a ticket's conversation ("Add people to the conversation",
seed 003): colleagues of the requester, or any address when the helpdesk allows it.

Participants see the ticket, reply to it and receive its notifications
(``comptoir.mail.recipients``); visibility itself is decided in
``comptoir.tickets.queries``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.tickets.models import EventKind, Ticket, TicketEvent, TicketParticipant
from comptoir.tickets.queries import ticket_rights

from .models import Membership, Role, User
from .services import normalise_email, user_create

MAX_CANDIDATES = 200


def any_address_allowed() -> bool:
    return bool(getattr(settings, "COMPTOIR_CC_ANY_ADDRESS", False))


def _organisation_members(ticket: Ticket) -> QuerySet[Membership, Any]:
    """Members of the organisation whose people may be added: the ticket's, else
    the requester's. A subquery, so that the candidates cost one round trip and
    need no DISTINCT (a person is listed once whatever their memberships)."""
    if ticket.organisation_id is not None:
        memberships = Membership.objects.filter(organisation_id=ticket.organisation_id)
    else:
        memberships = Membership.objects.filter(
            organisation_id__in=Membership.objects.filter(user_id=ticket.requester_id).values(
                "organisation_id"
            )
        )
    return memberships.values("user_id")


def participant_candidates(ticket: Ticket) -> QuerySet[User]:
    """Colleagues who could be added: active customers of the ticket's organisation,
    not the requester, not already on the ticket."""
    return (
        User.objects.filter(
            role=Role.CUSTOMER,
            is_active=True,
            pk__in=_organisation_members(ticket),
        )
        .exclude(pk=ticket.requester_id)
        .exclude(participations__ticket=ticket)
        .order_by("last_name", "first_name", "email")
    )


def _person(ticket: Ticket, *, actor: User, user: User | None, email: str) -> User:
    if user is not None:
        person = user
    else:
        email = normalise_email(email)
        found = User.objects.filter(email__iexact=email).first() if email else None
        if found is None:
            if not email:
                raise ValidationError(_("Choose a person or type an email address."))
            if not (any_address_allowed() or actor.is_agent):
                raise ValidationError(_("You can only add members of your organisation."))
            return user_create(email=email, created_by=actor)
        person = found
    if not person.is_active:
        raise ValidationError(_("This account is deactivated."))
    if person.is_agent:
        raise ValidationError(_("The support team already sees every conversation it handles."))
    if person.pk == ticket.requester_id:
        raise ValidationError(_("The requester already takes part in the conversation."))
    colleague = _organisation_members(ticket).filter(user=person).exists()
    if not (colleague or actor.is_agent or any_address_allowed()):
        raise ValidationError(_("You can only add members of your organisation."))
    return person


@transaction.atomic
def participant_add(
    *, ticket: Ticket, actor: User, user: User | None = None, email: str = ""
) -> TicketParticipant:
    """Add a person to the conversation, by account or by address (a new contact
    when the address is unknown and the helpdesk allows any address). They are
    told by mail; a new contact receives an activation link instead."""
    from .tasks import send_participant_added_mail

    if not ticket_rights(actor, ticket).manage_participants:
        raise PermissionDenied
    person = _person(ticket, actor=actor, user=user, email=email)
    now = timezone.now()
    participant, created = TicketParticipant.objects.get_or_create(
        ticket=ticket, user=person, defaults={"added_by": actor, "created_at": now}
    )
    if not created:
        raise ValidationError(
            _("%(name)s already takes part in the conversation.") % {"name": person.display_name}
        )
    TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        kind=EventKind.FIELD,
        field="participants",
        new_value=person.email,
        created_at=now,
    )
    if person.has_usable_password():
        send_participant_added_mail.enqueue(participant_id=participant.pk)
    return participant


@transaction.atomic
def participant_remove(*, ticket: Ticket, actor: User, user: User) -> None:
    """Take a person off the conversation: they no longer see the ticket (unless
    another right shows it to them). Anyone may leave on their own."""
    if actor.pk != user.pk and not ticket_rights(actor, ticket).manage_participants:
        raise PermissionDenied
    deleted, _kinds = TicketParticipant.objects.filter(ticket=ticket, user=user).delete()
    if deleted:
        TicketEvent.objects.create(
            ticket=ticket,
            actor=actor,
            kind=EventKind.FIELD,
            field="participants",
            old_value=user.email,
            created_at=timezone.now(),
        )
