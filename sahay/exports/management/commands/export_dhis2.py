"""`sahay export-dhis2 --period 2017-H1 [--mapping FILE] --out FILE.json`: a half year's figures for DHIS2.

The programme's published figures of the half year (the programme and every country, after disclosure
control) as a DHIS2 `dataValueSets` payload, through the mapping (default: SAHAY_DHIS2_MAPPING, else the
shipped example). The file is written only once the whole payload is built; on any problem nothing is.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sahay.core.files import write_atomically
from sahay.core.periods import Period, PeriodKind, semesters_between
from sahay.exports.dhis2 import MappingError, configured_mapping_path, data_value_set, read_mapping
from sahay.frameworks.models import Programme
from sahay.frameworks.selectors import current_programme
from sahay.reports import publishing
from sahay.reports.cli_audit import audit_command_export
from sahay.reports.disclosure import DisclosureError


class Command(BaseCommand):
    help = "Write a half year's published figures as a DHIS2 dataValueSets JSON file, through a mapping file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="The half year, e.g. 2017-H1")
        parser.add_argument(
            "--mapping", help="The mapping file, YAML or JSON (default: SAHAY_DHIS2_MAPPING, else the shipped example)"
        )
        parser.add_argument("--out", required=True, help="The JSON file to write")
        parser.add_argument("--complete-date", help="The data set's completeDate, e.g. 2017-07-31 (default: none)")

    def handle(self, *args: Any, **options: Any) -> None:
        programme = current_programme()
        if programme is None:
            raise CommandError("No results framework is loaded: run sahay load-framework FILE first.")
        period = _half_year(programme, options["period"])
        complete_date = _date(options["complete_date"]) if options["complete_date"] else None
        mapping_path = Path(options["mapping"]) if options["mapping"] else configured_mapping_path()
        try:
            mapping = read_mapping(mapping_path, programme=programme)
        except MappingError as error:
            raise CommandError(f"The mapping cannot be used, so nothing was written: {error}") from error
        out = Path(options["out"])
        try:
            figures = publishing.published_figures(programme=programme, period=period)
        except DisclosureError as error:
            raise CommandError(f"Disclosure control failed, so nothing was written: {error}") from error
        result = data_value_set([(period, figures)], mapping, complete_date=complete_date)
        content = (json.dumps(result.payload, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        try:
            write_atomically(out, content)
        except OSError as error:
            raise CommandError(str(error)) from error
        audit_command_export(
            what="dhis2",
            label=out.name,
            detail={"half_year": period.code, "values": result.values, "mapping": mapping_path.name},
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {out}: {result.values} values for {period.code} (DHIS2 period {mapping.period(period)}); "
                f"{result.suppressed} left out as suppressed, {result.unmapped} not in the mapping."
            )
        )


def _half_year(programme: Programme, code: str) -> Period:
    try:
        period = Period.parse(code)
    except ValidationError as error:
        raise CommandError(error.messages[0]) from error
    if period.kind != PeriodKind.SEMESTER:
        raise CommandError(f"--period takes a half year such as 2017-H1, not {code}.")
    semesters = semesters_between(programme.start, programme.end)
    if period not in semesters:
        raise CommandError(
            f"{code} is not a half year of the programme {programme.code} "
            f"({semesters[0].code} to {semesters[-1].code}): nothing was written."
        )
    return period


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"--complete-date takes a date such as 2017-07-31, not {text}.") from error
