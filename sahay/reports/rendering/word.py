"""The report as a Word document: headings, real tables, and the charts as PNG pictures."""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as WordDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt, RGBColor

from sahay.reports.content import ReportContent
from sahay.reports.rendering.views import TargetView, target_views, version_line

PAGE_WIDTH_CM = 21.0  # A4
MARGIN_CM = 1.8
TEXT_WIDTH = Cm(PAGE_WIDTH_CM - 2 * MARGIN_CM)
HALF_WIDTH = Cm((PAGE_WIDTH_CM - 2 * MARGIN_CM) * 0.6)  # the trend and country charts are drawn narrow
DRAFT_RED = RGBColor(0xB0, 0x3A, 0x2E)


def render_docx(content: ReportContent, views: list[TargetView] | None = None) -> bytes:
    document = Document()
    _page_setup(document, content)
    labels = content.labels
    document.add_heading(content.title, level=0)
    place = f" · {content.country}" if content.country else ""
    document.add_paragraph(f"{content.programme}{place} · {content.period_label} ({content.period_code})")
    document.add_paragraph(version_line(content))
    if content.synthetic:
        document.add_paragraph(labels["synthetic_notice"]).runs[0].bold = True

    document.add_heading(labels["results"], level=1)
    strategy = None
    for statement in content.statements:
        if statement.strategy != strategy:
            strategy = statement.strategy
            document.add_heading(strategy, level=2)
        document.add_paragraph(statement.text, style="List Bullet")
    if not content.statements:
        document.add_paragraph(labels["no_statements"])

    document.add_heading(labels["targets"], level=1)
    document.add_paragraph(labels["suppression_note"])
    for view in target_views(content) if views is None else views:
        _target(document, view, labels)

    document.add_heading(labels["explanations"], level=1)
    _table_or_empty(
        document,
        [labels["indicator"], labels["place"], labels["explanations"]],
        [[e.indicator_code, e.place, e.text] for e in content.explanations],
        labels["no_explanations"],
    )
    document.add_heading(labels["restatements"], level=1)
    _table_or_empty(
        document,
        [labels[key] for key in ("indicator", "place", "period_code", "before", "after", "reasons")],
        [
            [r.indicator_code, r.place, r.period_code, r.before, r.after, "; ".join(r.reasons)]
            for r in content.restatements
        ],
        labels["no_restatements"],
    )
    document.add_heading(labels["narratives"], level=1)
    for narrative in content.narratives:
        document.add_heading(narrative.heading, level=2)
        for paragraph in narrative.text.split("\n\n"):
            document.add_paragraph(paragraph)
    if not content.narratives:
        document.add_paragraph(labels["no_narratives"])
    document.add_heading(labels["changes"], level=1)
    _table_or_empty(
        document,
        [labels[key] for key in ("indicator", "place", "window", "before", "after")],
        [[c.indicator_code, c.place, c.window, c.before, c.after] for c in content.changes],
        labels["no_changes"],
    )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _page_setup(document: WordDocument, content: ReportContent) -> None:
    style = document.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(9.5)
    for section in document.sections:
        section.page_width, section.page_height = Cm(PAGE_WIDTH_CM), Cm(29.7)
        section.left_margin = section.right_margin = Cm(MARGIN_CM)
        section.top_margin = section.bottom_margin = Cm(1.8)
        if content.draft:
            header = section.header.paragraphs[0]
            header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            run = header.add_run(content.labels["draft"])
            run.bold, run.font.color.rgb = True, DRAFT_RED
        if content.synthetic:
            section.footer.paragraphs[0].add_run(content.labels["synthetic_notice"]).font.size = Pt(8)


def _target(document: WordDocument, view: TargetView, labels: dict[str, str]) -> None:
    section = view.section
    document.add_heading(f"{section.indicator_code} {section.name} ({section.unit})", level=2)
    document.add_picture(io.BytesIO(view.bullet.png), width=TEXT_WIDTH)
    document.add_paragraph(f"{labels['trend']}: {labels['period_figure']}")
    document.add_picture(io.BytesIO(view.trend.png), width=HALF_WIDTH)
    if view.countries is not None:
        document.add_paragraph(f"{labels['by_country']}: {labels['cumulative_figure']}")
        document.add_picture(io.BytesIO(view.countries.png), width=HALF_WIDTH)
    headers = [
        labels[key]
        for key in ("place", "period_figure", "cumulative_figure", "target", "progress", "expected", "status")
    ]
    rows = [
        [
            row.place,
            row.period,
            row.cumulative,
            row.target,
            _percent(row.progress_percent),
            _percent(row.expected_percent),
            row.status,
        ]
        for row in section.rows
    ]
    _table(document, headers, rows)
    if view.splits.rows:
        document.add_paragraph(
            f"{labels['disaggregation']} ({labels['period_figure']} / {labels['cumulative_figure']})"
        )
        _table(document, [labels["place"], *view.splits.labels], [[place, *cells] for place, cells in view.splits.rows])


def _percent(value: int | None) -> str:
    return f"{value}%" if value is not None else "–"


def _table_or_empty(document: WordDocument, headers: list[str], rows: list[list[str]], empty: str) -> None:
    if rows:
        _table(document, headers, rows)
    else:
        document.add_paragraph(empty)


def _table(document: WordDocument, headers: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for values in rows:
        for cell, text in zip(table.add_row().cells, values, strict=True):
            cell.text = text
    document.add_paragraph()
