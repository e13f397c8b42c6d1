"""A draft report's PDF or Word file, drawn in the background: at a programme's size its renderer alone takes seconds.

The file is the draft as its figures stood when the job ran. It is kept, encrypted, on the job for its owner
alone, and thrown away after `KEPT_FOR`. An approved report needs none of this: its files are kept since its
approval (`sahay.reports.files`). The HTML and the workbook of a draft are drawn while the reader waits: the HTML
costs what the report's own page costs (the same figures and charts), the workbook less (no charts).
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sahay.accounts.models import User
from sahay.audit.models import AuditAction
from sahay.audit.services import audit_record
from sahay.core.context_processors import demo_data_is_synthetic
from sahay.core.encryption import decrypt_bytes, encrypt_bytes
from sahay.jobs.models import Job
from sahay.jobs.runner import PROGRESS_EVERY, Progress, job, job_create
from sahay.reports.building import report_content
from sahay.reports.disclosure import DisclosureError
from sahay.reports.files import DRAWINGS, report_file
from sahay.reports.models import Report
from sahay.reports.rendering.views import target_views

DRAFT_FILE_JOB = "report_file"
# The formats whose renderer takes seconds for a programme report. Measured at the demo's size on a busy 2-core
# machine, beside 2.5 s for the figures: the PDF 8.5 s with its charts, Word 3.6 s, the HTML 1.2 s (as the report's
# own page), the workbook 0.1 s.
BACKGROUND_FORMATS = ("pdf", "docx")
# What each of them needs of a chart, drawn chart by chart so that the progress moves while they are drawn.
CHART_FORMS = {"pdf": "svg", "docx": "png"}
KEPT_FOR = timedelta(hours=24)
RECENT_SHOWN = 6  # on the report's page


class Stage(enum.Enum):
    """Where a draft file's job has got to. Each is shown as a third of the work; at the demo's size a PDF's figures
    take about a third of the time, its charts a tenth and the renderer a half."""

    FIGURES = "figures"
    CHARTS = "charts"
    FILE = "file"

    @property
    def label(self) -> str:
        labels = {
            Stage.FIGURES: _("Counting the figures…"),
            Stage.CHARTS: _("Drawing the charts…"),
            Stage.FILE: _("Writing the file…"),
        }
        return labels[self]


def drawn_in_background(report: Report, file_format: str) -> bool:
    return not report.is_approved and file_format in BACKGROUND_FORMATS


def draft_file_start(*, report: Report, file_format: str, language: str, user: User) -> Job:
    """The job drawing this file for this user: one still under way for the same file, else a new one."""
    if file_format not in BACKGROUND_FORMATS:
        raise ValueError(f"{file_format!r} is drawn at once, not in the background")
    draft_files_discard_expired()
    arguments = {"report": report.pk, "file_format": file_format, "file_language": language}
    under_way = (
        Job.objects.filter(kind=DRAFT_FILE_JOB, owner=user, status__in=[Job.Status.QUEUED, Job.Status.RUNNING])
        .filter(**{f"arguments__{name}": value for name, value in arguments.items()})
        .first()
    )
    return under_way or job_create(kind=DRAFT_FILE_JOB, owner=user, arguments=arguments)


# Long enough for a programme many times the demo's size; the renderer reports no progress of its own.
@job(DRAFT_FILE_JOB, time_limit=10 * 60, title=gettext_lazy("report files"))
def draft_file_render(job_row: Job, progress: Progress) -> None:
    arguments = job_row.arguments
    report = Report.objects.get(pk=arguments["report"])
    file_format, language = arguments["file_format"], arguments["file_language"]
    synthetic = demo_data_is_synthetic()
    try:
        if report.is_approved and report.approved_at:  # approved since the job was asked for: give its kept file
            document = report_file(report, file_format=file_format, language=language, synthetic=synthetic)
            figures_read_at = report.approved_at
        else:
            document, figures_read_at = _draw_in_stages(report, file_format, language, synthetic, progress)
    except DisclosureError:
        job_row.status = Job.Status.FAILED
        job_row.message = _(
            "The figures could not be checked for disclosure, so nothing was output. Try again later or tell the "
            "administrator."
        )
        return
    job_row.output = encrypt_bytes(document)
    job_row.result = {"drawn_at": figures_read_at.isoformat(), "bytes": len(document)}
    job_row.message = _("The file is ready.")


def _draw_in_stages(
    report: Report, file_format: str, language: str, synthetic: bool, progress: Progress
) -> tuple[bytes, datetime]:
    content = report_content(report, language=language, synthetic=synthetic)
    # Each stage counts for as many steps as there are targets, and each step for PROGRESS_EVERY units: the runner
    # writes progress every PROGRESS_EVERY units (rows, for an import), and a report's steps are few and slow.
    steps = max(1, len(content.targets))
    total = len(Stage) * steps * PROGRESS_EVERY
    progress(steps * PROGRESS_EVERY, total)
    with translation.override(content.language):  # as files._draw: numbers follow the report's language
        drawn = target_views(content)
        for done, view in enumerate(drawn, start=1):
            for chart in (view.bullet, view.trend, view.countries):
                if chart is not None:
                    getattr(chart, CHART_FORMS[file_format])  # drawn once and cached for the renderer
            progress((steps + done) * PROGRESS_EVERY, total)
        progress(2 * steps * PROGRESS_EVERY, total)
        document = DRAWINGS[file_format](content, drawn)
    progress(total, total)
    return document, content.generated_at


def stage_of(job_row: Job) -> Stage:
    """The stage a running job has reached, from its progress (the first one until it reports any)."""
    if not job_row.progress_total:
        return Stage.FIGURES
    reached = len(Stage) * job_row.progress_done // job_row.progress_total
    return list(Stage)[min(reached, len(Stage) - 1)]


def drawn_at(job_row: Job) -> datetime | None:
    """When the figures of the job's file were read: the time its page states."""
    value = job_row.result.get("drawn_at")
    return parse_datetime(value) if value else None


