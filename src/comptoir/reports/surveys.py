"""Satisfaction surveys: asked once per resolution, answered by link or on the ticket.

``survey_ticket_changed`` is called by ``tickets.services._after_change`` inside
the ticket's transaction: the survey row and the job that mails it commit with
the resolution, or not at all. A GET on a survey link never records anything
(mail link scanners follow every link); ``survey_answer`` records a confirmed
answer and can be called again, until the deadline, to change it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from comptoir.accounts.models import User
from comptoir.tickets.models import DONE_CATEGORIES, Category, Ticket

from .models import Survey, SurveySettings, SurveyTrigger

SUPERVISOR_ROLES = ("supervisor", "admin")
_SALT = "comptoir.reports.survey"
MAX_COMMENT = 4000


# Faces of Unicode 6.0, which common fonts draw even without a colour emoji font.
@dataclass(frozen=True)
class Face:
    score: int  # 1..5 whatever the scale
    emoji: str
    label: Promise


_FIVE = (
    Face(1, "😠", gettext_lazy("Very dissatisfied")),
    Face(2, "😞", gettext_lazy("Dissatisfied")),
    Face(3, "😐", gettext_lazy("Neutral")),
    Face(4, "😊", gettext_lazy("Satisfied")),
    Face(5, "😀", gettext_lazy("Very satisfied")),
)
# On three faces the scores stay comparable with five: 1, 3 and 5.
_THREE = (
    Face(1, "😞", gettext_lazy("Dissatisfied")),
    Face(3, "😐", gettext_lazy("Neutral")),
    Face(5, "😊", gettext_lazy("Satisfied")),
)


def faces(scale: int) -> tuple[Face, ...]:
    return _THREE if scale == 3 else _FIVE


def face_of(score: int | None) -> Face | None:
    return next((f for f in _FIVE if f.score == score), None)


def signed_in(request: Any) -> User:
    """The request's user, in views behind ``login_required``."""
    user = request.user
    assert isinstance(user, User)
    return user


def is_supervisor(user: User | Any) -> bool:
    """Supervisors and administrators see reports and hear about bad ratings."""
    return bool(getattr(user, "is_authenticated", False)) and user.role in SUPERVISOR_ROLES


# -- links ---------------------------------------------------------------------------


class SurveyLinkError(Exception):
    """A survey link that is forged, or whose time is over."""

    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def survey_token(survey: Survey) -> str:
    return signing.TimestampSigner(salt=_SALT).sign(str(survey.pk))


def survey_url(survey: Survey, score: int | None = None) -> str:
    path = reverse("reports:survey", kwargs={"token": survey_token(survey)})
    return f"{path}?score={score}" if score is not None else path


def survey_from_token(token: str) -> Survey:
    """The survey a signed link points at; SurveyLinkError when forged or expired."""
    days = SurveySettings.load().answer_days
    try:
        pk = signing.TimestampSigner(salt=_SALT).unsign(token, max_age=timedelta(days=days))
    except signing.SignatureExpired:
        raise SurveyLinkError(expired=True) from None
    except signing.BadSignature:
        raise SurveyLinkError(expired=False) from None
    survey = Survey.objects.select_related("ticket", "requester").filter(pk=int(pk)).first()
    if survey is None:
        raise SurveyLinkError(expired=False)
    return survey


# -- asking ----------------------------------------------------------------------------


def _asks_on(trigger: str) -> tuple[str, ...]:
    return DONE_CATEGORIES if trigger == SurveyTrigger.RESOLVED else (Category.CLOSED,)


def survey_ticket_changed(*, ticket: Ticket, event: str) -> Survey | None:
    """Ask the requester once per resolution, when a status change brings the
    ticket to the configured category. Runs inside the caller's transaction.

    Only status changes ask: a duplicate closed by a merge (a "reply" event on
    the merged ticket) was not solved, and its requester is not asked."""
    if event != "status" or ticket.category not in DONE_CATEGORIES:
        return None
    if ticket.resolved_at is None:
        return None
    conf = SurveySettings.load()
    if not conf.enabled or ticket.category not in _asks_on(conf.trigger):
        return None
    requester = ticket.requester
    if requester.is_agent or not requester.is_active or not requester.email:
        return None
    now = timezone.now()
    survey, created = Survey.objects.get_or_create(
        ticket=ticket,
        resolved_at=ticket.resolved_at,
        defaults={
            "requester": requester,
            "scale": conf.scale,
            "created_at": now,
            "answer_until": now + timedelta(days=conf.answer_days),
        },
    )
    if created:
        from .tasks import survey_mail_send

        survey_mail_send.enqueue(survey_id=survey.pk)
    return survey if created else None


