"""The report as HTML: a standalone document (for PDF and download) or the body for the app's page."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from sahay.reports.content import ReportContent
from sahay.reports.rendering.views import TargetView, target_views, version_line

MARGIN_TEXT = 'font-family: "DejaVu Sans", sans-serif; font-size: 7.5pt; color: #444;'
DRAFT_TEXT = "font-size: 10pt; font-weight: bold; color: #b03a2e;"


def render_html(content: ReportContent, *, standalone: bool = True, views: list[TargetView] | None = None) -> str:
    return render_document(content, standalone=standalone, charts_as_images=False, views=views)


def render_document(
    content: ReportContent, *, standalone: bool, charts_as_images: bool, views: list[TargetView] | None = None
) -> str:
    """charts_as_images: each chart as an <img> of its SVG, which WeasyPrint draws far faster than inline SVG.

    views: the content's charts when already drawn for another format (drawing them is much of the cost).
    """
    context = _context(content, target_views(content) if views is None else views)
    context["charts_as_images"] = charts_as_images
    template = "reports/document.html" if standalone else "reports/_report_body.html"
    return render_to_string(template, context)


def _context(content: ReportContent, views: list[TargetView]) -> dict[str, Any]:
    return {
        "content": content,
        "labels": content.labels,
        "targets": views,
        "version_line": version_line(content),
        "page_css": _page_css(content),
        "report_css": _report_css(),
    }


REPORT_CSS = Path(__file__).resolve().parents[1] / "static" / "reports" / "report.css"


@lru_cache(maxsize=1)
def _report_css() -> SafeString:
    """The report's style sheet, inlined in the files so they load nothing; the in-app preview links it."""
    return mark_safe(REPORT_CSS.read_text(encoding="utf-8"))  # noqa: S308 - a file shipped with Sahay  # nosec B308, B703


def _page_css(content: ReportContent) -> SafeString:
    """@page margin boxes: their texts are CSS strings, which HTML escaping would garble inside <style>."""
    labels = content.labels
    counter = (
        f"{_css_string(labels['page'] + ' ')} counter(page) {_css_string(' ' + labels['of'] + ' ')} counter(pages)"
    )
    rules = [f"@bottom-right {{ content: {counter}; {MARGIN_TEXT} }}"]
    if content.draft:
        rules.append(f"@top-right {{ content: {_css_string(labels['draft'])}; {MARGIN_TEXT} {DRAFT_TEXT} }}")
    if content.synthetic:
        notice = _css_string(labels["synthetic_notice"])
        rules.append(f"@bottom-left {{ content: {notice}; {MARGIN_TEXT} width: 60%; }}")
    return mark_safe("@page { " + " ".join(rules) + " }")  # noqa: S308 - every text in it passed _css_string  # nosec B308, B703


def _css_string(text: str) -> str:
    """A quoted CSS string; "<" is escaped too so the text cannot close the <style> element."""
    escaped = "".join(f"\\{ord(char):x} " if char in '\\"<>\n\r' else char for char in text)
    return f'"{escaped}"'