def expires_at(job_row: Job) -> datetime | None:
    return job_row.finished_at + KEPT_FOR if job_row.finished_at else None


def draft_file_ready(job_row: Job) -> bool:
    """Whether the job's file can be downloaded: drawn, and not yet past KEPT_FOR (and so thrown away)."""
    expiry = expires_at(job_row)
    return job_row.status == Job.Status.DONE and bool(job_row.output) and expiry is not None and timezone.now() < expiry


def draft_file_of(job_row: Job) -> bytes | None:
    return decrypt_bytes(bytes(job_row.output)) if draft_file_ready(job_row) else None


def draft_file_job(*, user: User, pk: int) -> Job | None:
    """A draft file's job, for its owner alone: nobody else learns that it exists."""
    return Job.objects.filter(kind=DRAFT_FILE_JOB, owner=user, pk=pk).first()


def draft_file_take(*, job_row: Job, report: Report, user: User, request: HttpRequest | None = None) -> bytes | None:
    """The finished file, its download audited like any report file's; None when there is none (any longer)."""
    document = draft_file_of(job_row)
    if document is None:
        return None
    with transaction.atomic():
        audit_record(
            action=AuditAction.EXPORT,
            actor=user,
            request=request,
            target_kind="report",
            target_id=str(report.pk),
            target_label=str(report),
            detail={
                "format": job_row.arguments["file_format"],
                "language": job_row.arguments["file_language"],
                "drawn_at": job_row.result.get("drawn_at", ""),
            },
        )
    return document


def draft_files_discard_expired() -> int:
    """Empty the files past KEPT_FOR (run whenever a draft file is asked for; a nightly job may call it too)."""
    cutoff = timezone.now() - KEPT_FOR
    return Job.objects.filter(kind=DRAFT_FILE_JOB, finished_at__lt=cutoff).exclude(output=b"").update(output=b"")


def recent_draft_files(*, report: Report, user: User) -> list[Job]:
    """The user's files of this draft still kept or under way, newest first: for the report's page."""
    since = timezone.now() - KEPT_FOR
    kept_or_under_way = Q(finished_at__gte=since) | Q(finished_at__isnull=True, created_at__gte=since)
    jobs = Job.objects.filter(kept_or_under_way, kind=DRAFT_FILE_JOB, owner=user, arguments__report=report.pk)
    return list(jobs.order_by("-created_at", "-pk")[:RECENT_SHOWN])
