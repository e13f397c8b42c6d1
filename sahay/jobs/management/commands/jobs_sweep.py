"""`sahay jobs-sweep`: take up the jobs whose worker died (run it from cron when no Celery beat runs)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sahay.jobs.runner import jobs_sweep, stale_after


class Command(BaseCommand):
    help = (
        "Put running jobs that stopped beating (their worker died) back in the queue, give them up after their "
        "last attempt, and send again queued jobs nobody took."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--stale-seconds",
            type=float,
            default=stale_after().total_seconds(),
            help="how long without a heartbeat before a worker is taken for dead (default: %(default)s)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = jobs_sweep(stale=timedelta(seconds=options["stale_seconds"]))
        self.stdout.write(
            f"Back in the queue: {len(result.requeued)}; given up: {len(result.failed)}; "
            f"sent again: {len(result.resent)}."
        )
