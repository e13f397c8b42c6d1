"""`sahay retention apply [--dry-run]`: erase identities and case narratives past their retention date."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from sahay.cases.services.erasure import retention_apply


class Command(BaseCommand):
    help = "Apply the retention schedule (SAHAY_RETENTION). `apply --dry-run` reports what would be erased."

    def add_arguments(self, parser: ArgumentParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="{apply}")
        apply = subcommands.add_parser("apply", help="Erase what is past its retention date.")
        apply.add_argument("--dry-run", action="store_true", help="Write nothing; report what would be erased.")

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = options["dry_run"]
        purge = retention_apply(dry_run=dry_run)
        schedule = ", ".join(f"{key}={value}" for key, value in settings.SAHAY_RETENTION.items())
        self.stdout.write(f"Retention schedule: {schedule}")
        verb = "Would erase" if dry_run else "Erased"
        if not purge.counts:
            self.stdout.write(self.style.SUCCESS("Nothing is past its retention date."))
        for kind, count in sorted(purge.counts.items()):
            self.stdout.write(f"{verb}: {count} {kind}")
