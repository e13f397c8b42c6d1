"""The demo's half-year report for 2017-H1 states the ten published results, in every format and both languages.

And what the donor reaches of the demo (dashboard, reports, figure exports, IATI) shows no small count about
victims: every cell of 1 to 4 is "<5" or left out.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pypdfium2
import pytest
from django.core.management import call_command
from django.urls import reverse
from docx import Document
from lxml import etree
from openpyxl import load_workbook
from PIL import Image

from conftest import sign_in_verified
from sahay.accounts.models import User
from sahay.core.models import Country
from sahay.core.periods import Period
from sahay.demo.figures import published_results
from sahay.frameworks.selectors import current_programme
from sahay.reports.charts import BAR_COLOUR
from sahay.reports.disclosure import Mark
from sahay.reports.figureset import figure_set
from sahay.reports.models import Report
from sahay.reports.rendering import pdf_pages_to_png

pytestmark = pytest.mark.django_db

# What each statement of programme.md says, in the words of the report (English, Dutch).
PHRASES = {
    "OUT-1": (
        "meetings were held between local partners, community members and religious leaders on child protection",
        "bijeenkomsten gehouden tussen lokale partners, gemeenschapsleden en religieuze leiders over kinderbescherming",
    ),
    "OUT-2": (
        "children were trained to recognise exploitation and to report concerns to the authorities",
        "kinderen getraind om uitbuiting te herkennen en zorgen te melden bij de autoriteiten",
    ),
    "OUT-3": (
        "vulnerable children were supported with education, school (re-)enrolment and claiming social assistance",
        "kwetsbare kinderen ondersteund met onderwijs, (her)inschrijving op school en het aanvragen van sociale bijstand",
    ),
    "OUT-4": (
        "families of victims were given legal, medical and emotional support and were visited regularly",
        "gezinnen van slachtoffers juridische, medische en emotionele steun en werden zij regelmatig bezocht",
    ),
    "OUT-5": (
        "cases of child abuse to the authorities after the awareness campaign",
        "gevallen van kindermisbruik bij de autoriteiten",
    ),
    "OUT-6": (
        "victims of sexual exploitation received specialised help (shelter, medical, education, legal)",
        "slachtoffers van seksuele uitbuiting gespecialiseerde hulp (opvang, medisch, onderwijs, juridisch)",
    ),
    "OUT-7": (
        "media campaigns on child-rights policy were launched",
        "mediacampagnes over kinderrechtenbeleid gelanceerd",
    ),
    "OUT-8": (
        "schools were given communication material, with follow-up sessions for students",
        "scholen communicatiemateriaal, met vervolgsessies voor leerlingen",
    ),
    "OUT-9": ("police and judiciary officials were trained", "politie- en justitiemedewerkers getraind"),
    "OUT-10": (
        "new dialogues were started with private-sector representatives",
        "nieuwe dialogen gestart met vertegenwoordigers van de private sector",
    ),
}


def flat(text: str) -> str:
    return " ".join(text.split())


def sentences(text: str) -> list[str]:
    return re.split(r"(?<=\.)\s+", flat(text))


def assert_states_the_ten_results(text: str, language: str) -> None:
    found = sentences(text)
    for result in published_results():
        country = Country.objects.get(code=result.country)
        name = country.name_nl if language == "nl" else country.name_en
        phrase = PHRASES[result.indicator][language == "nl"]
        matching = [
            sentence
            for sentence in found
            # A heading may run into the first sentence of its list when the text is read back.
            if re.search(rf"\bIn {re.escape(name)}\b", sentence)
            and phrase in sentence
            and re.search(rf"\b{result.value}\b", sentence)
        ]
        assert matching, f"no statement of {result.indicator} {result.country} = {result.value} in {language}"


def pdf_text(path: Path) -> str:
    document = pypdfium2.PdfDocument(path.read_bytes())
    try:
        return " ".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def write_report(tmp_path: Path, language: str, file_format: str) -> Path:
    out = tmp_path / f"report-{language}.{file_format}"
    call_command("report", period="2017-H1", lang=language, format=file_format, out=str(out))
    return out


def test_the_2017_h1_report_states_the_ten_published_results_in_every_format(demo: str, tmp_path: Path) -> None:
    for language in ("nl", "en"):
        assert_states_the_ten_results(pdf_text(write_report(tmp_path, language, "pdf")), language)
    document = Document(str(write_report(tmp_path, "nl", "docx")))
    assert_states_the_ten_results("\n".join(paragraph.text for paragraph in document.paragraphs), "nl")
    workbook = load_workbook(write_report(tmp_path, "en", "xlsx"), read_only=True)
    statements = [str(row[-1]) for row in workbook["Results"].iter_rows(values_only=True) if row and row[-1]]
    assert_states_the_ten_results(" ".join(statements), "en")


def test_the_demo_report_pages_show_their_charts_and_keep_text_on_the_page(demo: str, tmp_path: Path) -> None:
    pdf = write_report(tmp_path, "en", "pdf").read_bytes()
    bar = tuple(int(BAR_COLOUR[i : i + 2], 16) for i in (1, 3, 5))
    pages_with_bars = 0
    for path in pdf_pages_to_png(pdf, tmp_path / "pages", dpi=60):
        with Image.open(path) as image:
            pages_with_bars += bar in {colour for _, colour in image.convert("RGB").getcolors(maxcolors=1 << 24)}
    programme = current_programme()
    assert programme is not None
    assert pages_with_bars >= programme.indicators.filter(is_target=True).count()
    document = pypdfium2.PdfDocument(pdf)
    for page in document:
        width, height = page.get_size()
        textpage = page.get_textpage()
        for index in range(textpage.count_chars()):
            left, bottom, right, top = textpage.get_charbox(index)
            assert left >= 0 and right <= width and bottom >= 0 and top <= height, textpage.get_text_range(index, 1)
    document.close()


def test_the_donor_reaches_no_small_count_about_victims(demo: str, client, tmp_path: Path) -> None:
    programme = current_programme()
    assert programme is not None
    reports = list(Report.objects.filter(status=Report.Status.APPROVED, country__isnull=True))
    assert reports, "the demo publishes its first half years"
    victims = set(programme.indicators.filter(about_victims=True).values_list("code", flat=True))
    donor = sign_in_verified(client, User.objects.get(username="donor"))
    iati = tmp_path / "activity.xml"
    call_command("export_iati", out=str(iati))
    actuals = etree.parse(str(iati)).getroot()
    for report in reports:
        published = report.published
        assert published is not None
        raw = figure_set(programme=programme, period=Period.parse(report.period_code))
        small = {key for key, value in raw.values.items() if key.indicator in victims and 1 <= value <= 4}
        assert small, f"{report.period_code} has small counts to protect"
        for key in small:  # frozen figures never show them
            assert published.cells.get(key) is None or published.cells[key].mark != Mark.SHOWN, key
        export = donor.get(
            reverse("export_figures"), {"period": report.period_code, "view": "period", "format": "csv"}
        ).content.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(export)))
        header = rows[0]
        for row in rows[1:]:
            record = dict(zip(header, row, strict=True))
            if record[header[0]] in victims:
                assert record[header[-1]] not in {"1", "2", "3", "4"}, record
        page = donor.get(reverse("report_detail", args=[report.pk])).content.decode()
        assert "&lt;5" in page
    for value in actuals.xpath("//result[indicator/reference/@code='OUT-6']//actual/@value"):
        assert value not in {"1", "2", "3", "4"}
