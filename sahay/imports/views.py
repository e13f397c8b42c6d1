"""Import pages: upload a file, follow its import, read or download its errors; templates and field forms."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sahay.accounts.decorators import right_required
from sahay.accounts.rights import Right
from sahay.core.pages import AuthenticatedRequest
from sahay.imports.forms import ImportForm
from sahay.imports.jobs import IMPORT_JOB, error_file, file_name_of, import_start, shown_errors
from sahay.imports.kinds import KINDS
from sahay.imports.templates_files import template_file
from sahay.imports.xlsforms import FORMS, xlsform
from sahay.jobs.models import Job
from sahay.records.selectors import capture_organisations

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {"xlsx": XLSX, "csv": "text/csv; charset=utf-8"}


def _language() -> str:
    return (get_language() or "en").split("-")[0]


@right_required(Right.RECORD_DATA)
@require_http_methods(["GET", "POST"])
def import_list(request: AuthenticatedRequest) -> HttpResponse:
    organisations = capture_organisations(user=request.user)
    form = ImportForm(request.POST or None, request.FILES or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        job = import_start(
            kind=data["kind"],
            organisation=data["organisation"],
            uploaded_by=request.user,
            data=upload.read(),
            file_name=upload.name,
            dry_run=data["dry_run"],
            correction_reason=data["correction_reason"],
        )
        # Not the file's name: a message travels in a cookie, and the name may name a child.
        messages.info(request, _("File received."))
        return redirect("import_job", pk=job.pk)
    jobs = [(job, file_name_of(job)) for job in Job.objects.filter(owner=request.user, kind=IMPORT_JOB)[:10]]
    return render(
        request,
        "imports/import_list.html",
        {"form": form, "jobs": jobs, "kinds": KINDS, "field_forms": FORMS.values(), "language": _language()},
    )


def _own_job(request: AuthenticatedRequest, pk: int) -> Job:
    # Only the person who uploaded a file sees its import: its errors may quote names.
    return get_object_or_404(Job, pk=pk, kind=IMPORT_JOB, owner=request.user)


@right_required(Right.RECORD_DATA)
def import_job(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job = _own_job(request, pk)
    kind = KINDS.get(job.arguments.get("kind", ""))
    return render(
        request,
        "imports/import_job.html",
        {
            "job": job,
            "file_name": file_name_of(job),
            "kind": kind,
            "errors": shown_errors(job) if job.is_finished else [],
            "has_error_file": bool(bytes(job.output)),
        },
    )


@right_required(Right.RECORD_DATA)
def import_errors(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job = _own_job(request, pk)
    data = error_file(job)
    if data is None:
        raise Http404
    extension = "csv" if job.result.get("error_format") == "csv" else "xlsx"
    response = HttpResponse(data, content_type=CONTENT_TYPES[extension])
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.{extension}"'
    response["Cache-Control"] = "no-store"
    return response


@right_required(Right.RECORD_DATA)
def import_template(request: AuthenticatedRequest, kind: str) -> HttpResponse:
    if kind not in KINDS:
        raise Http404
    file_format = request.GET.get("format", "xlsx")
    language = request.GET.get("lang", _language())
    if file_format not in CONTENT_TYPES or language not in ("en", "nl"):
        raise Http404
    response = HttpResponse(template_file(KINDS[kind], file_format, language), content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="sahay-{kind}-{language}.{file_format}"'
    return response


@right_required(Right.RECORD_DATA)
def import_xlsform(request: AuthenticatedRequest, form_id: str) -> HttpResponse:
    if form_id not in FORMS:
        raise Http404
    response = HttpResponse(xlsform(FORMS[form_id]), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="sahay-{form_id}-xlsform.xlsx"'
    return response
