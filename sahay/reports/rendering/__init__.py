"""A half-year report rendered as HTML, PDF, Word or Excel from its `ReportContent`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sahay.reports.content import ReportContent
from sahay.reports.rendering.excel import render_xlsx
from sahay.reports.rendering.markup import render_html
from sahay.reports.rendering.pdf import pdf_pages_to_png, render_pdf
from sahay.reports.rendering.views import TargetView, target_views
from sahay.reports.rendering.word import render_docx

# Draws one format from the content and its charts, drawn once for every format of the same content.
Drawing = Callable[[ReportContent, list[TargetView]], bytes]


@dataclass(frozen=True)
class ReportFormat:
    content_type: str
    extension: str  # without the dot
    draw: Drawing

    def render(self, content: ReportContent) -> bytes:
        return self.draw(content, target_views(content))


def _html_file(content: ReportContent, views: list[TargetView]) -> bytes:
    return render_html(content, standalone=True, views=views).encode("utf-8")


def _xlsx_file(content: ReportContent, views: list[TargetView]) -> bytes:
    return render_xlsx(content)  # tables only: no charts


FORMATS: dict[str, ReportFormat] = {
    "html": ReportFormat("text/html; charset=utf-8", "html", _html_file),
    "pdf": ReportFormat("application/pdf", "pdf", render_pdf),
    "docx": ReportFormat(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", render_docx
    ),
    "xlsx": ReportFormat("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", _xlsx_file),
}

__all__ = [
    "FORMATS",
    "Drawing",
    "ReportFormat",
    "pdf_pages_to_png",
    "render_docx",
    "render_html",
    "render_pdf",
    "render_xlsx",
]
