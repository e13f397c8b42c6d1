"""The report as an Excel workbook: one sheet per table, every text cell neutralised against formulas."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sahay.core.spreadsheets import neutralise
from sahay.reports.content import ReportContent

Cell = str | int | None
WIDE_COLUMN = 80  # narratives and statements wrap within this width


def render_xlsx(content: ReportContent) -> bytes:
    labels = content.labels
    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    title = f"{content.title} · {content.programme}" + (f" · {content.country}" if content.country else "")
    if content.draft:
        title = f"{labels['draft']}: {title}"

    def sheet(name: str, headers: Sequence[str], rows: Iterable[Sequence[Cell]]) -> None:
        _sheet(workbook, name, title, headers, rows)

    sheet(
        "Results",
        [labels["indicator"], labels["place"], labels["results"]],
        ([s.indicator_code, s.place, s.text] for s in content.statements),
    )
    sheet(
        "Targets",
        [
            labels["indicator"],
            labels["targets"],
            labels["place"],
            labels["period_figure"],
            labels["cumulative_figure"],
            labels["target"],
            f"{labels['progress']} %",
            f"{labels['expected']} %",
            labels["status"],
        ],
        (
            [
                t.indicator_code,
                t.name,
                r.place,
                r.period,
                r.cumulative,
                r.target,
                r.progress_percent,
                r.expected_percent,
                r.status,
            ]
            for t in content.targets
            for r in t.rows
        ),
    )
    sheet(
        "Disaggregation",
        [
            labels["indicator"],
            labels["place"],
            labels["disaggregation"],
            labels["period_figure"],
            labels["cumulative_figure"],
        ],
        (
            [t.indicator_code, r.place, s.label, s.period, s.cumulative]
            for t in content.targets
            for r in t.rows
            for s in r.splits
        ),
    )
    sheet(
        "Explanations",
        [labels["indicator"], labels["place"], labels["explanations"]],
        ([e.indicator_code, e.place, e.text] for e in content.explanations),
    )
    sheet(
        "Restatements",
        [labels[key] for key in ("indicator", "place", "period_code", "before", "after", "reasons")],
        (
            [r.indicator_code, r.place, r.period_code, r.before, r.after, "; ".join(r.reasons)]
            for r in content.restatements
        ),
    )
    sheet("Narrative", [labels["narratives"], labels["narrative"]], ([n.heading, n.text] for n in content.narratives))
    sheet(
        "Changes",
        [labels[key] for key in ("indicator", "place", "window", "before", "after")],
        ([c.indicator_code, c.place, c.window, c.before, c.after] for c in content.changes),
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet(workbook: Workbook, name: str, title: str, headers: Sequence[str], rows: Iterable[Sequence[Cell]]) -> None:
    """Row 1 the title (saying Draft when it is one), row 2 the bold header; both stay in view when scrolling."""
    worksheet: Worksheet = workbook.create_sheet(name)
    worksheet.append([neutralise(title)])
    worksheet["A1"].font = Font(bold=True, size=12)
    worksheet.append([neutralise(header) for header in headers])
    for cell in worksheet[2]:
        cell.font = Font(bold=True)
    widths = [len(header) for header in headers]
    for row in rows:
        worksheet.append([neutralise(value) for value in row])
        widths = [max(width, len(str(value or ""))) for width, value in zip(widths, row, strict=True)]
    worksheet.freeze_panes = "A3"
    for index, width in enumerate(widths, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = min(width + 2, WIDE_COLUMN)
        if width > WIDE_COLUMN:
            for (cell,) in worksheet.iter_rows(min_row=3, min_col=index, max_col=index):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
