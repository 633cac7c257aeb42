"""Background work: periodic jobs once per period, retries with backoff, admins' view."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.tasks import task
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from comptoir.accounts.models import Role
from comptoir.sla.models import PeriodicRun, TaskFailure
from comptoir.sla.retries import recover_abandoned
from comptoir.sla.scheduling import period_key
from comptoir.sla.tasks import check_sla_thresholds, run_automations
from tests.factories import UserFactory
from tests.sla.conftest import run_worker

pytestmark = pytest.mark.django_db

CALLS: list[str] = []


@task()
def always_fails(*, label: str) -> None:
    CALLS.append(label)
    raise ConnectionError("SMTP server unreachable")


@task()
def fails_once(*, label: str) -> str:
    CALLS.append(label)
    if CALLS.count(label) == 1:
        raise ConnectionError("try again")
    return "done"


@pytest.fixture(autouse=True)
def _calls():
    CALLS.clear()


def test_schedulers_clocks_a_few_seconds_apart_agree_on_the_period():
    at = datetime(2026, 3, 2, 9, 5, tzinfo=UTC)
    assert period_key(at - timedelta(seconds=2)) == period_key(at + timedelta(seconds=3))
    assert period_key(at) != period_key(at + timedelta(minutes=1))


def test_each_periodic_job_runs_once_per_period_whatever_the_number_of_schedulers(db_tasks):
    with time_machine.travel(datetime(2026, 3, 2, 9, 5, tzinfo=UTC), tick=False):
        for _ in range(3):  # three schedulers on three machines
            run_automations.enqueue(period=period_key(timezone.now()))
            check_sla_thresholds.enqueue(period=period_key(timezone.now()))
        assert run_worker() == 6
    results = DBTaskResult.objects.filter(task_path__endswith="run_automations")
    outcomes = [r.return_value for r in results]
    assert sum(1 for o in outcomes if o != {"skipped": True}) == 1
    assert PeriodicRun.objects.filter(job="run_automations").count() == 1
    assert PeriodicRun.objects.get(job="run_automations").finished_at is not None


def test_the_next_period_runs_again(db_tasks):
    with time_machine.travel(datetime(2026, 3, 2, 9, 5, tzinfo=UTC), tick=False) as clock:
        run_automations.enqueue(period=period_key(timezone.now()))
        clock.shift(timedelta(minutes=5))
        run_automations.enqueue(period=period_key(timezone.now()))
        run_worker()
    assert PeriodicRun.objects.filter(job="run_automations").count() == 2


def test_a_failing_task_is_retried_with_growing_delays_then_kept_for_admins(db_tasks):
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        always_fails.enqueue(label="x")
        run_worker()
        delays = []
        for _ in range(10):
            failure = TaskFailure.objects.order_by("-attempt").first()
            if failure.gave_up:
                break
            delays.append(failure.retry_at - timezone.now())
            clock.move_to(failure.retry_at - timedelta(seconds=1))
            assert run_worker() == 0  # not before its time
            clock.move_to(failure.retry_at)
            run_worker()
    assert delays == [timedelta(seconds=s) for s in (30, 120, 480, 1920)]
    assert len(CALLS) == 5
    last = TaskFailure.objects.get(gave_up=True)
    assert last.attempt == 5 and "ConnectionError" in last.exception
    assert "SMTP server unreachable" in last.traceback


def test_a_task_that_succeeds_on_retry_stops_retrying(db_tasks):
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False) as clock:
        fails_once.enqueue(label="y")
        run_worker()
        clock.shift(timedelta(seconds=31))
        run_worker()
        clock.shift(timedelta(hours=3))
        assert run_worker() == 0
    assert CALLS == ["y", "y"]
    assert TaskFailure.objects.count() == 1 and not TaskFailure.objects.get().gave_up


def test_admins_see_failed_tasks_and_can_retry_them(db_tasks, client):
    admin_user = UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False) as clock:
        always_fails.enqueue(label="z")
        for _ in range(6):
            run_worker()
            clock.shift(timedelta(hours=1))
        failure = TaskFailure.objects.get(gave_up=True)
        page = client.get(reverse("admin:sla_taskfailure_changelist") + "?gave_up__exact=1")
        assert page.status_code == 200 and "always_fails" in page.text
        client.post(
            reverse("admin:sla_taskfailure_changelist"),
            {"action": "retry_selected", "_selected_action": [failure.pk]},
        )
        run_worker()
    assert CALLS.count("z") == 6


def test_a_task_left_running_by_a_dead_worker_is_retried(db_tasks):
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False) as clock:
        result = fails_once.enqueue(label="w")
        DBTaskResult.objects.filter(pk=result.id).update(
            status="RUNNING", started_at=timezone.now()
        )
        assert recover_abandoned() == 0  # still within its time
        clock.shift(timedelta(hours=2))
        assert recover_abandoned() == 1
        clock.shift(timedelta(minutes=1))
        run_worker()
    assert CALLS == ["w"]  # the retry ran (and failed once, by design of the task)
    assert TaskFailure.objects.filter(exception__contains="WorkerLostError").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_real_worker_command_runs_the_periodic_jobs(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    run_automations.enqueue(period="2026-03-02T09:05Z")
    run_automations.enqueue(period="2026-03-02T09:05Z")
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 2
    assert PeriodicRun.objects.count() == 1


@pytest.mark.parametrize(
    "name",
    [
        "sla_businesscalendar",
        "sla_slapolicy",
        "sla_automationrule",
        "sla_ticketsla",
        "sla_taskfailure",
        "sla_periodicrun",
        "sla_automationrun",
    ],
)
def test_admin_pages_open(client, name):
    client.force_login(UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True))
    assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200
    add = client.get(reverse(f"admin:{name}_add"))
    assert add.status_code in (200, 403)


def test_default_rule_and_calendar_edit_pages_open(client):
    from comptoir.sla.models import AutomationRule, BusinessCalendar, SlaPolicy

    client.force_login(UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True))
    for model, obj in (
        ("automationrule", AutomationRule.objects.first()),
        ("businesscalendar", BusinessCalendar.objects.first()),
        ("slapolicy", SlaPolicy.objects.first()),
    ):
        page = client.get(reverse(f"admin:sla_{model}_change", args=[obj.pk]))
        assert page.status_code == 200


def test_the_scheduler_knows_the_periodic_jobs():
    from crontask import scheduler

    import comptoir.sla.tasks  # noqa: F401  (what `manage.py crontask` imports)

    names = {job.name for job in scheduler.get_jobs()}
    assert {"run_automations", "check_sla_thresholds", "recover_abandoned_tasks"} <= names


def test_ticket_admin_page_shows_the_sla_due_dates(client, customer):
    from tests.factories import make_ticket

    ticket = make_ticket(customer)
    client.force_login(UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk]))
    assert page.status_code == 200
    assert "Response due" in page.text and "Resolution due" in page.text
