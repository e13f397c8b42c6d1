"""`sahay load-framework FILE`: load or update a results framework from its YAML file."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sahay.frameworks.loader import FrameworkFileError
from sahay.frameworks.services import framework_load


class Command(BaseCommand):
    help = "Load a results framework file. Loading the same file again changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The framework YAML file.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = framework_load(path=options["file"])
        except FrameworkFileError as error:
            raise CommandError(f"{error}. Nothing was changed.") from error
        state = "loaded" if result.changed else "unchanged"
        self.stdout.write(
            f"{result.programme.code}: {state} ({result.programme.indicators.count()} indicators, "
            f"version {result.version.sha256[:12]})"
        )
