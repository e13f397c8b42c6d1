"""`sahay report`: write a half-year progress report to a file, as the app would show it."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sahay.core.context_processors import demo_data_is_synthetic
from sahay.core.files import write_atomically
from sahay.core.models import Country
from sahay.core.periods import Period
from sahay.frameworks.selectors import current_programme
from sahay.reports.cli_audit import audit_command_export
from sahay.reports.disclosure import DisclosureError
from sahay.reports.files import report_file
from sahay.reports.models import Report
from sahay.reports.rendering import FORMATS


class Command(BaseCommand):
    help = (
        "Write the half-year progress report of a period: the latest approved version (its file as kept since "
        "its approval), or a draft computed now (it says Draft on every page)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="a half year, e.g. 2017-H1")
        parser.add_argument("--country", help="a country's ISO code (default: the whole programme)")
        parser.add_argument("--lang", choices=["en", "nl"], default="en")
        parser.add_argument("--format", choices=sorted(FORMATS), default="pdf")
        parser.add_argument("--out", help="the file to write (default: sahay-report-PERIOD-PLACE-LANG.FORMAT)")

    def handle(self, *args: Any, **options: Any) -> None:
        programme = current_programme()
        if programme is None:
            raise CommandError("No framework is loaded: run `sahay load-framework` first.")
        try:
            period = Period.parse(options["period"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        if period.start < programme.start or period.end > programme.end:
            raise CommandError(f"{period} lies outside the programme ({programme.start} to {programme.end}).")
        country = None
        if options["country"]:
            country = Country.objects.filter(code=options["country"].upper(), programmes=programme).first()
            if country is None:
                raise CommandError(f"“{options['country']}” is not a country of the programme.")
        report = Report.objects.approved_latest(programme=programme, period_code=period.code, country=country)
        if report is None:  # a draft computed now, never saved
            report = Report(programme=programme, country=country, period_code=period.code)
        output = FORMATS[options["format"]]
        try:
            document = report_file(
                report, file_format=options["format"], language=options["lang"], synthetic=demo_data_is_synthetic()
            )
        except DisclosureError as error:
            raise CommandError(f"The disclosure rules could not be applied ({error}); nothing was written.") from error
        place = country.code if country else "programme"
        default_name = f"sahay-report-{period.code}-{place}-{options['lang']}.{output.extension}"
        path = Path(options["out"] or default_name)
        try:
            write_atomically(path, document)
        except FileNotFoundError as error:
            raise CommandError(str(error)) from error
        except OSError as error:
            # A full disk (or quota) half-way: the partial file is gone and any previous one is untouched.
            if error.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            kept = f"{path} is unchanged" if path.exists() else f"{path} was not created"
            raise CommandError(
                f"The disk is full: nothing was written ({kept}). Free some space and run it again."
            ) from error
        state = f"version {report.version}" if report.is_approved else "draft"
        audit_command_export(
            what="report", label=path.name, detail={"period": period.code, "place": place, "version": state}
        )
        self.stdout.write(f"Wrote {path} ({state}).")
