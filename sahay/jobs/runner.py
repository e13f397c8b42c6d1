"""The project's one task mechanism.

With a broker configured (`SAHAY_BROKER_URL`, Redis or RabbitMQ) jobs go to Celery workers; without one they
run in a thread of the web process, so the embedded default needs no server. `SAHAY_JOBS_INLINE` runs them
at once, in the caller (tests). Either way a job is a row in the database that the user can follow.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sahay.jobs.models import Job

logger = logging.getLogger(__name__)

Progress = Callable[[int, int | None], None]
JobFunction = Callable[[Job, Progress], None]
_REGISTRY: dict[str, JobFunction] = {}
PROGRESS_EVERY = 500  # rows between progress writes: often enough to watch, rarely enough to cost nothing


def job(kind: str) -> Callable[[JobFunction], JobFunction]:
    """Register the function that does a kind of job; it sets job.message and job.result, or raises."""

    def register(function: JobFunction) -> JobFunction:
        _REGISTRY[kind] = function
        return function

    return register


def enqueue(job_row: Job) -> None:
    """Start the job once the transaction that created it has committed."""
    pk = job_row.pk
    if settings.SAHAY_JOBS_INLINE:
        run_job(pk)  # at once, in the caller's transaction: what it writes commits or rolls back with it
    elif settings.SAHAY_BROKER_URL:
        from sahay.jobs.celery import run as celery_run

        transaction.on_commit(lambda: celery_run.delay(pk))
    else:
        transaction.on_commit(lambda: threading.Thread(target=_in_thread, args=(pk,), daemon=True).start())


def _in_thread(pk: int) -> None:
    close_old_connections()
    try:
        run_job(pk)
    finally:
        connection.close()  # a thread's connection is its own: close it, or SQLite keeps the file busy


def run_job(pk: int) -> None:
    """Do the job: running, then done or failed with a message. Running it twice does nothing the second time."""
    started = Job.objects.filter(pk=pk, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=timezone.now()
    )
    if not started:
        return  # already taken by another worker, or finished
    job_row = Job.objects.get(pk=pk)
    last_written = -PROGRESS_EVERY

    def progress(done: int, total: int | None) -> None:
        nonlocal last_written
        if done - last_written >= PROGRESS_EVERY or (total is not None and done >= total):
            Job.objects.filter(pk=pk).update(progress_done=done, progress_total=total)
            last_written = done

    try:
        # In the language of whoever started it: its messages and row errors are read by them.
        with translation.override(job_row.arguments.get("language") or settings.LANGUAGE_CODE):
            _REGISTRY[job_row.kind](job_row, progress)
    except Exception:
        # The user is told it failed; the log says why, without the job's data.
        logger.exception("job %s (%s) failed", pk, job_row.kind)
        job_row.status, job_row.message = Job.Status.FAILED, _("Something went wrong; nothing was changed.")
    else:
        job_row.status = Job.Status.DONE if job_row.status == Job.Status.RUNNING else job_row.status
    job_row.payload = b""  # the uploaded data is not kept once the work is over
    job_row.finished_at = timezone.now()
    job_row.save(update_fields=["status", "message", "result", "output", "payload", "finished_at"])


def job_create(*, kind: str, owner: Any, payload: bytes = b"", arguments: dict[str, Any] | None = None) -> Job:
    """Record a job and start it after commit."""
    from sahay.core.encryption import encrypt_bytes

    with transaction.atomic():
        job_row = Job.objects.create(
            kind=kind,
            owner=owner,
            payload=encrypt_bytes(payload) if payload else b"",
            arguments={"language": translation.get_language(), **(arguments or {})},
        )
        enqueue(job_row)
    return job_row
