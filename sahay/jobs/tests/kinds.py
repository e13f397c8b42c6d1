"""Job kinds for the tests: work that never ends by itself, with or without reporting its progress.

A module of its own (not a test module) so a real Celery worker can load it: `celery ... worker -I sahay.jobs.tests.kinds`.
"""

from __future__ import annotations

import time

from django.db import transaction

from sahay.jobs import runner
from sahay.jobs.models import Job

TEST_TIME_LIMIT = 15 * 60  # the tests shorten it with SAHAY_JOB_TIME_LIMITS
TRACE_KIND = "test-trace"  # the row the endless kinds write first: it must not outlive their time limit


def _write_trace(job_row: Job) -> None:
    Job.objects.create(kind=TRACE_KIND, owner=job_row.owner, arguments={"by": job_row.pk})


@runner.job("test-endless", time_limit=TEST_TIME_LIMIT, title="test work")
def endless(job_row: Job, progress: runner.Progress) -> None:
    """Writes a row, then works for `seconds`, saying how far it got as it goes (as an import checks its rows)."""
    with transaction.atomic():
        _write_trace(job_row)
        until, done = time.monotonic() + job_row.arguments["seconds"], 0
        while time.monotonic() < until:
            done += 1
            progress(done, None)
            time.sleep(0.005)
    job_row.message = "Finished."


@runner.job("test-busy", time_limit=TEST_TIME_LIMIT, title="test work")
def busy(job_row: Job, progress: runner.Progress) -> None:
    """Writes a row, then keeps the processor busy for `seconds` without ever reporting progress."""
    with transaction.atomic():
        _write_trace(job_row)
        until, spins = time.monotonic() + job_row.arguments["seconds"], 0
        while time.monotonic() < until:
            spins += 1
    job_row.message = "Finished."
