"""The project's one task mechanism.

With a broker configured (`SAHAY_BROKER_URL`, Redis or RabbitMQ) jobs go to Celery workers; without one they
run in a thread of the web process, so the embedded default needs no server. `SAHAY_JOBS_INLINE` runs them
at once, in the caller (tests). Either way a job is a row in the database that the user can follow.

A job is taken by one conditional UPDATE (queued to running), so a message delivered twice (a worker died
before acknowledging it, the sweep sent it again) runs it once. Whoever holds a job beats on it; a running
job that stops beating (its worker was killed) is put back in the queue by the sweep, and given up with a
message for the user after the last attempt. A passing fault (the database or the broker unreachable) puts
the job back in the queue, to be tried again later with a growing delay.

Every kind of job has a time limit (declared with the kind, changed with `SAHAY_JOB_TIME_LIMITS`). The job's
progress callback stops it once the limit has passed, in every runner; Celery also gets the limit as the task's
soft and hard time limits, which stop work that reports no progress. A job stopped by its limit fails with a
message naming the limit, what it wrote is rolled back, and it is never tried again: not by the retry logic,
and not by the sweep, which gives up a job whose worker died past its limit instead of starting it again.
"""

from __future__ import annotations

import enum
import logging
import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import InterfaceError, OperationalError, close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sahay.jobs.models import Job

logger = logging.getLogger(__name__)

Progress = Callable[[int, int | None], None]
JobFunction = Callable[[Job, Progress], None]


@dataclass(frozen=True)
class JobKind:
    function: JobFunction
    time_limit: float  # seconds, unless SAHAY_JOB_TIME_LIMITS says otherwise
    title: str | Promise  # what the work is called in messages, plural: "imports"


_REGISTRY: dict[str, JobKind] = {}
# For a job whose kind is no longer registered (left in the database by an older version): it still has a limit.
DEFAULT_TIME_LIMIT = 15 * 60
# Between Celery's soft limit (the job fails with its message) and its hard one (the process running it is ended).
HARD_LIMIT_GRACE = 30
PROGRESS_EVERY = 500  # rows between progress writes: often enough to watch, rarely enough to cost nothing
# Faults that pass: the database or the broker out of reach for a while. Anything else is a bug or bad data.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError, ConnectionError)


def _number(name: str, default: float) -> float:
    """A tuning value: from the settings when they name it (tests do), else the environment, else the default."""
    value: Any = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    return float(value)


def heartbeat_seconds() -> float:
    """How often a running job shows it is alive."""
    return _number("SAHAY_JOBS_HEARTBEAT_SECONDS", 5)


def stale_after() -> timedelta:
    """How long a running job may go without a heartbeat before its worker is taken for dead.

    Long enough for a write transaction that holds SQLite's lock (the heartbeat waits for it) to end.
    """
    return timedelta(seconds=_number("SAHAY_JOBS_STALE_SECONDS", 300))


def max_attempts() -> int:
    """How many times a job is started before it is given up."""
    return int(_number("SAHAY_JOBS_MAX_ATTEMPTS", 3))


def retry_delay(attempt: int) -> float:
    """Seconds to wait before the next try after `attempt` failed tries: 2, 4, 8 ... at most 5 minutes."""
    delay: float = _number("SAHAY_JOBS_RETRY_DELAY_SECONDS", 2) * 2.0 ** max(0, attempt - 1)
    return min(300.0, delay)


class JobTimeLimitExceededError(BaseException):
    """Raised in a job that runs past its kind's time limit.

    A BaseException, like KeyboardInterrupt: a job's own `except Exception` (a row's error noted and the next row
    read) must not swallow it, while `transaction.atomic` still rolls back what the job wrote.
    """


# Both ways a job is stopped at its limit: the runner's own check, and Celery's soft time limit.
TIME_LIMIT_ERRORS: tuple[type[BaseException], ...] = (JobTimeLimitExceededError, SoftTimeLimitExceeded)


