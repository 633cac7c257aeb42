"""Balance alerts: organisation managers and the account's agents are told when
the balance falls under the contract's threshold and when it goes negative,
once per crossing. Mails go through the email channel: stored as
``OutboundMail`` in the recipient's language, sent by the mail app's task."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.mail import outbound
from comptoir.mail.models import OutboundMail

from .durations import format_minutes
from .models import Contract

LOW = "low"
NEGATIVE = "negative"


def crossing(*, before: int, after: int, threshold: int) -> str | None:
    """The line the balance went under with this change, if any (the lower one
    when it crossed both)."""
    if after < 0 <= before:
        return NEGATIVE
    if after < threshold <= before:
        return LOW
    return None


def recipients(contract: Contract) -> list[User]:
    managers = User.objects.filter(
        is_active=True,
        memberships__organisation_id=contract.organisation_id,
        memberships__is_manager=True,
    )
    agents = contract.account_agents.filter(is_active=True)
    people = {u.pk: u for u in [*managers, *agents] if u.email}
    return sorted(people.values(), key=lambda u: u.pk)


def balance_changed(*, contract: Contract, before: int, after: int, actor: User | None) -> int:
    """Write the alert mails if the change crossed a line; returns how many."""
    level = crossing(before=before, after=after, threshold=contract.low_threshold)
    if level is None:
        return 0
    from comptoir.mail.tasks import outbound_send

    mailbox = outbound.mailbox_of(None)
    url = settings.SITE_URL.rstrip("/") + reverse("contracts:hours")
    url += f"?org={contract.organisation_id}"
    sent = 0
    for person in recipients(contract):
        language = person.language or (mailbox.language if mailbox else "") or "en"
        with translation.override(language):
            context = {
                "person": person,
                "organisation": contract.organisation.name,
                "balance": format_minutes(after),
                "threshold": format_minutes(contract.low_threshold),
                "level": level,
                "url": url,
            }
            if level == NEGATIVE:
                subject = _("%(org)s: the hours bank is overdrawn") % {
                    "org": contract.organisation.name
                }
            else:
                subject = _("%(org)s: few support hours left") % {"org": contract.organisation.name}
            text = render_to_string("contracts/email/alert.txt", context).strip() + "\n"
            html = render_to_string("contracts/email/alert.html", context)
        mail = OutboundMail.objects.create(
            kind=f"hours_{level}",
            dedup_key=f"hours:{contract.pk}:{level}:{uuid.uuid4().hex}"[:120],
            recipient=person,
            from_address=outbound._sender(mailbox),
            to_address=person.email,
            subject=subject[:500],
            body_text=text,
            body_html=html,
            message_id=outbound._new_message_id(mailbox, None),
            created_at=timezone.now(),
        )
        outbound_send.enqueue(outbound_id=mail.pk)
        sent += 1
    return sent
