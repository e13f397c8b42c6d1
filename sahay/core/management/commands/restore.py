"""`sahay restore FILE`: restore a backup into an empty installation, all of it or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sahay.core.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `sahay backup` into this installation, which must be freshly migrated and "
        "hold no data of its own. Every chunk, checksum and row count is checked before anything is written; "
        "the database is restored in one transaction. Needs SAHAY_BACKUP_KEY and the SAHAY_ENCRYPTION_KEYS in "
        "use when the backup was made."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The backup file.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = backup_restore(path=options["file"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(summary.line())
