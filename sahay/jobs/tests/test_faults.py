"""Background work under faults, on loopback: a worker killed mid-import, the database stopped mid-import, a full disk.

Each test starts what it breaks (a Celery worker, a private PostgreSQL cluster) in processes of its own, on the
test's own database, queue and port, so tests running side by side (pytest-xdist) never share them. A service a
test needs that is missing fails the test with what to start: the suite never skips.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from sahay.imports.jobs import import_start
from sahay.imports.tests.helpers import csv_bytes
from sahay.jobs import runner
from sahay.jobs.models import Job
from sahay.records.models import Person

VENV_BIN = Path(sys.executable).parent
ROWS = 1_500  # people in the file: a few seconds of work for a worker
BROKERS = {"redis": "redis://127.0.0.1:6379/0", "rabbitmq": "amqp://guest:guest@127.0.0.1:5672//"}
# `make test` kills a worker on Redis; `make bench` does it on every broker (SAHAY_FAULT_BROKERS=redis,rabbitmq).
TESTED_BROKERS = os.environ.get("SAHAY_FAULT_BROKERS", "redis").split(",")


def wait_for(condition: Callable[[], Any], *, seconds: float, what: str, every: float = 0.05) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"gave up after {seconds} s waiting for {what}")


def reachable(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 0), timeout=1):
            return True
    except OSError:
        return False


def people_file(rows: int) -> bytes:
    header = ["Code", "Sex", "Date of birth", "Estimated year of birth"]
    return csv_bytes([header] + [[f"F{number:06d}", "female", "2010-03-01", ""] for number in range(rows)])


def fresh(job: Job) -> Job:
    job.refresh_from_db()
    return job


def database_url() -> str:
    """The test database as a URL another process can open: it must see what this test commits."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{database['NAME']}"
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    return (
        f"postgres://{database['USER']}{password}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
        f"/{database['NAME']}"
    )


def writing_transaction_open() -> bool:
    """Whether another connection is inside a write transaction on the test database (the import's)."""
    if connection.vendor == "sqlite":
        probe = sqlite3.connect(settings.DATABASES["default"]["NAME"], timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return True  # a writer holds the lock
        else:
            probe.execute("ROLLBACK")
            return False
        finally:
            probe.close()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND backend_xid IS NOT NULL AND xact_start < now() - interval '300 milliseconds'"
        )
        return bool(cursor.fetchone()[0])


@dataclass
class Broker:
    url: str
    queue: str


@pytest.fixture(params=sorted(TESTED_BROKERS))
def broker(request: pytest.FixtureRequest, settings: Any) -> Iterator[Broker]:
    url = BROKERS[request.param]
    if not reachable(url):
        pytest.fail(f"This test needs {request.param} at {url}: start it (the suite never skips).")
    queue = f"sahay-test-{uuid.uuid4().hex[:12]}"  # this test's alone: parallel tests never take its messages
    settings.SAHAY_JOBS_INLINE, settings.SAHAY_BROKER_URL, settings.SAHAY_JOBS_QUEUE = False, url, queue
    yield Broker(url, queue)
    from kombu import Connection

    with Connection(url) as broker_connection:
        broker_connection.default_channel.queue_delete(queue)


