"""Background work of surveys and exports. Tasks take ids and are safe to run twice."""

from __future__ import annotations

from crontask import cron
from django.tasks import task

from .models import Survey


@task()
def survey_mail_send(*, survey_id: int) -> bool:
    """Write the survey mail (once) and hand it to the email channel."""
    from .surveys import survey_mail_create

    survey = Survey.objects.select_related("ticket", "requester").filter(pk=survey_id).first()
    if survey is None:
        return False
    return survey_mail_create(survey=survey) is not None


@task()
def bad_rating_notify(*, survey_id: int, key: str) -> int:
    """Tell the supervisors of the ticket's group about a bad rating."""
    from .surveys import bad_rating_mails_create

    survey = Survey.objects.select_related("ticket").filter(pk=survey_id).first()
    if survey is None:
        return 0
    return bad_rating_mails_create(survey=survey, key=key)


@task()
def export_job_run(*, job_id: int) -> str:
    from .export_jobs import export_job_execute

    return export_job_execute(job_id=job_id)


@cron("23 * * * *")
@task()
def purge_expired_exports() -> int:
    """Every hour: delete export files past their expiry."""
    from .export_jobs import export_jobs_purge

    return export_jobs_purge()
