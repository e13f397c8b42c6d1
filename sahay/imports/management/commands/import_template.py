"""`sahay import-template --kind people --format xlsx --lang nl --out people.xlsx`: a template to fill in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sahay.imports.kinds import KINDS
from sahay.imports.templates_files import template_file


class Command(BaseCommand):
    help = "Write an import template (xlsx with drop-down lists and instructions, or csv)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", required=True, choices=sorted(KINDS))
        parser.add_argument("--format", default="xlsx", choices=["xlsx", "csv"])
        parser.add_argument("--lang", default="en", choices=["en", "nl"])
        parser.add_argument("--out", required=True, help="The file to write.")

    def handle(self, *args: Any, **options: Any) -> None:
        content = template_file(KINDS[options["kind"]], options["format"], options["lang"])
        Path(options["out"]).write_bytes(content)
        self.stdout.write(f"Wrote {options['out']} ({len(content):,} bytes).")