class Worker:
    """A real Celery worker (`celery -A sahay.jobs.celery worker --pool=solo`) on the test's database and queue."""

    def __init__(
        self, broker: Broker, log: Path, *, wait: bool = True, pool: str = "solo", options: tuple[str, ...] = ()
    ) -> None:
        self.log = log
        environment = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "SAHAY_BROKER_URL": broker.url,
            "SAHAY_JOBS_QUEUE": broker.queue,
            "SAHAY_ENCRYPTION_KEYS": ",".join(settings.SAHAY_ENCRYPTION_KEYS),
            "SAHAY_SECRET_KEY": settings.SECRET_KEY,
            "SAHAY_JOBS_HEARTBEAT_SECONDS": "0.5",
            "SAHAY_JOBS_INLINE": "",
            "SAHAY_JOB_TIME_LIMITS": getattr(settings, "SAHAY_JOB_TIME_LIMITS", ""),
        }
        with log.open("ab") as output:
            self.process = subprocess.Popen(  # noqa: S603 - our own worker, no shell
                [
                    str(VENV_BIN / "celery"),
                    "-A",
                    "sahay.jobs.celery",
                    "worker",
                    f"--pool={pool}",
                    *options,
                    "-Q",
                    broker.queue,
                    "-n",
                    f"{broker.queue}-{uuid.uuid4().hex[:6]}@localhost",
                    "--without-gossip",
                    "--without-mingle",
                    "--loglevel=INFO",
                ],
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
                cwd=settings.BASE_DIR.parent,
            )
        if wait:
            self.wait_ready()

    def wait_ready(self) -> None:
        # Its start is mostly Django's: slow on a loaded machine, hence the generous bound.
        wait_for(lambda: " ready." in self.text() or self.process.poll() is not None, seconds=60, what="the worker")
        assert self.process.poll() is None, self.text()

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)  # no goodbye: the message stays unacknowledged, the job running
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def test_a_worker_killed_during_an_import_leaves_nothing_and_a_new_worker_completes_it_once(
    committed_db: None, broker: Broker, role_users: Any, client_for: Any, tmp_path: Path
) -> None:
    partner = role_users.partner_staff.organisation
    page = client_for(role_users.partner_staff)
    workers = [Worker(broker, tmp_path / "worker-1.log")]
    try:
        job = import_start(
            kind="people",
            organisation=partner,
            uploaded_by=role_users.partner_staff,
            data=people_file(ROWS),
            file_name="people.csv",
            dry_run=False,
            correction_reason="",
        )

        # The user follows it while it runs.
        def checked_some() -> bool:
            job.refresh_from_db()
            return job.status == Job.Status.RUNNING and job.progress_done > 0

        wait_for(checked_some, seconds=30, what="the import to start checking rows")
        # A second worker comes up beside it (on the same queue) while the first one works.
        workers.append(Worker(broker, tmp_path / "worker-2.log", wait=False))

        # Every row checked: now it writes, in one transaction. Kill the worker in the middle of it.
        wait_for(lambda: fresh(job).progress_done == ROWS, seconds=30, what="the check to end")
        wait_for(writing_transaction_open, seconds=10, what="the import's write transaction")
        time.sleep(0.3)
        assert writing_transaction_open()
        workers[0].kill()

        job.refresh_from_db()
        assert job.status == Job.Status.RUNNING and job.attempts == 1  # as the dead worker left it
        assert Person.objects.filter(organisation=partner).count() == 0  # all or nothing: nothing
        # The user sees it as the dead worker left it (on SQLite no page can write while the import writes).
        running = page.get(f"/imports/jobs/{job.pk}/").content.decode()
        assert "Running" in running and "rows checked" in running

        # The sweep sees it stopped beating and puts it back in the queue, for the worker that is left.
        time.sleep(1.2)
        out = StringIO()
        call_command("jobs_sweep", stale_seconds=1, stdout=out)
        assert "Back in the queue: 1; given up: 0" in out.getvalue()
        job.refresh_from_db()
        assert job.status == Job.Status.QUEUED
        assert "Waiting to start" in page.get(f"/imports/jobs/{job.pk}/").content.decode()

        workers[1].wait_ready()
        wait_for(lambda: fresh(job).is_finished, seconds=30, what="the import to finish")
        assert job.status == Job.Status.DONE and job.attempts == 2
        assert job.message == f"Imported: {ROWS} created, 0 updated, 0 unchanged."
        assert Person.objects.filter(organisation=partner).count() == ROWS  # once

        # A message delivered again (RabbitMQ hands the dead worker's one to the next; any broker may repeat
        # one) finds the job done and does nothing.
        runner.send(job.pk)
        wait_for(lambda: "'skipped'" in workers[1].text(), seconds=15, what="the repeated message")
        assert Person.objects.filter(organisation=partner).count() == ROWS
        finished_at = job.finished_at
        job.refresh_from_db()
        assert (job.status, job.attempts, job.finished_at) == (Job.Status.DONE, 2, finished_at)
        done = page.get(f"/imports/jobs/{job.pk}/").content.decode()
        assert "Done" in done and f"Imported: {ROWS} created" in done
        assert "Traceback" not in workers[1].text()
    finally:
        for worker in workers:
            worker.stop()


