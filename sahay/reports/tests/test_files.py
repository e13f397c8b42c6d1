"""An approved report's files are rendered when it is approved and served as kept; a draft's on every request."""

from __future__ import annotations

import io
import logging
from datetime import date
from pathlib import Path

import pypdfium2
import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from sahay.core.models import DemoDataset
from sahay.frameworks.models import Target
from sahay.records.models import Activity
from sahay.records.services import activity_save
from sahay.reports import files
from sahay.reports.files import PAGE
from sahay.reports.models import Report, ReportFile
from sahay.reports.rendering import FORMATS
from sahay.reports.services import report_draft, report_new_version
from sahay.reports.tests.conftest import H1, H2, World

pytestmark = pytest.mark.django_db

EVERY_FILE = {(file_format, language) for file_format in [*FORMATS, PAGE] for language in ("en", "nl")}
RENDERERS = (
    "sahay.reports.rendering.pdf.HTML",
    "sahay.reports.rendering.markup.render_to_string",
    "sahay.reports.rendering.word.Document",
    "sahay.reports.rendering.excel.Workbook",
)


def break_renderers(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on any rendering fails: a file served afterwards can only be one kept before."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a report file was rendered again")

    for renderer in RENDERERS:
        monkeypatch.setattr(renderer, refuse)


def download(client: Client, report: Report, file_format: str, language: str = "en") -> bytes:
    response = client.get(reverse("report_download", args=[report.pk, file_format]) + f"?lang={language}")
    assert response.status_code == 200
    return bytes(response.content)


def pdf_text(data: bytes) -> str:
    document = pypdfium2.PdfDocument(data)
    text = " ".join(" ".join(page.get_textpage().get_text_range().split()) for page in document)
    document.close()
    return text


def sheet(data: bytes, name: str) -> list[tuple[object, ...]]:
    """A workbook sheet's rows below its title and header."""
    return list(load_workbook(io.BytesIO(data))[name].iter_rows(min_row=3, values_only=True))


def statement(data: bytes, indicator: str, place: str) -> str:
    return next(str(text) for code, where, text in sheet(data, "Results") if (code, where) == (indicator, place))


def issued(world: World, meetings: int = 8) -> Report:
    world.meetings("NP", meetings, date(2017, 3, 1))
    world.approve(H1)
    return world.issue(H1)


