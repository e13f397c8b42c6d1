"""`sahay backup --out FILE`: an encrypted, authenticated snapshot of the whole database, taken while Sahay runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sahay.core.backups import BackupError, backup_create, backup_key_generate


class Command(BaseCommand):
    help = (
        "Write a consistent backup of the database (case attachments included) to FILE, compressed and "
        "encrypted with SAHAY_BACKUP_KEY. --generate-key prints a new key instead. See docs/backup.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, help="The backup file to write (replaced atomically if it exists).")
        parser.add_argument("--generate-key", action="store_true", help="Print a new key for SAHAY_BACKUP_KEY.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["generate_key"]:
            self.stdout.write(backup_key_generate())
            return
        if options["out"] is None:
            raise CommandError("Say where to write the backup: --out FILE.")
        try:
            summary = backup_create(out=options["out"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(summary.line())
