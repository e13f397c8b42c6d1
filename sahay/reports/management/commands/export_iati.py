"""`sahay export-iati --out FILE.xml [--until 2018-H2]`: the programme and its approved half-year results in IATI 2.03.

The file is written only once the whole XML is built and disclosure control has passed; otherwise nothing is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from sahay.core.files import write_atomically
from sahay.core.periods import Period, PeriodKind
from sahay.frameworks.selectors import current_programme
from sahay.reports import publishing
from sahay.reports.cli_audit import audit_command_export
from sahay.reports.disclosure import DisclosureError
from sahay.reports.iati import IatiSettingsError, iati_activity_file


class Command(BaseCommand):
    help = "Write the programme as an IATI 2.03 activity file, with the results of the approved half-year reports."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="The XML file to write")
        parser.add_argument("--until", help="The last half-year to include, e.g. 2018-H2 (default: every approved one)")

    def handle(self, *args: Any, **options: Any) -> None:
        programme = current_programme()
        if programme is None:
            raise CommandError("No results framework is loaded: run sahay load-framework FILE first.")
        until = _semester(options["until"]) if options["until"] else None
        out = Path(options["out"])
        try:
            semesters = publishing.approved_semesters(programme)
            if until is not None:
                semesters = [figures for figures in semesters if Period.parse(figures.period_code).end <= until.end]
            if not semesters:
                raise CommandError("No half-year report of the programme is approved yet: nothing was written.")
            content = iati_activity_file(programme=programme, semesters=semesters, generated_at=timezone.now())
        except DisclosureError as error:
            raise CommandError(f"Disclosure control failed, so nothing was written: {error}") from error
        except IatiSettingsError as error:
            raise CommandError(str(error)) from error
        try:
            write_atomically(out, content)
        except FileNotFoundError as error:
            raise CommandError(str(error)) from error
        periods = ", ".join(figures.period_code for figures in semesters)
        audit_command_export(what="iati", label=out.name, detail={"half_years": periods})
        self.stdout.write(self.style.SUCCESS(f"Wrote {out} (IATI 2.03; half-years {periods})."))


def _semester(code: str) -> Period:
    try:
        period = Period.parse(code)
    except ValidationError as error:
        raise CommandError(error.messages[0]) from error
    if period.kind != PeriodKind.SEMESTER:
        raise CommandError(f"--until takes a half-year such as 2018-H2, not {code}.")
    return period