def test_approving_renders_every_file_and_downloads_serve_them_as_kept(
    world: World, client_for, django_capture_on_commit_callbacks, monkeypatch: pytest.MonkeyPatch
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        report = issued(world)
    kept = {(item.file_format, item.language): bytes(item.content) for item in ReportFile.objects.filter(report=report)}
    assert set(kept) == EVERY_FILE

    break_renderers(monkeypatch)
    manager, donor = client_for(world.users.programme_manager), client_for(world.users.donor_viewer)
    english, dutch = download(donor, report, "pdf", "en"), download(manager, report, "pdf", "nl")
    assert (english, dutch) == (kept[("pdf", "en")], kept[("pdf", "nl")])
    assert "In Nepal, 8 meetings were held" in pdf_text(english)
    assert "In Nepal werden 8 bijeenkomsten gehouden" in pdf_text(dutch)
    assert statement(download(manager, report, "xlsx"), "OUT-1", "Nepal").startswith("In Nepal, 8 meetings")
    page = manager.get(reverse("report_detail", args=[report.pk])).content.decode()
    assert "In Nepal, 8 meetings were held" in page


def test_a_file_missing_from_an_approved_report_is_rendered_on_its_first_download_and_then_kept(
    world: World, client_for, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = issued(world)
    ReportFile.objects.filter(report=report).delete()  # as for a report approved before files were kept
    manager = client_for(world.users.programme_manager)
    first = download(manager, report, "xlsx")
    assert statement(first, "OUT-1", "Nepal").startswith("In Nepal, 8 meetings")

    break_renderers(monkeypatch)
    assert download(manager, report, "xlsx") == first


def test_a_draft_is_rendered_on_every_download_from_the_records_as_they_are(world: World, client_for) -> None:
    world.meetings("NP", 5, date(2017, 3, 1))
    draft = report_draft(programme=world.programme, country=None, period=H1, user=world.users.programme_manager)
    manager = client_for(world.users.programme_manager)
    assert statement(download(manager, draft, "xlsx"), "OUT-1", "Nepal").startswith("In Nepal, 5 meetings")
    world.meetings("NP", 1, date(2017, 4, 1))
    assert statement(download(manager, draft, "xlsx"), "OUT-1", "Nepal").startswith("In Nepal, 6 meetings")
    page = manager.get(reverse("report_detail", args=[draft.pk])).content.decode()
    assert "In Nepal, 6 meetings were held" in page
    assert not ReportFile.objects.exists()


def test_a_correction_leaves_the_approved_file_as_approved_and_is_shown_where_it_belongs(
    world: World, client_for
) -> None:
    first = issued(world)
    manager = client_for(world.users.programme_manager)
    approved = download(manager, first, "xlsx")
    meeting = Activity.objects.filter(country__code="NP").first()
    assert meeting is not None
    activity_save(
        saved_by=world.recorder,
        organisation=world.organisations.partners["NP"],
        kind=Activity.Kind.COMMUNITY_MEETING,
        title="moved",
        date=date(2017, 9, 1),
        activity=meeting,
        correction_reason="Typed the wrong month.",
    )
    assert download(manager, first, "xlsx") == approved  # what was approved reads the same

    # The next half year's draft restates the approved figure, with the reason.
    next_half_year = report_draft(
        programme=world.programme, country=None, period=H2, user=world.users.programme_manager
    )
    restated = [row for row in sheet(download(manager, next_half_year, "xlsx"), "Restatements") if row[0] == "OUT-1"]
    assert ("OUT-1", "Nepal", "2017-H1", "8", "7", "Typed the wrong month.") in restated

    # A new version of the approved half year shows the corrected figure, to the donor too.
    report_new_version(report=first, user=world.users.programme_manager)
    second = world.issue(H1)
    donor = client_for(world.users.donor_viewer)
    assert statement(download(donor, second, "xlsx"), "OUT-1", "Nepal").startswith("In Nepal, 7 meetings")
    assert statement(download(manager, first, "xlsx"), "OUT-1", "Nepal").startswith("In Nepal, 8 meetings")


def target_shown(indicator: str, place: str, data: bytes) -> object:
    return next(row[5] for row in sheet(data, "Targets") if (row[0], row[2]) == (indicator, place))


def test_a_target_changed_after_approval_is_shown_in_the_next_download(world: World, client_for) -> None:
    report = issued(world)
    target = Target.objects.filter(indicator__programme=world.programme, country__isnull=True, period_code="").first()
    assert target is not None
    code = target.indicator.code
    manager = client_for(world.users.programme_manager)
    assert target_shown(code, "Programme", download(manager, report, "xlsx")) != "12,345"
    Target.objects.filter(pk=target.pk).update(value=12345)
    assert target_shown(code, "Programme", download(manager, report, "xlsx")) == "12,345"
    assert ReportFile.objects.filter(report=report, file_format="xlsx").count() == 1  # replaced, not added


def test_demo_data_installed_after_approval_is_marked_as_synthetic_in_the_next_download(
    world: World, client_for
) -> None:
    report = issued(world)
    manager = client_for(world.users.programme_manager)
    notice = "Synthetic demo data: not real people or results."
    assert notice not in download(manager, report, "html").decode()
    DemoDataset.objects.create(seed=1, version=1)
    assert notice in download(manager, report, "html").decode()


def test_a_kept_file_drawn_by_an_older_renderer_is_drawn_again(
    world: World, client_for, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = issued(world)
    manager = client_for(world.users.programme_manager)
    assert "IN NEPAL" not in statement(download(manager, report, "xlsx"), "OUT-1", "Nepal")
    # An upgrade changes how the workbook writes its texts (here: in capitals) and so the renderers' fingerprint.
    monkeypatch.setattr("sahay.reports.rendering.excel.neutralise", lambda value: str(value).upper())
    monkeypatch.setattr(files, "renderer_fingerprint", lambda: "the upgraded renderers")
    texts = [str(text) for _code, _place, text in sheet(download(manager, report, "xlsx"), "Results")]
    assert any(text.startswith("IN NEPAL, 8 MEETINGS") for text in texts)


@pytest.fixture
def fingerprint_reset():
    files.renderer_fingerprint.cache_clear()
    yield
    files.renderer_fingerprint.cache_clear()


def test_a_changed_template_changes_the_renderers_fingerprint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fingerprint_reset
) -> None:
    template = tmp_path / "document.html"
    template.write_text("<p>one</p>", encoding="utf-8")
    monkeypatch.setattr(files, "RENDERER_FILES", (*files.RENDERER_FILES, str(template)))
    before = files.renderer_fingerprint()
    template.write_text("<p>two</p>", encoding="utf-8")
    files.renderer_fingerprint.cache_clear()  # a new process, as after an upgrade
    assert files.renderer_fingerprint() != before


def lone_age_band(data: bytes, place: str) -> bool:
    """Whether the workbook shows every victim of a suppressed JUST-1 count in one age band (the others "0")."""
    bands = [row[3] for row in sheet(data, "Disaggregation") if row[:2] == ("JUST-1", place) and "Age" in str(row[2])]
    return "<5" in bands and bands.count("0") == 3


def test_reissuing_a_report_renders_the_new_version_which_is_served_in_place_of_the_old(
    world: World,
    client_for,
    django_capture_on_commit_callbacks,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    world.victims_with_legal_aid("TH", 3, date(2017, 2, 1))  # three victims of 11, all in one age band
    world.approve(H1)
    first = world.issue(H1)
    # Approved under older rules, which showed the age bands beside the "<5"; today's rules would not.
    frozen = dict(first.frozen or {})
    for band in ("0-11", "12-17", "18+", "unknown"):
        frozen["published"]["cells"][f"JUST-1|TH|period|age_band:{band}"] = (
            ["small", None] if band == "0-11" else ["shown", "0"]
        )
    Report.objects.filter(pk=first.pk).update(frozen=frozen)
    out = tmp_path / "report.xlsx"
    call_command("report", period=H1.code, format="xlsx", out=str(out), stdout=io.StringIO())
    assert lone_age_band(out.read_bytes(), "Thailand")

    with django_capture_on_commit_callbacks(execute=True):
        call_command("reissue_reports", by="manager", stdout=io.StringIO())
    latest = Report.objects.approved_latest(programme=world.programme, period_code=H1.code, country=None)
    assert latest is not None and latest.version == 2
    assert {(item.file_format, item.language) for item in latest.files.all()} == EVERY_FILE

    break_renderers(monkeypatch)
    call_command("report", period=H1.code, format="xlsx", out=str(out), stdout=io.StringIO())
    assert not lone_age_band(out.read_bytes(), "Thailand")
    donor = client_for(world.users.donor_viewer)
    assert "Version 2" in pdf_text(download(donor, latest, "pdf"))
    assert donor.get(reverse("report_download", args=[first.pk, "pdf"])).status_code == 404


def test_a_failure_to_render_at_approval_leaves_the_report_approved_and_renders_on_download(
    world: World,
    client_for,
    django_capture_on_commit_callbacks,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    break_renderers(monkeypatch)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        report = issued(world)
    assert Report.objects.get(pk=report.pk).is_approved
    assert not ReportFile.objects.filter(report=report).exists()
    assert "render_approved_report_files" in caplog.text

    monkeypatch.undo()
    manager = client_for(world.users.programme_manager)
    assert statement(download(manager, report, "xlsx"), "OUT-1", "Nepal").startswith("In Nepal, 8 meetings")
    assert ReportFile.objects.filter(report=report, file_format="xlsx").exists()


def test_a_workbook_is_drawn_without_drawing_the_charts_it_has_no_room_for(
    world: World, client_for, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.meetings("NP", 5, date(2017, 3, 1))
    draft = report_draft(programme=world.programme, country=None, period=H1, user=world.users.programme_manager)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("charts were drawn for a workbook")

    monkeypatch.setattr(files, "target_views", refuse)
    manager = client_for(world.users.programme_manager)
    assert statement(download(manager, draft, "xlsx"), "OUT-1", "Nepal").startswith("In Nepal, 5 meetings")