def time_limits() -> dict[str, float]:
    """The limits set for kinds of job, in seconds: `SAHAY_JOB_TIME_LIMITS="import=900,report=600"`."""
    value: Any = getattr(settings, "SAHAY_JOB_TIME_LIMITS", None)
    if value is None:
        value = os.environ.get("SAHAY_JOB_TIME_LIMITS", "")
    if isinstance(value, dict):
        return {str(kind): float(seconds) for kind, seconds in value.items()}
    limits: dict[str, float] = {}
    for entry in str(value).split(","):
        if not entry.strip():
            continue
        kind, _equals, seconds = entry.partition("=")
        try:
            limits[kind.strip()] = float(seconds)
        except ValueError:
            limits[kind.strip()] = 0
        if not limits[kind.strip()] > 0:
            raise ImproperlyConfigured(
                f"SAHAY_JOB_TIME_LIMITS: {entry.strip()!r} is not KIND=SECONDS with a number of seconds above 0."
            )
    return limits


def time_limit(kind: str) -> float:
    """How many seconds a job of this kind may run, per attempt."""
    registered = _REGISTRY.get(kind)
    return time_limits().get(kind, registered.time_limit if registered else DEFAULT_TIME_LIMIT)


def _duration(seconds: float) -> str:
    whole = max(1, math.ceil(seconds))
    if whole >= 3600 and whole % 3600 == 0:
        return ngettext("%(count)s hour", "%(count)s hours", whole // 3600) % {"count": whole // 3600}
    if whole >= 60 and whole % 60 == 0:
        return ngettext("%(count)s minute", "%(count)s minutes", whole // 60) % {"count": whole // 60}
    return ngettext("%(count)s second", "%(count)s seconds", whole) % {"count": whole}


def time_limit_message(kind: str, seconds: float) -> str:
    """What the owner of a job stopped at its time limit is told: the limit, and that nothing changed."""
    registered = _REGISTRY.get(kind)
    title = registered.title if registered else _("this work")
    return _(
        "Stopped after %(duration)s, the time limit for %(work)s. Nothing was changed. Split the work into smaller "
        "parts (a large file into smaller files) and start it again."
    ) % {"duration": _duration(seconds), "work": title}


def queue_name() -> str:
    """The Celery queue jobs are sent to (a worker reads it: `celery -A sahay.jobs.celery worker -Q NAME`)."""
    return str(getattr(settings, "SAHAY_JOBS_QUEUE", None) or os.environ.get("SAHAY_JOBS_QUEUE", "celery"))


class Outcome(enum.Enum):
    SKIPPED = "skipped"  # taken by another worker, or already finished: a second delivery
    DONE = "done"
    FAILED = "failed"
    RETRY = "retry"  # put back in the queue after a passing fault: start it again after retry_delay
    UNRECORDED = "unrecorded"  # its outcome could not be written: the sweep takes it up when it stops beating


def job(kind: str, *, time_limit: float, title: str | Promise) -> Callable[[JobFunction], JobFunction]:
    """Register the function that does a kind of job; it sets job.message and job.result, or raises.

    `time_limit` is how many seconds one attempt may take (SAHAY_JOB_TIME_LIMITS may change it); `title` names
    the work in the message of a job stopped at its limit ("the time limit for imports"). The function should
    report progress as it goes: that is where the runner stops it at its limit.
    """

    def register(function: JobFunction) -> JobFunction:
        _REGISTRY[kind] = JobKind(function=function, time_limit=float(time_limit), title=title)
        return function

    return register


def enqueue(job_row: Job) -> None:
    """Start the job once the transaction that created it has committed."""
    pk = job_row.pk
    if settings.SAHAY_JOBS_INLINE:
        _inline(pk)  # at once, in the caller's transaction: what it writes commits or rolls back with it
        return
    transaction.on_commit(lambda: _start(pk))
    # A job whose worker died is taken up again the next time anyone starts one.
    transaction.on_commit(_sweep_quietly)


def _start(pk: int, *, countdown: float = 0) -> None:
    if settings.SAHAY_BROKER_URL:
        send(pk, countdown=countdown)
    else:
        threading.Thread(target=_in_thread, args=(pk,), kwargs={"delay": countdown}, daemon=True).start()


def send(pk: int, *, countdown: float = 0) -> None:
    """Give the job to Celery. A broker out of reach leaves it queued (the user sees it waiting): the sweep sends
    it again later, and a message sent twice runs the job once."""
    from sahay.jobs.celery import app, run

    kind = Job.objects.filter(pk=pk).values_list("kind", flat=True).first() or ""
    limit = time_limit(kind)
    try:
        # The broker the settings name now (a test, or a command, may point elsewhere than at import time).
        with app.connection_for_write(settings.SAHAY_BROKER_URL) as broker:
            run.apply_async(
                (pk,),
                queue=queue_name(),
                countdown=countdown or None,
                # The soft limit raises in the job, which fails with its message; the hard one ends the process
                # that runs it, for work that never returns to Python (the sweep then gives the job up).
                soft_time_limit=limit,
                time_limit=limit + HARD_LIMIT_GRACE,
                connection=broker,
                retry=True,
                retry_policy={"max_retries": 3, "interval_start": 0.5, "interval_step": 1, "interval_max": 2},
            )
    except Exception as error:  # kombu's OperationalError, ConnectionError, OSError: the broker did not take it
        logger.error("job %s: the broker could not be reached (%s); it stays queued for the sweep", pk, error)


def _inline(pk: int) -> None:
    for _attempt in range(max_attempts()):
        if run_job(pk) is not Outcome.RETRY:
            return


def _in_thread(pk: int, *, delay: float = 0) -> None:
    """Run the job in this thread, trying again with a growing delay after a passing fault."""
    for attempt in range(1, max_attempts() + 2):
        if delay:
            time.sleep(delay)
        close_old_connections()
        try:
            outcome = run_job(pk)
        except TRANSIENT_ERRORS as error:  # the job could not even be taken: the database is out of reach
            logger.warning("job %s could not be started (%s); trying again", pk, type(error).__name__)
            outcome = Outcome.RETRY
        finally:
            connection.close()  # a thread's connection is its own: close it, or SQLite keeps the file busy
        if outcome is not Outcome.RETRY:
            return
        delay = retry_delay(attempt)
    logger.error("job %s: still failing to start after %s tries; left for the sweep", pk, attempt)


def _reset_connection() -> None:
    """After a lost connection, the next query must open a new one (never inside a caller's transaction)."""
    if not connection.in_atomic_block:
        connection.close()


def _persist(write: Callable[[], int], *, what: str, pk: int) -> int | None:
    """Write a job's state, riding out a database that is away for a few seconds; None when it stayed away."""
    tries = 1 if connection.in_atomic_block else 5
    for attempt in range(1, tries + 1):
        try:
            return write()
        except TRANSIENT_ERRORS as error:
            logger.warning(
                "job %s: could not record %s (%s), try %s of %s", pk, what, type(error).__name__, attempt, tries
            )
            _reset_connection()
            if attempt < tries:
                time.sleep(min(4.0, 0.5 * 2 ** (attempt - 1)))
    return None


@contextmanager
def _heartbeat(pk: int, attempt: int) -> Iterator[None]:
    """Beat on the job from a thread of its own every few seconds while the work runs (even inside a long write)."""
    if connection.in_atomic_block:  # inline, in the caller's transaction: nobody else can see the job anyway
        yield
        return
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(heartbeat_seconds()):
                try:
                    Job.objects.filter(pk=pk, status=Job.Status.RUNNING, attempts=attempt).update(
                        heartbeat_at=timezone.now()
                    )
                except TRANSIENT_ERRORS as error:  # the work notices too; a missed beat or two is no harm
                    logger.warning("job %s: heartbeat missed (%s)", pk, type(error).__name__)
                    connection.close()
        finally:
            connection.close()

    beater = threading.Thread(target=beat, name=f"job-{pk}-heartbeat", daemon=True)
    beater.start()
    try:
        yield
    finally:
        stop.set()
        beater.join(timeout=30)


def run_job(pk: int) -> Outcome:
    """Do the job: running, then done or failed with a message. Running it twice does nothing the second time."""
    now = timezone.now()
    taken = Job.objects.filter(pk=pk, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1
    )
    if not taken:
        return Outcome.SKIPPED  # already taken by another worker, or finished
    job_row = Job.objects.get(pk=pk)
    attempt = job_row.attempts
    mine = Job.objects.filter(pk=pk, status=Job.Status.RUNNING, attempts=attempt)  # still this worker's to finish
    last_written, last_beat = -PROGRESS_EVERY, time.monotonic()
    limit = time_limit(job_row.kind)
    deadline = time.monotonic() + limit

    def progress(done: int, total: int | None) -> None:
        nonlocal last_written, last_beat
        if time.monotonic() > deadline:  # work that reports progress stops at its limit, in any runner
            raise JobTimeLimitExceededError
        beat_due = time.monotonic() - last_beat >= heartbeat_seconds()
        if done - last_written >= PROGRESS_EVERY or (total is not None and done >= total) or beat_due:
            mine.update(progress_done=done, progress_total=total, heartbeat_at=timezone.now())
            last_written, last_beat = done, time.monotonic()

    # In the language of whoever started it: its messages and row errors are read by them.
    language = job_row.arguments.get("language") or settings.LANGUAGE_CODE
    with translation.override(language), _heartbeat(pk, attempt):
        if not _work(job_row, progress, attempt, limit):
            # A passing fault, and attempts left: back in the queue (imports write all or nothing, so what the
            # interrupted attempt wrote was rolled back).
            requeued = _persist(
                lambda: mine.update(
                    status=Job.Status.QUEUED, heartbeat_at=timezone.now(), progress_done=0, progress_total=None
                ),
                what="its return to the queue",
                pk=pk,
            )
            return Outcome.RETRY if requeued else Outcome.UNRECORDED
    finished = _persist(
        lambda: mine.update(
            status=job_row.status,
            message=job_row.message,
            result=job_row.result,
            output=job_row.output,
            payload=b"",  # the uploaded data is not kept once the work is over
            finished_at=timezone.now(),
            heartbeat_at=timezone.now(),
        ),
        what="its outcome",
        pk=pk,
    )
    if finished is None:
        logger.error("job %s (%s): its outcome could not be recorded; the sweep will take it up", pk, job_row.kind)
        return Outcome.UNRECORDED
    if not finished:
        # The sweep took it for dead (no heartbeat for too long) and gave it to another worker, who finishes it.
        logger.warning("job %s (%s) was taken over by another worker; this outcome is dropped", pk, job_row.kind)
        return Outcome.SKIPPED
    return Outcome.DONE if job_row.status == Job.Status.DONE else Outcome.FAILED


def _work(job_row: Job, progress: Progress, attempt: int, limit: float) -> bool:
    """Run the job's function, setting its status and message; False when it should be tried again."""
    try:
        _REGISTRY[job_row.kind].function(job_row, progress)
    except TIME_LIMIT_ERRORS:
        # Never tried again: the same work would only reach the same limit. What it wrote was rolled back.
        logger.error("job %s (%s) stopped at its time limit of %s s", job_row.pk, job_row.kind, limit)
        job_row.status, job_row.message = Job.Status.FAILED, time_limit_message(job_row.kind, limit)
    except TRANSIENT_ERRORS as error:
        _reset_connection()
        if attempt < max_attempts():
            logger.warning(
                "job %s (%s) interrupted by %s, attempt %s of %s; it goes back in the queue",
                *(job_row.pk, job_row.kind, type(error).__name__, attempt, max_attempts()),
            )
            return False
        logger.error("job %s (%s) failed after %s attempts: %s", job_row.pk, job_row.kind, attempt, error)
        job_row.status, job_row.message = Job.Status.FAILED, unavailable_message(attempt)
    except Exception:
        # The user is told it failed; the log says why, without the job's data.
        logger.exception("job %s (%s) failed", job_row.pk, job_row.kind)
        job_row.status, job_row.message = Job.Status.FAILED, _("Something went wrong; nothing was changed.")
    else:
        job_row.status = Job.Status.DONE if job_row.status == Job.Status.RUNNING else job_row.status
    return True


def unavailable_message(attempts: int) -> str:
    return _(
        "The work could not be done: the database or the job queue was unavailable (tried %(count)s times). "
        "Nothing was changed; please try again later."
    ) % {"count": attempts}


def abandoned_message(attempts: int) -> str:
    return _(
        "The work stopped unexpectedly (tried %(count)s times) and was given up. Nothing was changed; "
        "please start it again."
    ) % {"count": attempts}


@dataclass
class SweepResult:
    requeued: list[int] = field(default_factory=list)  # running jobs whose worker died, back in the queue
    failed: list[int] = field(default_factory=list)  # ... after their last attempt: given up, the user is told
    resent: list[int] = field(default_factory=list)  # queued jobs nobody took (a lost message): sent again


def jobs_sweep(*, stale: timedelta | None = None, start: bool = True) -> SweepResult:
    """Take up the jobs whose worker is gone, and start them again (or give them up after the last attempt).

    Every change is a conditional UPDATE on what was seen, so two sweeps at once, or a worker that comes back,
    never both win.
    """
    stale = stale if stale is not None else stale_after()
    now = timezone.now()
    cutoff = now - stale
    result = SweepResult()
    silent = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    for pk, kind, attempts, started_at, language in (
        Job.objects.filter(silent, status=Job.Status.RUNNING)
        .values_list("pk", "kind", "attempts", "started_at", "arguments__language")
        .order_by("pk")
    ):
        seen = Job.objects.filter(silent, pk=pk, status=Job.Status.RUNNING, attempts=attempts)
        limit = time_limit(kind)
        if started_at is not None and now - started_at > timedelta(seconds=limit):
            # Its worker died past the limit (Celery's hard limit ends it so): started again, it would only burn
            # the same time once more.
            with translation.override(language or settings.LANGUAGE_CODE):
                message = time_limit_message(kind, limit)
            if seen.update(status=Job.Status.FAILED, message=message, payload=b"", finished_at=now, heartbeat_at=now):
                logger.error("job %s (%s): its worker stopped past its time limit of %s s; given up", pk, kind, limit)
                result.failed.append(pk)
        elif attempts >= max_attempts():
            with translation.override(language or settings.LANGUAGE_CODE):
                message = abandoned_message(attempts)
            if seen.update(status=Job.Status.FAILED, message=message, payload=b"", finished_at=now, heartbeat_at=now):
                logger.error("job %s: its worker stopped during attempt %s of %s; given up", pk, attempts, attempts)
                result.failed.append(pk)
        elif seen.update(status=Job.Status.QUEUED, heartbeat_at=now, progress_done=0, progress_total=None):
            logger.warning("job %s: its worker stopped during attempt %s; back in the queue", pk, attempts)
            result.requeued.append(pk)
    waiting = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
    for pk in Job.objects.filter(waiting, status=Job.Status.QUEUED).values_list("pk", flat=True).order_by("pk"):
        if Job.objects.filter(waiting, pk=pk, status=Job.Status.QUEUED).update(heartbeat_at=now):
            logger.warning("job %s: queued for longer than %s and not taken; sent again", pk, stale)
            result.resent.append(pk)
    if start and not settings.SAHAY_JOBS_INLINE:
        for pk in result.requeued + result.resent:
            _start(pk)
    return result


def _sweep_quietly() -> None:
    try:
        jobs_sweep()
    except Exception:  # the job just started matters more than the sweep; the next one tries again
        logger.exception("the job sweep failed")


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
