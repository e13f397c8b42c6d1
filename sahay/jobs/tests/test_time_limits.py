"""Every job kind has a time limit (issue 15, item 18): past it the job fails with a message, writes nothing, and is
never taken up again, by the retry logic or by the sweep after a restart."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sahay.jobs import runner
from sahay.jobs.models import Job
from sahay.jobs.tests.kinds import TRACE_KIND


def wait_finished(job: Job, seconds: float = 30) -> Job:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job.pk} still {job.status} after {seconds} s")


def assert_stopped_by_its_limit(job: Job) -> None:
    assert job.status == Job.Status.FAILED
    assert job.message.startswith("Stopped after 1 second, the time limit for test work.")
    assert "Nothing was changed" in job.message
    assert job.attempts == 1  # not tried again
    assert not Job.objects.filter(kind=TRACE_KIND).exists()  # what it wrote was rolled back


@pytest.mark.django_db
def test_an_inline_job_that_reports_progress_stops_at_its_time_limit(role_users: Any, settings: Any) -> None:
    settings.SAHAY_JOB_TIME_LIMITS = "test-endless=1"
    started = time.monotonic()
    job = runner.job_create(kind="test-endless", owner=role_users.me_officer, arguments={"seconds": 4})
    job.refresh_from_db()
    assert time.monotonic() - started < 3
    assert_stopped_by_its_limit(job)


def test_a_job_in_a_thread_of_the_web_process_stops_at_its_time_limit_and_stays_stopped(
    committed_db: None, role_users: Any, settings: Any
) -> None:
    settings.SAHAY_JOBS_INLINE, settings.SAHAY_BROKER_URL = False, ""
    settings.SAHAY_JOB_TIME_LIMITS = "test-endless=1, import=900"
    job = runner.job_create(kind="test-endless", owner=role_users.me_officer, arguments={"seconds": 4})
    assert_stopped_by_its_limit(wait_finished(job, seconds=3.5))
    assert runner.jobs_sweep(stale=timedelta(0), start=False) == runner.SweepResult()  # nothing to take up


@pytest.mark.django_db
def test_the_sweep_gives_up_a_job_whose_worker_died_past_its_time_limit(role_users: Any, settings: Any) -> None:
    """A worker killed by the hard limit (or restarted) leaves its job running: the sweep must not start it again."""
    settings.SAHAY_JOBS_INLINE = False  # nothing runs: this test plays the dead worker
    settings.SAHAY_JOB_TIME_LIMITS = "test-endless=1"
    over = Job.objects.create(kind="test-endless", owner=role_users.me_officer, arguments={"seconds": 60})
    within = Job.objects.create(kind="test-busy", owner=role_users.me_officer, arguments={"seconds": 60})
    long_ago = timezone.now() - timedelta(hours=1)
    Job.objects.filter(pk__in=[over.pk, within.pk]).update(
        status=Job.Status.RUNNING, attempts=1, started_at=long_ago, heartbeat_at=long_ago
    )
    Job.objects.filter(pk=within.pk).update(started_at=timezone.now() - timedelta(minutes=10))

    swept = runner.jobs_sweep(stale=timedelta(minutes=5), start=False)
    assert (swept.requeued, swept.failed) == ([within.pk], [over.pk])  # a kind's default limit is over 10 minutes
    over.refresh_from_db()
    assert over.status == Job.Status.FAILED and over.finished_at is not None
    assert over.message.startswith("Stopped after 1 second, the time limit for test work.")


def test_celery_is_given_the_kinds_time_limit(
    committed_db: None, role_users: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sahay.jobs import celery as celery_module

    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(celery_module.run, "apply_async", lambda args, **options: sent.append(options))
    settings.SAHAY_JOBS_INLINE, settings.SAHAY_BROKER_URL = False, "redis://127.0.0.1:6379/0"
    settings.SAHAY_JOB_TIME_LIMITS = "test-endless=90"
    runner.job_create(kind="test-endless", owner=role_users.me_officer, arguments={"seconds": 1})
    # The soft limit raises inside the job (it fails with its message); the hard one, a little later, ends the process.
    assert (sent[0]["soft_time_limit"], sent[0]["time_limit"]) == (90, 120)

    settings.SAHAY_JOB_TIME_LIMITS = ""
    from sahay.imports.jobs import IMPORT_JOB

    assert runner.time_limit(IMPORT_JOB) == 15 * 60  # declared where the kind is registered
    assert runner.time_limit_message(IMPORT_JOB, 15 * 60).startswith(
        "Stopped after 15 minutes, the time limit for imports."
    )


def test_a_malformed_time_limit_setting_is_refused_at_start(settings: Any) -> None:
    from sahay.jobs.apps import job_time_limits_check

    settings.SAHAY_JOB_TIME_LIMITS = "import=900, report=soon"
    (error,) = job_time_limits_check()
    assert error.id == "sahay.jobs.E001" and "'report=soon' is not KIND=SECONDS" in error.msg
    settings.SAHAY_JOB_TIME_LIMITS = "import=900, report=600"
    assert job_time_limits_check() == []
    assert runner.time_limits() == {"import": 900, "report": 600}


@pytest.mark.django_db
def test_an_import_past_its_time_limit_fails_with_the_limit_and_writes_nothing(role_users: Any, settings: Any) -> None:
    from sahay.imports.jobs import import_start
    from sahay.imports.tests.helpers import csv_bytes
    from sahay.records.models import Person

    settings.SAHAY_JOB_TIME_LIMITS = "import=0.001"  # over before the first row is checked
    partner = role_users.partner_staff
    rows = [["Code", "Sex", "Date of birth"], *([f"TL-{number:04d}", "female", "2012-05-14"] for number in range(50))]
    job = import_start(
        kind="people",
        organisation=partner.organisation,
        uploaded_by=partner,
        data=csv_bytes(rows),
        file_name="people.csv",
        dry_run=False,
        correction_reason="",
    )
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.FAILED, 1)
    assert job.message.startswith("Stopped after 1 second, the time limit for imports. Nothing was changed.")
    assert not Person.objects.filter(organisation=partner.organisation).exists()
