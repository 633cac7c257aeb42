"""Account mails, sent by the task worker after the change that asks for them commits."""

from __future__ import annotations

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from .models import ActivationLink, User


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _send(user: User, template: str, context: dict[str, object]) -> None:
    """Render in the recipient's language and time zone, then send."""
    language = user.language or settings.LANGUAGE_CODE
    with translation.override(language), timezone.override(user.time_zone or None):
        context = {"user": user, **context}
        subject = render_to_string(f"accounts/email/{template}_subject.txt", context)
        body = render_to_string(f"accounts/email/{template}_body.txt", context)
    send_mail(" ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, [user.email])


@task()
def send_activation_mail(*, link_id: int) -> bool:
    """Mail an activation link. A link already used or replaced is not sent."""
    from .services import activation_token

    link = ActivationLink.objects.select_related("user").filter(pk=link_id).first()
    if link is None or link.used_at is not None or link.expires_at <= timezone.now():
        return False
    url = _absolute(reverse("accounts:activate", kwargs={"token": activation_token(link)}))
    _send(link.user, "activation", {"url": url, "link": link, "site_url": settings.SITE_URL})
    return True


@task()
def send_password_reset_mail(*, user_id: int) -> bool:
    """A password reset link (allauth's), for someone who asked for a new
    activation link but had already activated their account."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    path = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    _send(user, "password_reset", {"url": _absolute(path)})
    return True


@task()
def send_participant_added_mail(*, participant_id: int) -> bool:
    """Tell a person they were added to a ticket's conversation, with its link."""
    from comptoir.tickets.models import TicketParticipant

    participant = (
        TicketParticipant.objects.select_related("ticket", "user", "added_by")
        .filter(pk=participant_id)
        .first()
    )
    if participant is None or not participant.user.is_active:
        return False
    ticket = participant.ticket
    url = _absolute(reverse("portal:ticket", kwargs={"number": ticket.number}))
    _send(
        participant.user,
        "participant_added",
        {"ticket": ticket, "url": url, "added_by": participant.added_by},
    )
    return True
