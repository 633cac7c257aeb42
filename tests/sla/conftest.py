"""Helpers for SLA and automation tests: the database task backend and an in-process worker."""

from __future__ import annotations

import pytest
from django.db import transaction
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from comptoir.sla.models import BusinessCalendar

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def db_tasks(settings):
    """Tasks go to the database queue, as in production, until a worker runs them."""
    settings.TASKS = DB_TASKS
    return settings


def run_worker(max_tasks: int = 1000) -> int:
    """Run the ready tasks as ``manage.py db_worker --batch`` does, in this process.

    The worker's own ``run_task`` runs each task (signals, failure bookkeeping);
    only its loop is replaced, because the real loop closes the database
    connection, which would end the test's transaction."""
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    ran = 0
    while ran < max_tasks:
        with transaction.atomic():
            result = DBTaskResult.objects.ready().get_locked()
            if result is None:
                return ran
            result.claim(worker.worker_id)
        worker.run_task(result)
        ran += 1
    raise AssertionError("the queue never emptied")


@pytest.fixture
def office(db):
    """The default calendar installed by the migrations: Mon-Fri 9-18 Paris, French holidays."""
    return BusinessCalendar.objects.get(is_default=True)
