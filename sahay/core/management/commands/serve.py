"""`sahay serve`: Sahay under gunicorn, in this process, with production-minded defaults (see docs/deploy.md).

Before it listens it checks, and refuses to start with the reason when something is wrong: Django's
checks (in the production profile `--deploy` ones, warnings included), migrations not yet applied, and
in the production profile static files not collected since Sahay's last changed. Collecting takes
minutes on a small server, so it is a step of installing and upgrading (`sahay collectstatic --noinput`),
not of every start. Gunicorn's arbiter then runs in this very process, so systemd manages one process
tree: SIGTERM lets the workers finish their requests (up to 30 s) and exits 0; SIGHUP restarts workers.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core import checks
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger as GunicornLogger

DEFAULT_BIND = "127.0.0.1:8000"
DEFAULT_THREADS = 4
# Long enough for a report rendered as PDF; imports and other long work run as jobs, not requests.
DEFAULT_TIMEOUT = 120
GRACEFUL_TIMEOUT = 30
# nginx keeps connections to Sahay open between requests; a little longer than gunicorn's 2 s default.
KEEPALIVE = 5
# Each worker holds the whole application (reports, charts, PDF): more than this costs memory, not speed.
MAX_DEFAULT_WORKERS = 8

COLLECT_STATIC = "sahay collectstatic --noinput"


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_workers(cores: int | None = None) -> int:
    """Gunicorn's rule of thumb, 2 × cores + 1, at most MAX_DEFAULT_WORKERS."""
    return min(2 * (cores or available_cores()) + 1, MAX_DEFAULT_WORKERS)


