"""`sahay indicators`: every indicator's figure per country and for the programme, for operators on the server.

Unsuppressed: it reads the database directly and is not a way for figures to leave the organisation.
The same data always gives byte-identical output.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from sahay.accounts.models import ScopeKind
from sahay.accounts.scope import Scope
from sahay.core.models import Country
from sahay.core.periods import Period
from sahay.figures.progress import Figure
from sahay.figures.selectors import figure_table_in_scope
from sahay.frameworks.selectors import current_programme

COLUMNS = ["code", "name", "country", "period", "figure", "target", "progress", "status"]


def _number(value: Decimal | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if value == value.to_integral_value() else f"{value:.2f}"


def _row(code: str, name: str, country: str, period: str, figure: Figure | None) -> dict[str, str]:
    progress = figure.progress if figure else None
    return {
        "code": code,
        "name": name,
        "country": country,
        "period": period,
        "figure": _number(figure.value if figure else None),
        "target": _number(figure.target if figure else None),
        "progress": "" if progress is None else f"{progress * 100:.1f}",
        "status": figure.status.value if figure and figure.status else "",
    }


class Command(BaseCommand):
    help = "Print every indicator's figure per country and for the programme (unsuppressed, for operators)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="2017-H1, 2017, 2017-Q3 or 2017-07")
        parser.add_argument("--country", help="ISO code of one country (default: every country and the programme)")
        parser.add_argument("--cumulative", action="store_true", help="From the programme start to the period's end")
        parser.add_argument("--format", choices=["table", "csv", "json"], default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        programme = current_programme()
        if programme is None:
            raise CommandError("No results framework is loaded: run sahay load-framework FILE first.")
        try:
            period = Period.parse(options["period"])
        except ValidationError as error:
            raise CommandError(error.messages[0]) from error
        country = None
        if options["country"]:
            country = Country.objects.filter(code=options["country"].upper(), programmes=programme).first()
            if country is None:
                raise CommandError(f"“{options['country']}” is not a country of {programme.code}.")
        with translation.override("en"):
            table = figure_table_in_scope(
                scope=Scope(ScopeKind.ALL),
                programme=programme,
                period=period,
                cumulative=options["cumulative"],
                country=country,
            )
            period_label = f"{programme.start.isoformat()}..{period.code}" if options["cumulative"] else period.code
            rows = []
            for group in table.strategies:
                for line in group.rows:
                    indicator = line.indicator
                    for column in table.countries:
                        rows.append(
                            _row(
                                indicator.code,
                                indicator.name_en,
                                column.code,
                                period_label,
                                line.by_country.get(column.code),
                            )
                        )
                    if table.shows_total:
                        rows.append(_row(indicator.code, indicator.name_en, "programme", period_label, line.total))
        self.stdout.write(self._render(rows, options["format"]), ending="")

    @staticmethod
    def _render(rows: list[dict[str, str]], output: str) -> str:
        if output == "json":
            return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
        if output == "csv":
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
            return buffer.getvalue()
        widths = {column: max([len(column)] + [len(row[column]) for row in rows]) for column in COLUMNS}
        widths["name"] = min(widths["name"], 60)
        lines = ["  ".join(column.ljust(widths[column]) for column in COLUMNS)]
        for row in rows:
            cells = []
            for column in COLUMNS:
                text = row[column] if column != "name" or len(row[column]) <= 60 else row[column][:59] + "…"
                numeric = column in {"figure", "target", "progress"}
                cells.append(text.rjust(widths[column]) if numeric else text.ljust(widths[column]))
            lines.append("  ".join(cells).rstrip())
        return "\n".join(lines) + "\n"
