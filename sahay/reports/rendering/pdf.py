"""The report as PDF, printed by WeasyPrint from the standalone HTML, and its pages as PNG for review."""

from __future__ import annotations

from pathlib import Path

from weasyprint import HTML
from weasyprint.urls import URLFetcher

from sahay.reports.content import ReportContent
from sahay.reports.rendering.markup import render_document
from sahay.reports.rendering.views import TargetView

# The document references nothing outside itself (its charts are data: URLs); the fetcher makes sure that a
# reference slipping in later is refused rather than fetched from another host or read from the disk.
ONLY_INLINE_DATA = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)


def render_pdf(content: ReportContent, views: list[TargetView] | None = None) -> bytes:
    html = render_document(content, standalone=True, charts_as_images=True, views=views)
    pdf: bytes = HTML(string=html, url_fetcher=ONLY_INLINE_DATA).write_pdf()
    return pdf


def pdf_pages_to_png(pdf: bytes, out_dir: Path, *, dpi: int = 110) -> list[Path]:
    """Every page as page-001.png, ...: for looking at a report, and for tests that check its pixels."""
    import pypdfium2  # a dev and docs tool, not needed to serve reports

    out_dir.mkdir(parents=True, exist_ok=True)
    document = pypdfium2.PdfDocument(pdf)
    paths = []
    try:
        for number, page in enumerate(document, start=1):
            path = out_dir / f"page-{number:03d}.png"
            page.render(scale=dpi / 72).to_pil().save(path)
            paths.append(path)
    finally:
        document.close()
    return paths
