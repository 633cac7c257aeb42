"""Turning ids and codes sent to the API into the objects the services take.
Unknown or inactive references are input errors (400), named by field."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from comptoir.accounts.models import Organisation, SupportGroup, User
from comptoir.tickets.attachments import pending_attachments
from comptoir.tickets.models import Attachment, Priority, Product, Status, Theme, TicketType


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def by_slug(model: type[Model], slug: str, field: str) -> Any:
    found = model.objects.filter(slug=slug, active=True).first()  # type: ignore[attr-defined]
    if found is None:
        raise _invalid(field, _("There is no active “%(code)s”.") % {"code": slug})
    return found


def ticket_type(slug: str) -> TicketType:
    return by_slug(TicketType, slug, "type")  # type: ignore[no-any-return]


def priority(slug: str | None) -> Priority:
    if slug is None:
        found = Priority.objects.filter(active=True, is_default=True).first()
        found = found or Priority.objects.filter(active=True).first()
        if found is None:
            raise _invalid("priority", _("Choose a priority."))
        return found
    return by_slug(Priority, slug, "priority")  # type: ignore[no-any-return]


def status(slug: str) -> Status:
    return by_slug(Status, slug, "status")  # type: ignore[no-any-return]


def many_active(model: type[Product] | type[Theme], ids: Sequence[int], field: str) -> list[Any]:
    found = list(model.objects.filter(pk__in=set(ids), active=True))
    if len(found) != len(set(ids)):
        raise _invalid(field, _("Some of these ids are unknown or inactive."))
    return found


def organisation(pk: int | None, *, requester: User, agent: bool) -> Organisation | None:
    """The ticket's organisation: one of the requester's (as on the portal's form);
    agents may pick any organisation for a requester who belongs to none."""
    own = list(requester.organisations.all())
    if pk is None:
        if len(own) > 1:
            raise _invalid("organisation", _("Choose one of the requester's organisations."))
        return own[0] if own else None
    chosen = next((o for o in own if o.pk == pk), None)
    if chosen is None and agent and not own:
        chosen = Organisation.objects.filter(pk=pk).first()
    if chosen is None:
        raise _invalid("organisation", _("Choose one of the requester's organisations."))
    return chosen


def any_organisation(pk: int | None) -> Organisation | None:
    if pk is None:
        return None
    found = Organisation.objects.filter(pk=pk).first()
    if found is None:
        raise _invalid("organisation", _("There is no such organisation."))
    return found


def group(pk: int | None) -> SupportGroup | None:
    if pk is None:
        return None
    found = SupportGroup.objects.filter(pk=pk).first()
    if found is None:
        raise _invalid("group", _("There is no such group."))
    return found


def customer(pk: int) -> User:
    found = User.objects.filter(pk=pk, is_active=True).first()
    if found is None:
        raise _invalid("requester", _("There is no such person."))
    return found


def agent(pk: int | None) -> User | None:
    if pk is None:
        return None
    found = User.objects.filter(pk=pk, is_active=True).first()
    if found is None or not found.is_agent:
        raise _invalid("assignee", _("Tickets can only be assigned to agents."))
    return found


def drafts(keys: Sequence[Any], *, user: User) -> list[Attachment]:
    """The caller's own uploaded files not yet on a message."""
    wanted = {str(k) for k in keys}
    found = pending_attachments(keys=wanted, user=user)
    if len(found) != len(wanted):
        raise _invalid("attachments", _("Some files are unknown or already used."))
    return found
