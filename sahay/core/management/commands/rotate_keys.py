"""`sahay rotate-keys`: re-encrypt every stored secret under the newest key, then check that none is left."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sahay.core.key_rotation import ModelRotation, keys_check, keys_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field and attachment under the newest key of SAHAY_ENCRYPTION_KEYS, in short "
        "batches, while Sahay runs. An interrupted run resumes where it stopped. --check only reports."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="Only count the values still under an old key.")
        parser.add_argument("--batch-size", type=int, default=500, help="Rows per transaction (default 500).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        results = keys_check() if options["check"] else keys_rotate(batch_size=options["batch_size"])
        self.report(results, checking=options["check"])
        left = sum(result.values_left for result in results)
        if left:
            raise CommandError(f"{left} values cannot be read with the newest key alone: keep every key configured.")
        if len(settings.SAHAY_ENCRYPTION_KEYS) > 1:
            self.stdout.write(
                self.style.SUCCESS(
                    "Every value is under the newest key. The older keys may now be removed from "
                    "SAHAY_ENCRYPTION_KEYS (keep the first one); Sahay cannot change its environment itself."
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS("Every value is under the one configured key."))

    def report(self, results: list[ModelRotation], *, checking: bool) -> None:
        for result in results:
            done = "" if checking else f", {result.values_rotated} re-encrypted"
            self.stdout.write(f"{result.label}: {result.rows_checked} rows{done}, {result.values_left} left")