def survey_mail_create(*, survey: Survey) -> Any:
    """The survey mail, stored and queued by the email channel (idempotent)."""
    from .mailing import site_url, ticket_mail_store

    ticket = survey.ticket

    def render() -> tuple[str, str]:
        context = {
            "ticket": ticket,
            "recipient": survey.requester,
            "choices": [(f, site_url(survey_url(survey, f.score))) for f in faces(survey.scale)],
            "url": site_url(survey_url(survey)),
            "answer_until": survey.answer_until,
        }
        return (
            render_to_string("reports/email/survey.txt", context).strip() + "\n",
            render_to_string("reports/email/survey.html", context),
        )

    return ticket_mail_store(
        ticket=ticket,
        person=survey.requester,
        kind="survey",
        dedup=f"survey:{survey.pk}",
        render=render,
    )


# -- answering ---------------------------------------------------------------------------


class SurveyClosedError(ValidationError):
    """The deadline to answer (or change the answer) has passed."""


def is_open(survey: Survey, now: datetime | None = None) -> bool:
    return (now or timezone.now()) <= survey.answer_until


def _is_bad(score: int | None, threshold: int) -> bool:
    return score is not None and score <= threshold


@transaction.atomic
def survey_answer(*, survey: Survey, score: int, comment: str = "") -> Survey:
    """Record (or change) the rating and comment. A rating that becomes bad
    notifies the supervisors, in the same transaction."""
    survey = Survey.objects.select_for_update().select_related("ticket").get(pk=survey.pk)
    now = timezone.now()
    if not is_open(survey, now):
        raise SurveyClosedError(
            _("This survey is closed: answers were accepted until %(date)s.")
            % {"date": survey.answer_until.date().isoformat()}
        )
    if score not in {f.score for f in faces(survey.scale)}:
        raise ValidationError(_("Choose one of the faces."))
    threshold = SurveySettings.load().bad_score
    was_bad = _is_bad(survey.score, threshold)
    survey.score = score
    survey.comment = comment.strip()[:MAX_COMMENT]
    survey.answered_at = now
    survey.save(update_fields=["score", "comment", "answered_at"])
    if _is_bad(score, threshold) and not was_bad:
        from .tasks import bad_rating_notify

        bad_rating_notify.enqueue(survey_id=survey.pk, key=f"{survey.pk}:{now.timestamp()}")
    return survey


def supervisors_of(ticket: Ticket) -> list[User]:
    """The supervisors of the ticket's group; else every supervisor; else the administrators."""
    people = User.objects.filter(is_active=True).exclude(email="")
    supervisors = people.filter(role="supervisor")
    if ticket.group_id is not None:
        in_group = list(supervisors.filter(support_groups=ticket.group_id))
        if in_group:
            return in_group
    return list(supervisors) or list(people.filter(Q(role="admin")))


def bad_rating_mails_create(*, survey: Survey, key: str) -> int:
    from .mailing import site_url, ticket_mail_store

    ticket = survey.ticket
    face = face_of(survey.score)
    sent = 0
    for person in supervisors_of(ticket):

        def render(person: User = person) -> tuple[str, str]:
            context = {
                "ticket": ticket,
                "recipient": person,
                "survey": survey,
                "face": face,
                "url": site_url(reverse("portal:ticket", kwargs={"number": ticket.number})),
            }
            return (
                render_to_string("reports/email/bad_rating.txt", context).strip() + "\n",
                render_to_string("reports/email/bad_rating.html", context),
            )

        mail = ticket_mail_store(
            ticket=ticket,
            person=person,
            kind="agent_bad_rating",
            dedup=f"survey-bad:{key}:{person.pk}",
            render=render,
        )
        sent += mail is not None
    return sent
