"""The task mechanism: a job runs once, its progress and outcome are kept, and it runs without any server."""

from __future__ import annotations

import time
from typing import Any

import pytest

from sahay.jobs import runner
from sahay.jobs.models import Job
from sahay.jobs.tests.kinds import TEST_TIME_LIMIT


@runner.job("test-count", time_limit=TEST_TIME_LIMIT, title="test work")
def count_to(job: Job, progress: runner.Progress) -> None:
    total = job.arguments["to"]
    for done in range(1, total + 1):
        progress(done, total)
    if job.arguments.get("fail"):
        raise RuntimeError("broken on purpose")
    job.message, job.result = "Counted.", {"counted": total}


@pytest.mark.django_db
def test_a_job_runs_once_and_keeps_its_progress_and_outcome(role_users: Any) -> None:
    job = runner.job_create(kind="test-count", owner=role_users.me_officer, payload=b"data", arguments={"to": 1200})
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.message == "Counted." and job.result == {"counted": 1200}
    assert (job.progress_done, job.progress_total, job.progress_percent) == (1200, 1200, 100)
    assert bytes(job.payload) == b""  # the uploaded data goes once the work is over
    runner.run_job(job.pk)  # a second run (a retried task) does nothing
    job.refresh_from_db()
    assert job.result == {"counted": 1200}


@pytest.mark.django_db
def test_a_failing_job_says_so_without_its_data(role_users: Any, caplog: pytest.LogCaptureFixture) -> None:
    job = runner.job_create(
        kind="test-count", owner=role_users.me_officer, payload=b"Synthetic Name", arguments={"to": 3, "fail": True}
    )
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.message == "Something went wrong; nothing was changed."
    assert "broken on purpose" in caplog.text  # why, for whoever runs the server
    assert "Synthetic Name" not in caplog.text and bytes(job.payload) == b""  # the job's data is in neither


def test_without_a_broker_a_job_runs_in_a_thread_of_the_web_process(
    committed_db: None, role_users: Any, settings: Any
) -> None:
    settings.SAHAY_JOBS_INLINE, settings.SAHAY_BROKER_URL = False, ""
    job = runner.job_create(kind="test-count", owner=role_users.me_officer, arguments={"to": 50})
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            break
        time.sleep(0.05)
    assert job.status == Job.Status.DONE and job.result == {"counted": 50}


def test_with_a_broker_the_job_goes_to_celery(
    committed_db: None, role_users: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sahay.jobs import celery as celery_module

    sent: list[tuple[int, str]] = []
    monkeypatch.setattr(celery_module.run, "apply_async", lambda args, queue, **_options: sent.append((*args, queue)))
    settings.SAHAY_JOBS_INLINE, settings.SAHAY_BROKER_URL = False, "redis://127.0.0.1:6379/0"
    job = runner.job_create(kind="test-count", owner=role_users.me_officer, arguments={"to": 5})
    assert sent == [(job.pk, "celery")]
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED  # a worker takes it from here
    celery_module.run(job.pk)  # what the worker does
    job.refresh_from_db()
    assert job.status == Job.Status.DONE


@runner.job("test-flaky", time_limit=TEST_TIME_LIMIT, title="test work")
def flaky(job: Job, progress: runner.Progress) -> None:
    """Loses the database for its first `failures` runs, as if the server restarted under it."""
    from django.db import OperationalError

    _flaky_runs.append(job.pk)
    if len(_flaky_runs) <= job.arguments["failures"]:
        raise OperationalError("server closed the connection unexpectedly")
    job.message = "Worked."


_flaky_runs: list[int] = []


@pytest.mark.django_db
def test_a_passing_database_fault_is_retried_and_the_job_done_once(role_users: Any) -> None:
    _flaky_runs.clear()
    job = runner.job_create(kind="test-flaky", owner=role_users.me_officer, arguments={"failures": 2})
    job.refresh_from_db()
    assert (job.status, job.message, job.attempts, len(_flaky_runs)) == (Job.Status.DONE, "Worked.", 3, 3)


@pytest.mark.django_db
def test_a_fault_that_outlasts_the_attempts_fails_with_a_message_and_no_trace(
    role_users: Any, caplog: pytest.LogCaptureFixture
) -> None:
    _flaky_runs.clear()
    job = runner.job_create(kind="test-flaky", owner=role_users.me_officer, arguments={"failures": 99})
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.attempts == 3 and len(_flaky_runs) == 3
    assert job.message.startswith("The work could not be done: the database or the job queue was unavailable")
    assert "Traceback" not in job.message and "server closed" not in job.message
    assert f"job {job.pk} (test-flaky) failed after 3 attempts" in caplog.text  # the log says which and why


@pytest.mark.django_db
def test_the_sweep_requeues_a_job_whose_worker_died_then_gives_it_up(role_users: Any, settings: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    settings.SAHAY_JOBS_INLINE = False  # nothing runs: this test plays the dead worker
    job = Job.objects.create(kind="test-count", owner=role_users.me_officer, arguments={"to": 1})
    long_ago = timezone.now() - timedelta(hours=1)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, attempts=1, heartbeat_at=long_ago)
    alive = Job.objects.create(kind="test-count", owner=role_users.me_officer, status=Job.Status.RUNNING)
    Job.objects.filter(pk=alive.pk).update(attempts=1, heartbeat_at=timezone.now())

    swept = runner.jobs_sweep(start=False)
    assert (swept.requeued, swept.failed) == ([job.pk], [])
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED
    alive.refresh_from_db()
    assert alive.status == Job.Status.RUNNING  # still beating: left alone

    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, attempts=3, heartbeat_at=long_ago)
    swept = runner.jobs_sweep(start=False)
    assert swept.failed == [job.pk]
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.finished_at is not None
    assert job.message == (
        "The work stopped unexpectedly (tried 3 times) and was given up. Nothing was changed; please start it again."
    )
    assert runner.jobs_sweep(start=False) == runner.SweepResult()  # nothing left to do
