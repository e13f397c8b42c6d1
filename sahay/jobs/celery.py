"""Celery, used only when a broker is configured (`SAHAY_BROKER_URL`): `celery -A sahay.jobs.celery worker`.

A message is acknowledged once its job has run (acks_late), and given back to the broker when the worker dies
during it, so a job is never lost with its worker; the job's own conditional start makes a second delivery do
nothing. A worker sweeps on start, so what a dead worker held is taken up again; `celery ... worker -B` also
sweeps every minute.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sahay.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import InterfaceError, OperationalError  # noqa: E402

logger = logging.getLogger(__name__)

app = Celery("sahay", broker=settings.SAHAY_BROKER_URL or None)
app.conf.update(
    task_acks_late=True,
    worker_prefetch_multiplier=1,
    task_reject_on_worker_lost=True,
    task_default_queue=os.environ.get("SAHAY_JOBS_QUEUE", "celery"),
    broker_connection_retry_on_startup=True,
    beat_schedule={
        "sweep": {"task": "sahay.jobs.sweep", "schedule": 60.0},
        "figures-compact": {"task": "sahay.figures.compact", "schedule": 600.0},
    },
)


@app.task(  # type: ignore[untyped-decorator]  # celery ships no types
    name="sahay.jobs.run",
    bind=True,
    # The database or the broker out of reach before the job could even be taken: the message is tried again.
    autoretry_for=(ConnectionError, OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=300,
    max_retries=8,
)
def run(self: Any, pk: int) -> str:
    from django.db import close_old_connections

    from sahay.jobs.runner import Outcome, retry_delay, run_job, send

    close_old_connections()
    outcome = run_job(pk)
    if outcome is Outcome.RETRY:  # back in the queue after a passing fault: again, a little later each time
        from sahay.jobs.models import Job

        attempts = Job.objects.filter(pk=pk).values_list("attempts", flat=True).first() or 1
        send(pk, countdown=retry_delay(attempts))
    return outcome.value


@app.task(name="sahay.jobs.sweep")  # type: ignore[untyped-decorator]  # celery ships no types
def sweep() -> dict[str, list[int]]:
    from sahay.jobs.runner import jobs_sweep

    return vars(jobs_sweep())


@app.task(name="sahay.figures.compact")  # type: ignore[untyped-decorator]  # celery ships no types
def figures_compact() -> int:
    """Fold the figure ledger's count changes together, so reads keep adding up few rows."""
    from sahay.figures.ledger.counts import compact_all

    return compact_all()


@worker_ready.connect  # type: ignore[untyped-decorator]  # celery ships no types
def sweep_on_start(**_kwargs: Any) -> None:
    from django.db import close_old_connections

    from sahay.jobs.runner import jobs_sweep

    try:
        close_old_connections()
        jobs_sweep()
    except Exception:  # a worker that cannot sweep can still work; the next sweep tries again
        logger.exception("the job sweep at worker start failed")