def test_a_worker_stops_a_job_at_its_time_limit_even_when_it_reports_no_progress(
    committed_db: None, broker: Broker, role_users: Any, settings: Any, tmp_path: Path
) -> None:
    """Celery's soft limit stops work that never reports progress (the runner's own check cannot see it)."""
    from sahay.jobs.tests.kinds import TRACE_KIND

    settings.SAHAY_JOB_TIME_LIMITS = "test-busy=1"
    # The pool that enforces time limits (a child process per job); the test kinds loaded beside Sahay's.
    worker = Worker(
        broker, tmp_path / "worker.log", pool="prefork", options=("--concurrency=1", "-I", "sahay.jobs.tests.kinds")
    )
    try:
        job = runner.job_create(kind="test-busy", owner=role_users.me_officer, arguments={"seconds": 20})
        wait_for(lambda: fresh(job).is_finished, seconds=15, what="the job to stop")
        assert job.status == Job.Status.FAILED and job.attempts == 1
        assert job.message.startswith("Stopped after 1 second, the time limit for test work.")
        assert not Job.objects.filter(kind=TRACE_KIND).exists()  # rolled back
        time.sleep(1)
        assert fresh(job).attempts == 1  # and not taken up again
        assert "Traceback" not in worker.text()
    finally:
        worker.stop()


@pytest.fixture
def small_disk() -> Iterator[Path]:
    """A 2 MB filesystem of its own (tmpfs), mounted for the test: what a full disk really answers."""
    directory = Path(tempfile.mkdtemp(prefix="sahay-small-disk-"))
    mounted = subprocess.run(  # noqa: S603 - fixed arguments
        ["/usr/bin/mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(directory)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        directory.rmdir()
        pytest.fail(f"This test mounts a small tmpfs (it needs root): {mounted.stderr.decode().strip()}")
    try:
        yield directory
    finally:
        subprocess.run(["/usr/bin/umount", str(directory)], check=False)  # noqa: S603
        directory.rmdir()


def fill(directory: Path, *, leave: int) -> Path:
    """Take all but `leave` bytes of the filesystem, in a file that can be deleted to give the space back."""
    ballast = directory / "ballast"
    free = shutil.disk_usage(directory).free
    with ballast.open("wb") as stream:
        try:
            stream.write(b"\0" * max(0, free - leave))
        except OSError as error:
            assert error.errno == errno.ENOSPC
    return ballast


@pytest.mark.django_db
def test_a_report_on_a_full_disk_says_so_leaves_no_part_and_keeps_the_previous_one(
    programme: Any, small_disk: Path
) -> None:
    out = small_disk / "report.html"
    call_command("report", period="2017-H1", format="html", out=str(out), stdout=StringIO())
    previous = out.read_bytes()
    assert len(previous) > 8192

    ballast = fill(small_disk, leave=4096)  # less than a report: the write runs out half-way
    with pytest.raises(Exception, match="The disk is full: nothing was written") as refused:
        call_command("report", period="2017-H1", format="html", out=str(out), stdout=StringIO())
    assert "report.html is unchanged" in str(refused.value) and "Traceback" not in str(refused.value)
    assert sorted(path.name for path in small_disk.iterdir()) == ["ballast", "report.html"]  # no partial file
    assert out.read_bytes() == previous

    new_place = small_disk / "new.html"
    with pytest.raises(Exception, match="was not created"):
        call_command("report", period="2017-H1", format="html", out=str(new_place), stdout=StringIO())
    assert not new_place.exists()

    ballast.unlink()  # the space comes back
    written = StringIO()
    call_command("report", period="2017-H1", format="html", out=str(out), stdout=written)
    assert "Wrote" in written.getvalue()
    assert out.read_bytes().rstrip().endswith(b"</html>")  # whole (made again now: its time of making differs)
