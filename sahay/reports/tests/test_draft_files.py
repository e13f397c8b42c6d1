"""A draft's PDF and Word files are drawn in the background, shown with their progress, then offered to their owner."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from docx import Document

from sahay.audit.models import AuditAction, AuditEntry
from sahay.jobs.models import Job
from sahay.jobs.runner import run_job
from sahay.reports import disclosure
from sahay.reports.draft_files import DRAFT_FILE_JOB, KEPT_FOR
from sahay.reports.models import Report
from sahay.reports.services import report_draft
from sahay.reports.tests.conftest import H1, World
from sahay.reports.tests.test_files import download, issued, pdf_text

pytestmark = pytest.mark.django_db


def draft_report(world: World, meetings: int = 5) -> Report:
    world.meetings("NP", meetings, date(2017, 3, 1))
    return report_draft(programme=world.programme, country=None, period=H1, user=world.users.programme_manager)


def ask_for(client: Client, report: Report, file_format: str = "pdf", language: str = "en") -> Job:
    """Press the report page's button for a file; the job's page is where it leads."""
    url = reverse("report_download", args=[report.pk, file_format]) + f"?lang={language}"
    response = client.post(url)
    job = Job.objects.filter(kind=DRAFT_FILE_JOB).latest("pk")
    assert response.status_code == 302
    assert response["Location"] == reverse("report_file_job", args=[job.pk])
    return job


def job_page(client: Client, job: Job) -> str:
    response = client.get(reverse("report_file_job", args=[job.pk]))
    assert response.status_code == 200
    return response.content.decode()


def file_of(client: Client, job: Job) -> bytes:
    response = client.get(reverse("report_file_job_download", args=[job.pk]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    return bytes(response.content)


def test_a_draft_pdf_is_drawn_in_the_background_with_its_progress_shown_then_offered(
    world: World, client_for, settings, django_capture_on_commit_callbacks
) -> None:
    settings.SAHAY_JOBS_INLINE = False  # the job waits in the queue until the test runs it
    draft = draft_report(world)
    manager = client_for(world.users.programme_manager)
    report_page = manager.get(reverse("report_detail", args=[draft.pk])).content.decode()
    pdf_url = reverse("report_download", args=[draft.pk, "pdf"])
    assert f'<form method="post" action="{pdf_url}?lang=en">' in report_page

    with django_capture_on_commit_callbacks(execute=False) as started:
        job = ask_for(manager, draft)
    assert started, "the job is started once its row is committed"
    waiting = job_page(manager, job)
    assert '<meta http-equiv="refresh" content="2">' in waiting
    assert "Waiting for its turn" in waiting
    assert "Download the PDF" not in waiting

    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, progress_done=4, progress_total=9)
    running = job_page(manager, job)
    assert "Drawing the charts" in running and '<progress max="100" value="44">' in running

    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, progress_done=0, progress_total=None)
    run_job(job.pk)
    finished = job_page(manager, job)
    assert "http-equiv" not in finished
    stated = re.search(r"It is drawn from the figures at (\d\d:\d\d)", finished)
    ran = Job.objects.get(pk=job.pk)
    drawn_at = parse_datetime(ran.result["drawn_at"])
    assert stated is not None and drawn_at is not None and ran.started_at is not None and ran.finished_at
    assert ran.started_at <= drawn_at <= ran.finished_at
    assert stated.group(1) == f"{timezone.localtime(drawn_at):%H:%M}"
    assert "Download the PDF" in finished
    document = file_of(manager, job)
    assert document.startswith(b"%PDF")
    assert "In Nepal, 5 meetings were held" in pdf_text(document)
    assert "Draft" in pdf_text(document)


def test_the_file_is_the_draft_as_its_figures_stood_when_the_job_ran(world: World, client_for) -> None:
    draft = draft_report(world)
    manager = client_for(world.users.programme_manager)
    first = ask_for(manager, draft, "pdf", "nl")
    world.meetings("NP", 1, date(2017, 4, 1))
    assert "In Nepal werden 5 bijeenkomsten gehouden" in pdf_text(file_of(manager, first))
    again = ask_for(manager, draft, "pdf", "nl")  # the page's "draw it again"
    assert "In Nepal werden 6 bijeenkomsten gehouden" in pdf_text(file_of(manager, again))
    # Each download is audited as an export of the report, naming when its figures were read.
    exports = AuditEntry.objects.filter(action=AuditAction.EXPORT, target_kind="report", target_id=str(draft.pk))
    assert [entry.detail["format"] for entry in exports] == ["pdf", "pdf"]
    assert all(entry.detail["drawn_at"] for entry in exports)


def test_a_draft_word_file_is_drawn_in_the_background_too(world: World, client_for) -> None:
    draft = draft_report(world)
    manager = client_for(world.users.programme_manager)
    job = ask_for(manager, draft, "docx")
    text = "\n".join(paragraph.text for paragraph in Document(io.BytesIO(file_of(manager, job))).paragraphs)
    assert "In Nepal, 5 meetings were held" in text


def test_the_workbook_and_the_html_of_a_draft_are_drawn_at_once(world: World, client_for) -> None:
    draft = draft_report(world)
    manager = client_for(world.users.programme_manager)
    assert download(manager, draft, "xlsx").startswith(b"PK")
    assert b"In Nepal, 5 meetings were held" in download(manager, draft, "html")
    assert not Job.objects.filter(kind=DRAFT_FILE_JOB).exists()


def test_a_link_to_a_draft_pdf_starts_nothing_by_itself_but_offers_to(world: World, client_for) -> None:
    draft = draft_report(world)
    response = client_for(world.users.programme_manager).get(reverse("report_download", args=[draft.pk, "pdf"]))
    assert response.status_code == 200
    assert "Draw the PDF" in response.content.decode()
    assert not Job.objects.filter(kind=DRAFT_FILE_JOB).exists()


def test_only_whoever_asked_for_the_file_can_see_or_download_it(world: World, client_for) -> None:
    draft = draft_report(world)
    job = ask_for(client_for(world.users.programme_manager), draft)
    # The M&E officer may read the same draft, but not someone else's file of it.
    officer = client_for(world.users.me_officer)
    assert officer.get(reverse("report_detail", args=[draft.pk])).status_code == 200
    assert officer.get(reverse("report_file_job", args=[job.pk])).status_code == 404
    assert officer.get(reverse("report_file_job_download", args=[job.pk])).status_code == 404
    assert "Your files of this draft" not in officer.get(reverse("report_detail", args=[draft.pk])).content.decode()
    owner_page = client_for(world.users.programme_manager).get(reverse("report_detail", args=[draft.pk]))
    assert reverse("report_file_job", args=[job.pk]) in owner_page.content.decode()


def test_a_file_asked_for_twice_while_under_way_is_drawn_once(
    world: World, client_for, settings, django_capture_on_commit_callbacks
) -> None:
    settings.SAHAY_JOBS_INLINE = False
    draft = draft_report(world)
    manager = client_for(world.users.programme_manager)
    with django_capture_on_commit_callbacks(execute=False):
        first, second = ask_for(manager, draft), ask_for(manager, draft)
        dutch = ask_for(manager, draft, "pdf", "nl")
    assert first == second and dutch != first


def test_a_file_past_its_time_is_thrown_away(world: World, client_for) -> None:
    draft = draft_report(world)
    manager = client_for(world.users.programme_manager)
    old = ask_for(manager, draft, "docx")
    Job.objects.filter(pk=old.pk).update(finished_at=timezone.now() - KEPT_FOR)
    assert manager.get(reverse("report_file_job_download", args=[old.pk])).status_code == 404
    assert "thrown away after its time" in job_page(manager, old)
    assert bytes(Job.objects.get(pk=old.pk).output)  # still stored, though never served again ...
    ask_for(manager, draft, "docx")
    assert bytes(Job.objects.get(pk=old.pk).output) == b""  # ... until the next file asked for discards it


def test_a_draft_whose_figures_cannot_be_checked_gives_no_file(
    world: World, client_for, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft = draft_report(world)

    def broken(*args: object, **kwargs: object) -> None:
        raise disclosure.DisclosureError("forced")

    monkeypatch.setattr("sahay.reports.publishing.publish", broken)
    manager = client_for(world.users.programme_manager)
    job = ask_for(manager, draft)
    assert Job.objects.get(pk=job.pk).status == Job.Status.FAILED
    assert "nothing was output" in job_page(manager, job)
    assert manager.get(reverse("report_file_job_download", args=[job.pk])).status_code == 404


def test_an_approved_reports_pdf_is_served_at_once(world: World, client_for) -> None:
    report = issued(world)
    manager = client_for(world.users.programme_manager)
    page = manager.get(reverse("report_detail", args=[report.pk])).content.decode()
    assert 'method="post" action="{}'.format(reverse("report_download", args=[report.pk, "pdf"])) not in page
    assert download(manager, report, "pdf").startswith(b"%PDF")
    # A button pressed on the page before the report was approved gets the approved file, at once.
    pressed = manager.post(reverse("report_download", args=[report.pk, "pdf"]) + "?lang=nl")
    assert pressed.status_code == 302
    assert manager.get(pressed["Location"]).content.startswith(b"%PDF")
    assert not Job.objects.filter(kind=DRAFT_FILE_JOB).exists()
