"""`sahay audit verify`: walk the audit trail's hash chain and name the first break."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sahay.audit.chain import audit_verify


class Command(BaseCommand):
    help = "Work with the audit trail. `verify` checks that no entry was changed, removed, added or moved."

    def add_arguments(self, parser: ArgumentParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="{verify}")
        subcommands.add_parser("verify", help="Check the hash chain; exit non-zero at the first break.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify":
            self.verify()

    def verify(self) -> None:
        check = audit_verify()
        if not check.ok:
            raise CommandError(
                f"The audit trail is broken: {check.problem} ({check.entries_checked} entries before it verified)."
            )
        self.stdout.write(self.style.SUCCESS(f"The audit trail verifies: {check.entries_checked} entries, unbroken."))