def _number(value: str | int, name: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise CommandError(f"{name} must be a whole number of 1 or more, not {value!r}.")
    return number


@dataclass(frozen=True)
class ServeOptions:
    bind: str
    workers: int
    threads: int
    timeout: int
    access_log: bool

    def gunicorn_settings(self) -> dict[str, Any]:
        return {
            "bind": [self.bind],
            "workers": self.workers,
            "worker_class": "gthread",
            "threads": self.threads,
            "timeout": self.timeout,
            "graceful_timeout": GRACEFUL_TIMEOUT,
            "keepalive": KEEPALIVE,
            # Load Sahay once, before forking: a broken setting fails here, and workers share its memory.
            "preload_app": True,
            "proc_name": "sahay",
            "logger_class": SahayGunicornLogger,
            # "-" only switches gunicorn's access logging on; SahayGunicornLogger writes the lines.
            "accesslog": "-" if self.access_log else None,
            # gunicornc's control socket would land in the service user's home: Sahay is run by systemd.
            "control_socket_disable": True,
        }


def serve_options(options: dict[str, Any], environ: dict[str, str] | os._Environ[str] = os.environ) -> ServeOptions:
    """The command line first, then the environment (SAHAY_BIND, SAHAY_WORKERS, ...), then the defaults."""

    def pick(option: str, variable: str, default: str | int) -> str | int:
        given = options.get(option)
        if given is not None:
            return str(given)
        return environ.get(variable) or default

    access_log = bool(options.get("access_log")) or environ.get("SAHAY_ACCESS_LOG", "").lower() in {"1", "true", "yes"}
    bind = str(pick("bind", "SAHAY_BIND", DEFAULT_BIND)).strip()
    if not bind:
        raise CommandError("SAHAY_BIND must be an address such as 127.0.0.1:8000 or unix:/run/sahay/sahay.sock.")
    return ServeOptions(
        bind=bind,
        workers=_number(pick("workers", "SAHAY_WORKERS", default_workers()), "SAHAY_WORKERS (--workers)"),
        threads=_number(pick("threads", "SAHAY_THREADS", DEFAULT_THREADS), "SAHAY_THREADS (--threads)"),
        timeout=_number(pick("timeout", "SAHAY_TIMEOUT", DEFAULT_TIMEOUT), "SAHAY_TIMEOUT (--timeout)"),
        access_log=access_log,
    )


def unapplied_migrations() -> list[str]:
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def collected_static_problem(static_root: Path) -> str | None:
    """Why the hashed static files under static_root cannot serve this Sahay, or None when they can.

    Missing: no manifest. Out of date: a file Sahay ships is not in the manifest, or changed after it
    was written (after an upgrade, before `collectstatic`). Pages would otherwise fail or look old.
    """
    manifest_path = static_root / "staticfiles.json"
    if not manifest_path.is_file():
        return f"The static files have not been collected into {static_root}"
    try:
        collected = json.loads(manifest_path.read_text(encoding="utf-8")).get("paths", {})
    except (OSError, ValueError, AttributeError):
        return f"The static files' manifest {manifest_path} cannot be read"
    collected_at = manifest_path.stat().st_mtime
    ignore_patterns = apps.get_app_config("staticfiles").ignore_patterns  # type: ignore[attr-defined]
    for finder in get_finders():
        for path, storage in finder.list(ignore_patterns):
            if path not in collected:
                return f"The static files in {static_root} are out of date ({path} is not among them)"
            if storage.get_modified_time(path).timestamp() > collected_at:
                return f"The static files in {static_root} are out of date ({path} changed since they were collected)"
    return None


class SahayGunicornLogger(GunicornLogger):  # type: ignore[misc]  # gunicorn ships no types
    """Gunicorn's own lines go through Sahay's logging (JSON, request ids, no query strings).

    The access line, when switched on, holds the method, the path without its query string, the status,
    the time taken and the request id: no address, no user agent, no referrer.
    """

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in list(log.handlers):
                log.removeHandler(handler)
            log.propagate = True

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if not self.cfg.accesslog:
            return
        headers = {str(name).lower(): value for name, value in resp.headers}
        status = str(resp.status).split(None, 1)[0]
        method, path = environ.get("REQUEST_METHOD", "-"), environ.get("PATH_INFO", "-")
        milliseconds = round(request_time.total_seconds() * 1000)
        self.access_log.info(
            "%s %s %s %sms",
            method,
            path,
            status,
            milliseconds,
            extra={
                "request_id": headers.get("x-request-id"),
                "method": method,
                "path": path,
                "status": int(status) if status.isdigit() else status,
                "duration_ms": milliseconds,
            },
        )


class SahayServer(BaseApplication):  # type: ignore[misc]  # gunicorn ships no types
    """Gunicorn's arbiter with Sahay's settings, serving the WSGI application of this very process."""

    def __init__(self, gunicorn_settings: dict[str, Any]) -> None:
        self.gunicorn_settings = gunicorn_settings
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.gunicorn_settings.items():
            self.cfg.set(name, value)

    def load(self) -> Any:
        from django.core.wsgi import get_wsgi_application

        return get_wsgi_application()


class Command(BaseCommand):
    help = (
        "Serve Sahay with gunicorn (production-minded defaults), after checking settings, migrations and "
        "static files. Options fall back on SAHAY_BIND, SAHAY_WORKERS, SAHAY_THREADS, SAHAY_TIMEOUT, SAHAY_ACCESS_LOG."
    )
    # The command runs the checks itself: in the production profile the deployment ones, warnings included.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", help=f"address to listen on (SAHAY_BIND; default {DEFAULT_BIND})")
        parser.add_argument(
            "--workers",
            type=int,
            help=f"worker processes (SAHAY_WORKERS; default 2 × cores + 1, at most {MAX_DEFAULT_WORKERS})",
        )
        parser.add_argument(
            "--threads", type=int, help=f"threads per worker (SAHAY_THREADS; default {DEFAULT_THREADS})"
        )
        parser.add_argument(
            "--timeout",
            type=int,
            help=f"seconds a worker may stay silent before it is restarted (SAHAY_TIMEOUT; default {DEFAULT_TIMEOUT})",
        )
        parser.add_argument(
            "--access-log",
            action="store_true",
            help="log each request: method, path without query, status, time, request id (SAHAY_ACCESS_LOG=1)",
        )
        parser.add_argument("--check", action="store_true", help="run the start-up checks only, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        serve = serve_options(options)
        self.startup_checks()
        if options["check"]:
            self.stdout.write(
                f"Ready to serve on {serve.bind} with {serve.workers} workers of {serve.threads} threads."
            )
            return
        # The workers are forked from this process: none may inherit its database connection.
        connections.close_all()
        logging.getLogger("sahay.serve").info(
            "Serving Sahay on %s: %s workers of %s threads (%s profile)",
            serve.bind,
            serve.workers,
            serve.threads,
            "production" if settings.PRODUCTION else "development",
        )
        SahayServer(serve.gunicorn_settings()).run()

    def startup_checks(self) -> None:
        production = bool(getattr(settings, "PRODUCTION", False))
        # Raises SystemCheckError, which Django prints and turns into exit status 1.
        self.check(
            display_num_errors=False,
            include_deployment_checks=production,
            fail_level=checks.WARNING if production else checks.ERROR,
            databases=[DEFAULT_DB_ALIAS],
        )
        try:
            pending = unapplied_migrations()
        except Exception as error:
            raise CommandError(
                f"The database cannot be reached ({type(error).__name__}): check DATABASE_URL."
            ) from error
        if pending:
            raise CommandError(
                f"The database is missing {len(pending)} migration(s) (the first: {pending[0]}): "
                "run `sahay migrate`, then start again."
            )
        if production and isinstance(staticfiles_storage, ManifestFilesMixin):
            problem = collected_static_problem(Path(settings.STATIC_ROOT))
            if problem:
                raise CommandError(f"{problem}: run `{COLLECT_STATIC}`, then start again.")
