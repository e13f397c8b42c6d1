"""What a reader of each format notices: every result and figure is there, charts are drawn, Draft is marked."""

from __future__ import annotations

import html
import io
import re

import pypdfium2
import pytest
from docx import Document
from openpyxl import load_workbook
from PIL import Image

from sahay.reports.charts import BAR_COLOUR, bullet_chart, countries_chart, trend_chart
from sahay.reports.content import ReportContent
from sahay.reports.rendering import FORMATS, pdf_pages_to_png, render_docx, render_html, render_pdf, render_xlsx
from sahay.reports.tests.factories_content import report_content

BAR_RGB = tuple(int(BAR_COLOUR[i : i + 2], 16) for i in (1, 3, 5))
SVG_NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


def figures(content: ReportContent) -> set[str]:
    """Every figure a table shows, as displayed."""
    shown = set()
    for section in content.targets:
        for row in section.rows:
            shown |= {row.period, row.cumulative, row.target}
            for split in row.splits:
                shown |= {split.period, split.cumulative}
    return shown


def flat(text: str) -> str:
    return " ".join(text.split())


def pdf_page_texts(pdf: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    texts = [flat(page.get_textpage().get_text_range()) for page in document]
    document.close()
    return texts


@pytest.fixture(scope="module")
def draft() -> ReportContent:
    return report_content(draft=True, synthetic=True)


@pytest.fixture(scope="module")
def approved() -> ReportContent:
    return report_content(draft=False, synthetic=False)


@pytest.fixture(scope="module")
def draft_pdf(draft) -> bytes:
    return render_pdf(draft)


@pytest.fixture(scope="module")
def approved_pdf(approved) -> bytes:
    return render_pdf(approved)


def test_pdf_holds_every_statement_and_every_figure(draft, draft_pdf):
    text = " ".join(pdf_page_texts(draft_pdf))
    for statement in draft.statements:
        assert flat(statement.text) in text
    missing = {figure for figure in figures(draft) if figure not in text}
    assert not missing
    assert "<5" in text and "–" in text


def test_pdf_numbers_its_pages_as_page_x_of_y(draft_pdf):
    texts = pdf_page_texts(draft_pdf)
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {len(texts)}" in text


def test_every_page_of_a_draft_says_draft_and_no_page_of_an_approved_report_does(draft_pdf, approved_pdf):
    draft_pages = pdf_page_texts(draft_pdf)
    approved_pages = pdf_page_texts(approved_pdf)
    assert len(draft_pages) > 10
    assert all("Draft" in text for text in draft_pages)
    assert not any("Draft" in text for text in approved_pages)


def test_every_page_of_synthetic_data_says_so(draft, draft_pdf, approved_pdf):
    notice = draft.labels["synthetic_notice"]
    assert all(notice in text for text in pdf_page_texts(draft_pdf))
    assert not any(notice in text for text in pdf_page_texts(approved_pdf))


def test_pdf_pages_show_the_charts_in_the_bar_colour(draft, draft_pdf, tmp_path):
    pages = pdf_pages_to_png(draft_pdf, tmp_path)
    with_bars = 0
    for path in pages:
        with Image.open(path) as image:
            colours = {colour for _, colour in image.convert("RGB").getcolors(maxcolors=1 << 24)}
        with_bars += BAR_RGB in colours
    # Each target starts a page of its own, and every target has a trend with bars.
    assert with_bars >= len(draft.targets)


def test_no_pdf_text_runs_off_the_page(draft_pdf):
    document = pypdfium2.PdfDocument(draft_pdf)
    for page in document:
        width, height = page.get_size()
        textpage = page.get_textpage()
        for index in range(textpage.count_chars()):
            if not textpage.get_text_range(index, 1).strip():
                continue
            left, bottom, right, top = textpage.get_charbox(index)
            assert left >= -0.5 and right <= width + 0.5, textpage.get_text_range(index, 1)
            assert bottom >= -0.5 and top <= height + 0.5, textpage.get_text_range(index, 1)
    document.close()


def docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [paragraph.text for paragraph in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_word_document_holds_statements_figures_and_pictures(draft):
    data = render_docx(draft)
    text = docx_text(data)
    for statement in draft.statements:
        assert statement.text in text
    assert not {figure for figure in figures(draft) if figure not in text}
    document = Document(io.BytesIO(data))
    charts_drawn = sum(3 if section.by_country else 2 for section in draft.targets)
    assert len(document.inline_shapes) == charts_drawn
    assert len(document.tables) >= 2 * len(draft.targets)


def test_word_header_says_draft_only_for_a_draft(draft, approved):
    for content, expected in ((draft, True), (approved, False)):
        document = Document(io.BytesIO(render_docx(content)))
        headers = [paragraph.text for section in document.sections for paragraph in section.header.paragraphs]
        assert ("Draft" in " ".join(headers)) is expected


def test_workbook_has_a_sheet_per_table_with_the_values(draft):
    workbook = load_workbook(io.BytesIO(render_xlsx(draft)))
    assert workbook.sheetnames == [
        "Results", "Targets", "Disaggregation", "Explanations", "Restatements", "Narrative", "Changes",
    ]  # fmt: skip
    values = {name: list(workbook[name].iter_rows(values_only=True)) for name in workbook.sheetnames}
    assert values["Results"][0][0].startswith("Draft")
    assert list(values["Results"][1]) == ["Indicator", "Place", "Results"]
    assert {row[2] for row in values["Results"][2:]} == {statement.text for statement in draft.statements}
    india = draft.targets[0].rows[3]
    assert ("1.1", draft.targets[0].name, "India", india.period, india.cumulative, india.target) in {
        row[:6] for row in values["Targets"]
    }
    assert len(values["Targets"]) == 2 + sum(len(section.rows) for section in draft.targets)
    assert any(row[2] == "12-17" and row[3] == "x" for row in values["Disaggregation"][2:])
    assert workbook["Results"].freeze_panes == "A3"
    assert workbook["Targets"]["A2"].font.bold


def test_workbook_stores_a_narrative_that_looks_like_a_formula_as_text(draft):
    workbook = load_workbook(io.BytesIO(render_xlsx(draft)))
    texts = [row[1] for row in workbook["Narrative"].iter_rows(min_row=3, values_only=True)]
    assert "'=SUM(A1:A3) Peer educators reached more children than school visits did." in texts
    assert all(not text.startswith("=") for text in texts)


def test_html_loads_nothing_from_another_host_and_holds_the_statements(draft):
    document = render_html(draft)
    addresses = set(re.findall(r"https?://[^\s\"'<>)]+", document))
    assert addresses <= SVG_NAMESPACES
    assert "<svg" in document and "<style" in document
    for statement in draft.statements:
        assert statement.text in html.unescape(document)


def test_html_fragment_is_the_body_without_a_document_or_style(draft):
    fragment = render_html(draft, standalone=False)
    assert "<html" not in fragment and "<style" not in fragment and "<img" not in fragment
    assert draft.statements[0].text in html.unescape(fragment)
    # The app's Content-Security-Policy blocks inline style attributes; charts must not rely on them.
    assert " style=" not in fragment


def test_charts_are_deterministic_self_contained_and_in_the_bar_colour(draft):
    section = draft.targets[0]
    first, second = bullet_chart(section, draft.labels), bullet_chart(section, draft.labels)
    assert first.svg == second.svg and first.png == second.png
    for chart in (first, trend_chart(section, draft.labels), countries_chart(section, draft.labels)):
        assert chart.svg.startswith("<svg") and BAR_COLOUR in chart.svg
        assert set(re.findall(r"https?://[^\s\"'<>)]+", chart.svg)) <= SVG_NAMESPACES
        assert "<text" not in chart.svg and "font-family" not in chart.svg
        assert chart.png.startswith(b"\x89PNG")


def test_a_suppressed_cumulative_draws_no_bar(draft):
    suppressed = next(section for section in draft.targets if section.actual is None)
    assert BAR_COLOUR not in bullet_chart(suppressed, draft.labels).svg


def test_formats_name_type_extension_and_renderer(draft):
    assert set(FORMATS) == {"html", "pdf", "docx", "xlsx"}
    assert FORMATS["pdf"].content_type == "application/pdf" and FORMATS["docx"].extension == "docx"
    assert FORMATS["html"].render(draft).startswith(b"<!DOCTYPE html>")
