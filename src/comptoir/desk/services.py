"""Changes to the desk's own data. Changes to tickets go through
``comptoir.tickets.services``; the desk only calls them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.accounts.models import SupportGroup, User
from comptoir.tickets.models import Priority, Status, Ticket, TicketType
from comptoir.tickets.richtext import sanitise

from .models import DeskAgentProfile, Macro, SavedView, TicketFollower, TicketLink, TicketPresence
from .queries import can_manage_shared

MAX_VIEWS = 50
# Presence rows older than this are deleted when the ticket is next opened.
PRESENCE_KEEP = timedelta(hours=12)
# Opening a ticket again within this long writes no presence: other agents see
# the viewer until PRESENCE_WINDOW (90 s) after the last write, so at most this
# much less than after the last view (the open page refreshes it anyway).
PRESENCE_REFRESH = timedelta(seconds=20)
# What a saved view keeps from the URL: filters and sort, never the page.
VIEW_SKIP = {"page", "csrfmiddlewaretoken"}


def _require_agent(user: User) -> None:
    if not user.is_agent:
        raise PermissionDenied


def saved_view_save(*, owner: User, name: str, query: str) -> SavedView:
    """Save (or overwrite, by name) a queue with its filters for ``owner``."""
    _require_agent(owner)
    name = " ".join(name.split())[:80]
    if not name:
        raise ValidationError(_("Give the view a name."))
    params = QueryDict(query, mutable=True)
    for key in VIEW_SKIP:
        params.pop(key, None)
    kept = params.urlencode()[:2000]
    existing = SavedView.objects.filter(owner=owner, name=name).first()
    if existing is not None:
        existing.query = kept
        existing.save(update_fields=["query"])
        return existing
    if SavedView.objects.filter(owner=owner).count() >= MAX_VIEWS:
        raise ValidationError(_("You have too many saved views: delete one first."))
    return SavedView.objects.create(owner=owner, name=name, query=kept)


def saved_view_delete(*, owner: User, view_id: int) -> None:
    SavedView.objects.filter(owner=owner, pk=view_id).delete()


def follower_toggle(*, ticket: Ticket, user: User) -> bool:
    """Follow the ticket, or stop following it; True when now following."""
    _require_agent(user)
    deleted, _rows = TicketFollower.objects.filter(ticket=ticket, user=user).delete()
    if deleted:
        return False
    try:
        with transaction.atomic():
            TicketFollower.objects.create(ticket=ticket, user=user)
    except IntegrityError:
        pass  # followed twice at once: following is what was wanted
    return True


def link_add(*, ticket: Ticket, other: Ticket, user: User) -> TicketLink:
    _require_agent(user)
    if ticket.pk == other.pk:
        raise ValidationError(_("A ticket cannot be linked to itself."))
    first, second = sorted((ticket.pk, other.pk))
    link, _created = TicketLink.objects.get_or_create(
        first_id=first, second_id=second, defaults={"created_by": user}
    )
    return link


def link_remove(*, ticket: Ticket, other: Ticket, user: User) -> None:
    _require_agent(user)
    first, second = sorted((ticket.pk, other.pk))
    TicketLink.objects.filter(first_id=first, second_id=second).delete()


def presence_touch(*, ticket: Ticket, user: User, typing: bool = False) -> None:
    """Note that ``user`` has the ticket open (and is typing a reply)."""
    now = timezone.now()
    values: dict[str, Any] = {"seen_at": now}
    if typing:
        values["typing_at"] = now
    updated = TicketPresence.objects.filter(ticket=ticket, user=user).update(**values)
    if updated:
        return
    try:
        with transaction.atomic():
            TicketPresence.objects.create(ticket=ticket, user=user, **values)
    except IntegrityError:
        TicketPresence.objects.filter(ticket=ticket, user=user).update(**values)
    # Rows are only added here: clearing the old ones here too keeps them few.
    TicketPresence.objects.filter(ticket=ticket, seen_at__lt=now - PRESENCE_KEEP).delete()


def presence_seen(
    *, ticket: Ticket, user: User, seen_at: datetime | None, now: datetime | None = None
) -> bool:
    """Note that ``user`` opened the ticket, unless their presence, last written
    at ``seen_at``, is more recent than ``PRESENCE_REFRESH``. Whether it wrote."""
    now = now or timezone.now()
    if seen_at is not None and now - seen_at < PRESENCE_REFRESH:
        return False
    presence_touch(ticket=ticket, user=user)
    return True


def agent_set_away(*, user: User, away: bool) -> DeskAgentProfile:
    """Away agents get no ticket from automatic assignment."""
    _require_agent(user)
    profile, _created = DeskAgentProfile.objects.get_or_create(user=user)
    if profile.away != away:
        profile.away = away
        profile.save(update_fields=["away"])
    return profile


def macro_save(
    *,
    user: User,
    macro: Macro | None,
    name: str,
    body_html: str,
    shared: bool,
    as_note: bool = False,
    set_status: Status | None = None,
    set_type: TicketType | None = None,
    set_priority: Priority | None = None,
    set_group: SupportGroup | None = None,
) -> Macro:
    """Create or change a macro. Agents keep personal macros; supervisors and
    administrators also manage the shared ones."""
    _require_agent(user)
    if shared and not can_manage_shared(user):
        raise PermissionDenied
    if macro is not None and not _may_edit(user, macro):
        raise PermissionDenied
    macro = macro or Macro()
    macro.name = " ".join(name.split())[:120]
    macro.body_html = sanitise(body_html)
    macro.owner = None if shared else user
    macro.as_note = as_note
    macro.set_status = set_status
    macro.set_type = set_type
    macro.set_priority = set_priority
    macro.set_group = set_group
    macro.save()
    return macro


def macro_delete(*, user: User, macro: Macro) -> None:
    if not _may_edit(user, macro):
        raise PermissionDenied
    macro.delete()


def _may_edit(user: User, macro: Macro) -> bool:
    return macro.owner_id == user.pk or (macro.owner_id is None and can_manage_shared(user))


def ids_from(values: Sequence[str], limit: int) -> list[int]:
    """Ticket ids posted by a form, bounded and checked."""
    ids = [int(v) for v in values if str(v).isdigit() and len(str(v)) < 12]
    return list(dict.fromkeys(ids))[:limit]
