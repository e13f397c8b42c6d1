"""docs/deploy.md, run: the marked blocks of the guide set up a production-profile Sahay on loopback.

The test takes the blocks marked `<!-- deploy-test: NAME -->` (the environment file, the `sahay` wrapper,
migrate and the framework, static files, the first administrator, the checks, the two systemd units) and
runs them as written, with these replacements only, because it has no root, systemd or nginx:

- the paths `/srv/sahay` (this checkout), `/etc/sahay/env`, `/var/lib/sahay`, `/usr/local/bin/sahay`
  (under a temporary directory), and `sudo -u sahay ` (the test's own user runs every command);
- in the generated environment file: its own PostgreSQL database (created and dropped here, named with
  the pid), a free port, two workers, a Redis database and queue of its own (so no other test's worker
  takes its jobs), and a shared static files directory, collected again only when `sahay serve` would
  call it out of date (collecting takes minutes: see docs/deploy.md, section 6);
- the units' `ExecStart=` run with their `EnvironmentFile=` and `WorkingDirectory=`, as systemd would.

Then it signs in through the real HTTP server as the first administrator, setting up the second factor
from the key the enrolment page shows, as a person would type it into an app. Requests carry what nginx
adds (`Host`, `X-Forwarded-Proto: https`). The production cookies are `Secure`, which tells a browser to
send them back over HTTPS only; the test is not a browser and sends them back itself over loopback HTTP
(nothing in Sahay is loosened for it). Everything is stopped and the database dropped, pass or fail.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import time
from base64 import b32decode
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import IO

import psycopg
import pytest
import requests
from django_otp.oath import totp

from sahay.core.management.commands.serve import collected_static_problem

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "deploy.md"
POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_HOST = "127.0.0.1:6379"
HOST = "sahay.example.org"
# Shared between runs (it is only files, the same for every database): collected once per change of Sahay's.
STATIC_CACHE = ROOT / "var" / "deploy-test-static"
ADMIN_PASSWORD = "deploy-test-Harbour-lantern-42"
CHILD_NAME = "Anjali"
MARKED_BLOCK = re.compile(r"<!-- deploy-test: (?P<name>[\w-]+) -->\n```(?P<language>\w+)\n(?P<body>.*?)\n```", re.S)
BLOCKS = ["env-file", "wrapper", "database", "static", "first-admin", "check", "unit-web", "unit-worker"]
STEP_TIMEOUT = 900


def guide_blocks() -> dict[str, str]:
    found = {match["name"]: match["body"] for match in MARKED_BLOCK.finditer(GUIDE.read_text(encoding="utf-8"))}
    assert sorted(found) == sorted(BLOCKS), f"docs/deploy.md's marked blocks changed: {sorted(found)}"
    return found


@dataclass
class Installation:
    """Where the guide's paths point in this test, and the processes it started."""

    base: Path
    database: str
    port: int
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: list[IO[bytes]] = field(default_factory=list)

    @property
    def env_file(self) -> Path:
        return self.base / "etc" / "env"

    @property
    def var_dir(self) -> Path:
        return self.base / "var"

    @property
    def bin_dir(self) -> Path:
        return self.base / "bin"

    def localise(self, text: str) -> str:
        for guide_path, here in [
            ("/etc/sahay/env", self.env_file),
            ("/var/lib/sahay", self.var_dir),
            ("/usr/local/bin/sahay", self.bin_dir / "sahay"),
            ("/srv/sahay", ROOT),
        ]:
            text = text.replace(guide_path, str(here))
        return text.replace("sudo -u sahay ", "")

    def overrides(self) -> dict[str, str]:
        pid = os.getpid()
        return {
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{self.database}",
            "SAHAY_BIND": f"127.0.0.1:{self.port}",
            "SAHAY_WORKERS": "2",
            "SAHAY_BROKER_URL": f"redis://{REDIS_HOST}/{1 + pid % 15}",
            "SAHAY_JOBS_QUEUE": f"sahay-deploy-test-{pid}",
            "SAHAY_STATIC_ROOT": str(STATIC_CACHE),
        }

    def base_environment(self) -> dict[str, str]:
        """This process's environment without any of Sahay's settings (the file gives those)."""
        kept = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("SAHAY_", "DATABASE_URL", "DJANGO_", "PYTEST_", "CELERY_"))
        }
        kept["PATH"] = f"{self.bin_dir}{os.pathsep}{kept.get('PATH', '/usr/bin:/bin')}"
        return kept

    def environment_file(self) -> dict[str, str]:
        """The environment file as systemd's EnvironmentFile= reads it: KEY=VALUE lines, # comments."""
        values = {}
        for line in self.env_file.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                key, _, value = line.partition("=")
                values[key.strip()] = value.strip()
        return values

    def shell(self, block: str, *, stdin: str = "") -> str:
        result = subprocess.run(  # noqa: S603 - the guide's own commands, on loopback
            ["/bin/bash", "-euo", "pipefail", "-c", self.localise(block)],
            cwd=self.base,
            env=self.base_environment(),
            input=stdin.encode(),
            capture_output=True,
            timeout=STEP_TIMEOUT,
            # No controlling terminal: `changepassword` then reads the password from stdin, as from a pipe.
            start_new_session=True,
            check=False,
        )
        output = result.stdout.decode(errors="replace") + result.stderr.decode(errors="replace")
        assert result.returncode == 0, f"{block}\n--- failed with {result.returncode}:\n{output}"
        return output

    def start_unit(self, unit: str, name: str) -> subprocess.Popen[bytes]:
        directives = dict(
            line.split("=", 1) for line in self.localise(unit).splitlines() if "=" in line and not line.startswith("#")
        )
        assert Path(directives["EnvironmentFile"]) == self.env_file
        log = (self.base / f"{name}.log").open("w+b")
        self.logs.append(log)
        process = subprocess.Popen(  # noqa: S603 - the unit's own ExecStart
            shlex.split(directives["ExecStart"]),
            cwd=directives["WorkingDirectory"],
            env={**self.base_environment(), **self.environment_file()},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def log_of(self, name: str) -> str:
        return (self.base / f"{name}.log").read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def postgres(statement: str) -> None:
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(statement)


@pytest.fixture
def installation(tmp_path: Path) -> Iterator[Installation]:
    here = Installation(base=tmp_path, database=f"sahay_deploy_test_{os.getpid()}", port=free_port())
    for directory in (here.env_file.parent, here.var_dir, here.bin_dir):
        directory.mkdir(parents=True)
    postgres(f"DROP DATABASE IF EXISTS {here.database} WITH (FORCE)")
    postgres(f"CREATE DATABASE {here.database}")
    try:
        yield here
    finally:
        for process in here.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in here.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        for log in here.logs:
            log.close()
        postgres(f"DROP DATABASE IF EXISTS {here.database} WITH (FORCE)")


class Visitor:
    """Pages over loopback HTTP as nginx would pass them on, keeping the cookies a browser would keep."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict[str, str] | None = None) -> requests.Response:
        headers = {
            "Host": HOST,
            "X-Forwarded-Proto": "https",
            "Origin": f"https://{HOST}",
            "Referer": f"https://{HOST}{path}",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        response = requests.request(
            method, self.base + path, data=data, headers=headers, allow_redirects=False, timeout=60
        )
        for header in response.raw.headers.getlist("Set-Cookie"):
            for name, morsel in SimpleCookie(header).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return response

    def get(self, path: str, *, follow: bool = True) -> requests.Response:
        response = self.request("GET", path)
        while follow and response.status_code in {301, 302, 303}:
            location = response.headers["Location"].removeprefix(f"https://{HOST}")
            assert location.startswith("/"), location
            response = self.request("GET", location)
        return response

    def submit(self, path: str, fields: dict[str, str]) -> requests.Response:
        """Fetch the form (its CSRF token and cookie), then post it."""
        form = self.get(path)
        assert form.status_code == 200, form.text[:500]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        assert token, form.text[:500]
        return self.request("POST", form.url.removeprefix(self.base), {"csrfmiddlewaretoken": token[1], **fields})


def wait_for_health(installation: Installation, server: subprocess.Popen[bytes]) -> dict[str, object]:
    deadline = time.monotonic() + 240
    last = "no answer"
    while time.monotonic() < deadline:
        assert server.poll() is None, f"sahay serve stopped:\n{installation.log_of('serve')}"
        try:
            response = requests.get(
                f"http://127.0.0.1:{installation.port}/health/",
                headers={"Host": HOST, "X-Forwarded-Proto": "https"},
                timeout=10,
            )
            body: dict[str, object] = response.json()
            if response.status_code == 200:
                return body
            last = f"{response.status_code} {body}"
        except (requests.ConnectionError, requests.Timeout, ValueError) as error:
            last = type(error).__name__
        time.sleep(0.5)
    raise AssertionError(f"/health/ never said ok ({last}):\n{installation.log_of('serve')}")


def collect_static_if_out_of_date(installation: Installation, block: str) -> None:
    STATIC_CACHE.parent.mkdir(parents=True, exist_ok=True)
    with (STATIC_CACHE.parent / "deploy-test-static.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another test run may be collecting into the same directory
        if collected_static_problem(STATIC_CACHE) is not None:
            installation.shell(block)


def test_the_deployment_guide_sets_up_a_working_production_instance(installation: Installation) -> None:
    blocks = guide_blocks()
    started = time.monotonic()

    installation.shell(blocks["env-file"])
    settings = installation.environment_file()
    assert settings["SAHAY_PROFILE"] == "production"
    assert len(settings["SAHAY_SECRET_KEY"]) >= 50
    lines = [
        line
        for line in installation.env_file.read_text().splitlines()
        if line.partition("=")[0] not in installation.overrides()
    ]
    installation.env_file.write_text(
        "\n".join([*lines, *(f"{key}={value}" for key, value in installation.overrides().items())]) + "\n"
    )

    installation.shell(blocks["wrapper"])
    installation.shell(blocks["database"])
    collect_static_if_out_of_date(installation, blocks["static"])
    installation.shell(blocks["first-admin"], stdin=f"{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n")
    checked = installation.shell(blocks["check"])
    assert "no issues" in checked
    assert f"Ready to serve on 127.0.0.1:{installation.port}" in checked

    server = installation.start_unit(blocks["unit-web"], "serve")
    worker = installation.start_unit(blocks["unit-worker"], "worker")
    health = wait_for_health(installation, server)
    assert health == {
        "status": "ok",
        "checks": {"database": {"status": "ok"}, "queue": {"status": "ok"}, "encryption": {"status": "ok"}},
    }

    # The first sign-in: password, then the authenticator app is set up with the key the page shows.
    visitor = Visitor(installation.port)
    assert visitor.get("/", follow=False).headers["Location"].startswith("/sign-in/")
    signed_in = visitor.submit("/sign-in/", {"username": "admin", "password": ADMIN_PASSWORD, "next": "/"})
    assert signed_in.status_code == 302, signed_in.text[:500]
    enrolment = visitor.get(signed_in.headers["Location"])
    key = re.search(r'<code class="totp-secret"[^>]*>([A-Z2-7=]+)</code>', enrolment.text)
    assert key, enrolment.text[:1000]
    code = str(totp(b32decode(key[1]))).zfill(6)
    enrolled = visitor.submit(enrolment.url.removeprefix(visitor.base), {"code": code, "next": "/"})
    assert enrolled.status_code == 200, enrolled.text[:1000]
    assert "recovery" in enrolled.text.lower()
    users = visitor.get("/users/")
    assert users.status_code == 200
    assert "admin" in users.text

    # A miss with a search in its query string: logged as JSON with its request id, without the query.
    missing = visitor.get(f"/records/no-such-page/?q={CHILD_NAME}", follow=False)
    assert missing.status_code == 404
    request_id = missing.headers["X-Request-ID"]

    assert worker.poll() is None, installation.log_of("worker")
    os.kill(server.pid, signal.SIGTERM)
    assert server.wait(timeout=60) == 0, installation.log_of("serve")
    os.kill(worker.pid, signal.SIGTERM)
    worker.wait(timeout=120)

    serve_log = installation.log_of("serve")
    records = [json.loads(line) for line in serve_log.splitlines() if line.startswith("{")]
    not_found = [record for record in records if record.get("message") == "Not Found: /records/no-such-page/"]
    assert not_found and not_found[0]["request_id"] == request_id, serve_log
    assert CHILD_NAME not in serve_log
    assert any(record.get("message", "").startswith("Handling signal: term") for record in records)
    print(f"deployment guide run in {time.monotonic() - started:.0f} s")
