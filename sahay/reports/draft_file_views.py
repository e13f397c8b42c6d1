"""The page of a draft report's file drawn in the background: its progress, then the file, for its owner alone."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from sahay.accounts.decorators import right_required
from sahay.core.pages import AuthenticatedRequest
from sahay.jobs.models import Job
from sahay.reports.draft_files import (
    draft_file_job,
    draft_file_ready,
    draft_file_take,
    drawn_at,
    expires_at,
    stage_of,
)
from sahay.reports.models import Report
from sahay.reports.views import READERS, _readable_report, file_response

LANGUAGE_NAMES = {"en": "English", "nl": "Nederlands"}  # as the report's page names them, each in itself


def _own_job_and_report(request: AuthenticatedRequest, pk: int) -> tuple[Job, Report]:
    job = draft_file_job(user=request.user, pk=pk)
    if job is None:
        raise Http404  # someone else's file, or none: the same answer
    # Still in the reader's scope: a file drawn before their scope changed is not theirs any more.
    return job, _readable_report(request, job.arguments["report"])


@right_required(*READERS)
def report_file_job(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job, report = _own_job_and_report(request, pk)
    figures_read_at = drawn_at(job)
    return render(
        request,
        "reports/draft_file_job.html",
        {
            "job": job,
            "report": report,
            "file_format": job.arguments["file_format"],
            "language": job.arguments["file_language"],
            "language_name": LANGUAGE_NAMES.get(job.arguments["file_language"], ""),
            "stage": stage_of(job),
            "ready": draft_file_ready(job),
            "drawn_at": timezone.localtime(figures_read_at) if figures_read_at else None,
            "drawn_today": figures_read_at is not None and timezone.localdate(figures_read_at) == timezone.localdate(),
            "expires_at": expires_at(job),
        },
    )


@right_required(*READERS)
def report_file_job_download(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job, report = _own_job_and_report(request, pk)
    document = draft_file_take(job_row=job, report=report, user=request.user, request=request)
    if document is None:
        raise Http404  # not drawn yet, failed, or thrown away after its time
    return file_response(
        document, report=report, file_format=job.arguments["file_format"], language=job.arguments["file_language"]
    )
