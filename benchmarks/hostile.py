"""`make bench` (hostile files): every file of the hostile corpus imported as an attacker would, measured.

Goal 29 of the security goals: each hostile import file (`sahay/imports/tests/hostile_files.py`, built at the size
the attack used) is refused within 60 s and 500 MB above the resting size of the process that imports it:

- through the import page of a running `sahay serve` (127.0.0.1, signed in with password and second factor as a
  partner's staff), jobs in the embedded runner: the web server's processes are measured;
- through `sahay import`: that process is measured;
- through the import page with a broker (Redis): the Celery worker's processes are measured.

Wall time runs from the upload (or the command's start) to the job's end as its page shows it. Peak memory is the
highest resident size of the measured processes (the kernel's high-water mark, reset before each file, and a
sample every 20 ms for processes that end), less their resident size just before the file (the server's after a
first, valid import; for the command, the peak of the same command importing a valid one-row file). Runs on a
throw-away SQLite database. Prints a table for benchmarks/README.md; exits non-zero when a file is imported, or
takes longer or more memory than allowed.
`python -m benchmarks.hostile --small` runs the small version `make test` runs (tests/test_hostile_bench.py).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import psutil
import requests

ROOT = Path(__file__).resolve().parent.parent
USERNAME = "hostile.partner"
ORGANISATION = "Hostile files partner"
PASSWORD = "Hostile-files-bench-2026"  # noqa: S105 - a throw-away database's synthetic login
TOTP_KEY = hashlib.sha256(b"sahay-hostile-bench").hexdigest()[:40]
MAX_SECONDS = 60
MAX_MEGABYTES = 500
DEFAULT_BROKER = "redis://127.0.0.1:6379/0"
VALID_FILE = b"Code,Sex,Date of birth\r\nOK-0001,female,2012-05-14\r\n"
# The small version: small files, and limits small enough that they still refuse them (settings of the imports).
SMALL_SIZES = {
    "row-jump": 5_000,
    "shared-strings-bomb": 3_000,
    "columns-flood": 10_000,
    "long-cell": 20_000,
    "billion-laughs": 3,
}
SMALL_LIMITS = {
    "SAHAY_IMPORT_MAX_ROWS": "100",
    "SAHAY_IMPORT_MAX_SHARED_STRINGS": "1000",
    "SAHAY_IMPORT_MAX_COLUMNS": "50",
    "SAHAY_JOB_TIME_LIMITS": "import=30",
}
CHANNELS = ("page", "command", "worker")
STATUS = re.compile(r'class="status status-(\w+)"')
OUTCOME = re.compile(r'id="job-outcome">(.*?)</p>', re.DOTALL)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class HostileFile(Protocol):
    """What the benchmark needs of an entry of `hostile_files.HOSTILE_FILES`."""

    @property
    def file_name(self) -> str: ...  # its extension tells the format

    @property
    def full_size(self) -> int: ...  # the size parameter of the attack itself

    @property
    def kind(self) -> str: ...  # the import kind it targets

    @property
    def build(self) -> Callable[[int], bytes]: ...  # the file's bytes at a size


def hostile_files() -> dict[str, HostileFile]:
    # The generator lives with the import tests, which build the same files small.
    from sahay.imports.tests.hostile_files import HOSTILE_FILES

    return dict(HOSTILE_FILES.items())


@dataclass
class Measure:
    file: str
    channel: str
    size: int  # the generator's size parameter
    file_bytes: int
    seconds: float
    rest_mb: float
    above_rest_mb: float
    refused: bool
    told: str  # what the user was told, first line


@dataclass
class Bench:
    """Where and how: a throw-away installation in `workdir`, with the environment every process gets."""

    workdir: Path
    sizes: dict[str, int] = field(default_factory=dict)  # per file; the attack's own size when absent
    settings: dict[str, str] = field(default_factory=dict)  # extra environment (smaller limits)
    broker: str = DEFAULT_BROKER
    channels: tuple[str, ...] = CHANNELS
    only: tuple[str, ...] = ()
    command_files: tuple[str, ...] = ()  # through `sahay import` (a process each): all when empty
    max_seconds: float = MAX_SECONDS
    max_megabytes: float = MAX_MEGABYTES
    log: Any = sys.stdout

    def environment(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "sahay.settings",
            "DATABASE_URL": f"sqlite:///{self.workdir / 'hostile.sqlite3'}",
            "SAHAY_VAR_DIR": str(self.workdir / "var"),
            "SAHAY_BROKER_URL": "",
            "SAHAY_JOBS_INLINE": "",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])),
            **self.settings,
            **extra,
        }

    def say(self, text: str) -> None:
        print(text, file=self.log, flush=True)


def totp_code(key_hex: str) -> str:
    """The current six-digit code of a TOTP device (RFC 6238, as django-otp's devices)."""
    digest = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", int(time.time() // 30)), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def prepare() -> None:
    """(In a process of its own, on the bench's database.) Migrate, and make the partner who imports."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from sahay.accounts.access import TEST_SET_UP, access_confirm_at_set_up
    from sahay.accounts.models import Role, User
    from sahay.core.models import Country, Organisation
    from sahay.frameworks.services import framework_load

    call_command("migrate", verbosity=0, interactive=False)
    framework_load(path=settings.SAHAY_DEFAULT_FRAMEWORK)
    country = Country.objects.get(code="TH")
    organisation, _created = Organisation.objects.get_or_create(
        name=ORGANISATION, defaults={"kind": Organisation.Kind.PARTNER, "country": country}
    )
    user, _created = User.objects.get_or_create(
        username=USERNAME,
        defaults={"role": Role.objects.get(code="partner_staff"), "organisation": organisation, "country": country},
    )
    user.set_password(PASSWORD)
    user.save()
    # Made by the benchmark's set-up, outside the pages: confirmed as such (four eyes apply to accounts made there).
    access_confirm_at_set_up(user=user, by=TEST_SET_UP)
    TOTPDevice.objects.filter(user=user).delete()
    TOTPDevice.objects.create(user=user, name="bench", key=TOTP_KEY, confirmed=True)
    print(json.dumps({"organisation": organisation.pk}))


# -- measuring a tree of processes -------------------------------------------------------------------------------


def processes(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def resident(pid: int) -> int:
    total = 0
    for process in processes(pid):
        with suppress(psutil.NoSuchProcess):
            total += process.memory_info().rss
    return total


def _status_kilobytes(pid: int, name: str) -> int:
    with suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{name}:"):
                return int(line.split()[1])
    return 0


@contextmanager
def peak_of(pid: int) -> Iterator[dict[str, int]]:
    """The highest resident size of a process tree while the block runs, in bytes (`peak`), and its size before."""
    found = {"rest": resident(pid), "peak": 0}
    for process in processes(pid):  # the kernel's high-water mark, from now
        with suppress(OSError):
            Path(f"/proc/{process.pid}/clear_refs").write_text("5")
    stop = threading.Event()
    sampled = [0]

    def sample() -> None:  # also catches a process that ends (a child ended by a hard time limit) before the end
        while not stop.wait(0.02):
            sampled[0] = max(sampled[0], resident(pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield found
    finally:
        stop.set()
        sampler.join()
        high_water = sum(_status_kilobytes(process.pid, "VmHWM") * 1024 for process in processes(pid))
        found["peak"] = max(sampled[0], high_water, found["rest"])


def megabytes(size: float) -> float:
    return size / 1024 / 1024


# -- the processes: web server, worker, command --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Service:
    """A long-running process of the bench (`sahay serve` or a Celery worker), its output in a log file."""

    def __init__(self, command: list[str], environment: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("ab") as output:
            self.process = subprocess.Popen(  # noqa: S603 - our own commands, no shell
                command, env=environment, stdout=output, stderr=subprocess.STDOUT, cwd=ROOT
            )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, ready: Any, *, seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{what} ended: {self.text()[-3000:]}")
            if ready():
                return
            time.sleep(0.2)
        raise RuntimeError(f"{what} not ready after {seconds} s: {self.text()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def serve(bench: Bench, environment: dict[str, str], name: str) -> tuple[Service, str]:
    port = free_port()
    # One worker: the embedded runner's jobs run in a thread of the worker that took the upload.
    server = Service(
        [sys.executable, "-m", "sahay", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4"],
        environment,
        bench.workdir / f"{name}.log",
    )
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return requests.get(f"{url}/sign-in/", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    server.wait_for(answers, seconds=120, what="the web server")
    return server, url


class Browser:
    """A signed-in partner using the import page."""

    def __init__(self, url: str, organisation: int) -> None:
        self.url, self.organisation = url, organisation
        self.session = requests.Session()

    def csrf(self, path: str) -> str:
        page = self.session.get(f"{self.url}{path}", timeout=60)
        page.raise_for_status()
        found = CSRF.search(page.text)
        if not found:
            raise RuntimeError(f"no form on {path}")
        return found.group(1)

    def sign_in(self) -> None:
        answer = self.session.post(
            f"{self.url}/sign-in/",
            data={"csrfmiddlewaretoken": self.csrf("/sign-in/"), "username": USERNAME, "password": PASSWORD},
            allow_redirects=False,
            timeout=60,
        )
        if "second-factor" not in answer.headers.get("Location", ""):
            raise RuntimeError(f"the password step answered {answer.status_code}")
        answer = self.session.post(
            f"{self.url}/sign-in/second-factor/",
            data={"csrfmiddlewaretoken": self.csrf("/sign-in/second-factor/"), "code": totp_code(TOTP_KEY)},
            allow_redirects=False,
            timeout=60,
        )
        if answer.status_code != 302 or "sign-in" in answer.headers.get("Location", ""):
            raise RuntimeError(f"the second factor step answered {answer.status_code}")

    def upload(self, data: bytes, file_name: str, kind: str, *, dry_run: bool = False) -> str:
        """Send the file as the import page does; the job page's address."""
        form = {"csrfmiddlewaretoken": self.csrf("/imports/"), "kind": kind, "organisation": str(self.organisation)}
        if dry_run:
            form["dry_run"] = "on"
        answer = self.session.post(
            f"{self.url}/imports/", data=form, files={"file": (file_name, data)}, allow_redirects=False, timeout=300
        )
        location = answer.headers.get("Location", "")
        if answer.status_code != 302 or "/imports/jobs/" not in location:
            return ""  # refused by the form itself (the page answers with the form and its error)
        return location if location.startswith("http") else f"{self.url}{location}"

    def outcome(self, job_page: str, *, seconds: float) -> tuple[str, str]:
        """Wait for the job to end: its status and what its page tells the user."""
        deadline = time.monotonic() + seconds
        while True:
            page = self.session.get(job_page, timeout=60).text
            status = STATUS.search(page)
            if status and status.group(1) in ("done", "failed"):
                told = OUTCOME.search(page)
                return status.group(1), " ".join((told.group(1) if told else "").split())
            if time.monotonic() > deadline:
                return "unfinished", ""
            time.sleep(0.2)


def through_page(bench: Bench, browser: Browser, measured_pid: int, channel: str, name: str, size: int) -> Measure:
    hostile = hostile_files()[name]
    data = hostile.build(size)
    started = time.monotonic()
    with peak_of(measured_pid) as memory:
        job_page = browser.upload(data, hostile.file_name, hostile.kind)
        status, told = ("failed", "refused by the form") if not job_page else ("", "")
        if job_page:
            # Past the bound it has failed the benchmark already; a little longer says whether it would ever end.
            status, told = browser.outcome(job_page, seconds=bench.max_seconds * 2)
    return Measure(
        file=name,
        channel=channel,
        size=size,
        file_bytes=len(data),
        seconds=time.monotonic() - started,
        rest_mb=megabytes(memory["rest"]),
        above_rest_mb=megabytes(memory["peak"] - memory["rest"]),
        refused=status == "failed",
        told=told or status,
    )


def run_command(bench: Bench, path: Path, kind: str) -> tuple[float, float, int, str]:
    """`sahay import` on a file: its seconds, peak resident MB, exit code and last line of output."""
    started = time.monotonic()
    process = subprocess.Popen(  # noqa: S603 - our own command, no shell
        [
            sys.executable,
            "-m",
            "sahay",
            "import",
            str(path),
            "--kind",
            kind,
            "--organisation",
            ORGANISATION,
            "--user",
            USERNAME,
        ],
        env=bench.environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    # Read while it runs (a full pipe would stop it); wait4 gives the process's own peak resident size.
    output = process.stdout.read() if process.stdout else b""
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    lines = [line for line in output.decode(errors="replace").splitlines() if line.strip()]
    return time.monotonic() - started, usage.ru_maxrss / 1024, process.returncode, lines[-1] if lines else ""


def through_command(bench: Bench, name: str, size: int, rest_mb: float) -> Measure:
    hostile = hostile_files()[name]
    path = bench.workdir / "files" / hostile.file_name
    data = hostile.build(size)
    path.write_bytes(data)
    seconds, peak_mb, code, told = run_command(bench, path, hostile.kind)
    path.unlink()
    return Measure(
        file=name,
        channel="command",
        size=size,
        file_bytes=len(data),
        seconds=seconds,
        rest_mb=rest_mb,
        above_rest_mb=peak_mb - rest_mb,
        refused=code != 0,
        told=told,
    )


def warmed(bench: Bench, browser: Browser, measured_pid: int) -> None:
    """A first, valid import (checked only): what every import loads is loaded before anything is measured."""
    job_page = browser.upload(VALID_FILE, "valid.csv", "people", dry_run=True)
    status, told = browser.outcome(job_page, seconds=120) if job_page else ("refused", "")
    if status != "done":
        raise RuntimeError(f"a valid file was not checked ({status}: {told})")
    time.sleep(0.5)
    bench.say(f"  resting size: {megabytes(resident(measured_pid)):.0f} MB")


def run(bench: Bench) -> list[Measure]:
    """Import every hostile file through every channel; the measures."""
    (bench.workdir / "files").mkdir(parents=True, exist_ok=True)
    names = [name for name in hostile_files() if not bench.only or name in bench.only]
    sizes = {name: bench.sizes.get(name, hostile_files()[name].full_size) for name in names}
    prepared = subprocess.run(
        [sys.executable, "-m", "benchmarks.hostile", "--prepare"],
        env=bench.environment(),
        capture_output=True,
        check=True,
        cwd=ROOT,
    )
    organisation = int(json.loads(prepared.stdout.decode().strip().splitlines()[-1])["organisation"])
    measures: list[Measure] = []
    if "page" in bench.channels:
        bench.say("Through the import page, jobs in the web server (embedded runner):")
        server, url = serve(bench, bench.environment(), "server-embedded")
        try:
            browser = Browser(url, organisation)
            browser.sign_in()
            warmed(bench, browser, server.process.pid)
            for name in names:
                measures.append(through_page(bench, browser, server.process.pid, "page", name, sizes[name]))
                bench.say(f"  {row(measures[-1])}")
        finally:
            server.stop()
    if "command" in bench.channels:
        bench.say("Through `sahay import`:")
        (bench.workdir / "files" / "valid.csv").write_bytes(VALID_FILE)
        _seconds, rest_mb, code, told = run_command(bench, bench.workdir / "files" / "valid.csv", "people")
        if code != 0:
            raise RuntimeError(f"`sahay import` failed on a valid file: {told}")
        bench.say(f"  resting size (the command importing one valid row): {rest_mb:.0f} MB")
        for name in names:
            if bench.command_files and name not in bench.command_files:
                continue
            measures.append(through_command(bench, name, sizes[name], rest_mb))
            bench.say(f"  {row(measures[-1])}")
    if "worker" in bench.channels:
        measures += through_worker(bench, organisation, names, sizes)
    return measures


def through_worker(bench: Bench, organisation: int, names: list[str], sizes: dict[str, int]) -> list[Measure]:
    bench.say(f"Through the import page, jobs on a Celery worker ({bench.broker}):")
    queue = f"sahay-hostile-{uuid.uuid4().hex[:12]}"
    environment = bench.environment(SAHAY_BROKER_URL=bench.broker, SAHAY_JOBS_QUEUE=queue)
    # As deployed: the prefork pool, the one that enforces Celery's time limits, one job at a time.
    worker = Service(
        [
            *(sys.executable, "-m", "celery", "-A", "sahay.jobs.celery", "worker", "--pool=prefork"),
            *(
                "--concurrency=1",
                "-Q",
                queue,
                "-n",
                f"{queue}@localhost",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ),
        ],
        environment,
        bench.workdir / "worker.log",
    )
    measures: list[Measure] = []
    server: Service | None = None
    try:
        worker.wait_for(lambda: " ready." in worker.text(), seconds=120, what="the Celery worker")
        server, url = serve(bench, environment, "server-broker")
        browser = Browser(url, organisation)
        browser.sign_in()
        warmed(bench, browser, worker.process.pid)
        for name in names:
            measures.append(through_page(bench, browser, worker.process.pid, "worker", name, sizes[name]))
            bench.say(f"  {row(measures[-1])}")
    finally:
        if server is not None:
            server.stop()
        worker.stop()
        from kombu import Connection  # type: ignore[attr-defined]  # kombu ships no types

        with suppress(Exception), Connection(bench.broker) as broker:  # type: ignore[no-untyped-call]
            broker.default_channel.queue_delete(queue)
    return measures


# -- judging and printing ------------------------------------------------------------------------------------------


def failures(bench: Bench, measures: list[Measure]) -> list[str]:
    found = []
    for measure in measures:
        where = f"{measure.file} through {measure.channel}"
        if not measure.refused:
            found.append(f"{where} was not refused ({measure.told})")
        if measure.seconds > bench.max_seconds:
            found.append(f"{where} took {measure.seconds:.1f} s (at most {bench.max_seconds:g})")
        if measure.above_rest_mb > bench.max_megabytes:
            found.append(f"{where} took {measure.above_rest_mb:.0f} MB above rest (at most {bench.max_megabytes:g})")
    return found


def row(measure: Measure) -> str:
    told = measure.told if len(measure.told) <= 90 else measure.told[:87] + "..."
    return (
        f"| {measure.file} | {measure.channel} | {measure.size:,} | {measure.file_bytes / 1e6:,.2f} MB "
        f"| {measure.seconds:.1f} s | {max(0.0, measure.above_rest_mb):,.0f} MB (rest {measure.rest_mb:,.0f} MB) "
        f"| {'refused' if measure.refused else 'NOT REFUSED'}: {told} |"
    )


def table(measures: list[Measure]) -> str:
    lines = [
        "| file | through | size | file | time | peak above rest | outcome |",
        "|---|---|---|---|---|---|---|",
        *(row(measure) for measure in measures),
    ]
    return "\n".join(lines)


def main(arguments: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hostile")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--small", action="store_true", help="small files and small limits, as `make test`")
    parser.add_argument("--only", default="", help="files by name, comma-separated")
    parser.add_argument("--channels", default=",".join(CHANNELS))
    parser.add_argument("--broker", default=DEFAULT_BROKER)
    parser.add_argument("--max-seconds", type=float, default=MAX_SECONDS)
    parser.add_argument("--max-megabytes", type=float, default=MAX_MEGABYTES)
    options = parser.parse_args(arguments)
    if options.prepare:
        prepare()
        return 0
    bench = Bench(
        workdir=Path(tempfile.mkdtemp(prefix="sahay-bench-hostile-")),
        sizes=SMALL_SIZES if options.small else {},
        settings=SMALL_LIMITS if options.small else {},
        broker=options.broker,
        channels=tuple(filter(None, options.channels.split(","))),
        only=tuple(filter(None, options.only.split(","))),
        max_seconds=options.max_seconds,
        max_megabytes=options.max_megabytes,
    )
    bench.say(f"Hostile import files ({'small' if options.small else 'full size'}), in {bench.workdir}")
    try:
        measures = run(bench)
    finally:
        shutil.rmtree(bench.workdir, ignore_errors=True)  # the throw-away installation, its logs and files
    bench.say("\n" + table(measures))
    found = failures(bench, measures)
    for failure in found:
        bench.say(f"FAILED: {failure}")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
