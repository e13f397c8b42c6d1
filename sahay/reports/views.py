"""Reporting pages: periods on their way to approval, reports to write, approve, preview and download."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sahay.accounts.decorators import right_required
from sahay.accounts.models import ScopeKind
from sahay.accounts.rights import Right
from sahay.accounts.scope import scope_of
from sahay.audit.models import AuditAction
from sahay.audit.services import audit_record
from sahay.core.context_processors import demo_data_is_synthetic
from sahay.core.models import Country
from sahay.core.pages import AuthenticatedRequest, add_service_errors, paginate
from sahay.core.periods import Period, semesters_between
from sahay.frameworks.models import Programme
from sahay.frameworks.selectors import current_programme
from sahay.reports import services
from sahay.reports.disclosure import DisclosureError
from sahay.reports.draft_files import BACKGROUND_FORMATS, draft_file_start, drawn_in_background, recent_draft_files
from sahay.reports.files import report_file, report_page
from sahay.reports.forms import NarrativeForm, ReportStartForm, ReviewForm
from sahay.reports.models import PeriodReview, Report
from sahay.reports.rendering import FORMATS
from sahay.reports.selectors import off_track_targets, review_list
from sahay.reports.selectors import report_list as reports_for

READERS = (Right.VIEW_FIGURES, Right.VIEW_PUBLISHED_FIGURES)


def _programme() -> Programme:
    programme = current_programme()
    if programme is None:
        raise Http404
    return programme


def _semesters(programme: Programme) -> list[Period]:
    return semesters_between(programme.start, programme.end)


def _semester(programme: Programme, code: str) -> Period | None:
    return next((semester for semester in _semesters(programme) if semester.code == code), None)


@right_required(*READERS)
def report_list(request: AuthenticatedRequest) -> HttpResponse:
    user, programme = request.user, _programme()
    semesters = _semesters(programme)
    chosen = {semester.code: semester for semester in semesters}.get(request.GET.get("period", ""))
    period = chosen or _latest_started(semesters)
    staff = user.has_perm(Right.VIEW_FIGURES.permission)
    scope = scope_of(user)
    countries = [("", _("The whole programme"))] if scope.sees_programme_totals else []
    countries += [(country.code, country.name) for country in scope.countries().filter(programmes=programme)]
    return render(
        request,
        "reports/report_list.html",
        {
            "period": period,
            "semesters": semesters,
            # Reviews are a country's business: all-country staff and the country's coordinator, not a partner.
            "reviews": review_list(user=user, programme=programme, period=period)
            if staff and scope.kind in (ScopeKind.ALL, ScopeKind.COUNTRY)
            else [],
            "page": paginate(request, reports_for(user=user, programme=programme)),
            "start_form": ReportStartForm(
                initial={"period": period.code}, periods=[s.code for s in semesters], countries=countries
            )
            if user.has_perm(Right.WRITE_REPORTS.permission)
            else None,
        },
    )


def _latest_started(semesters: list[Period]) -> Period:
    today = timezone.localdate()
    started = [semester for semester in semesters if semester.start <= today]
    return (started or semesters)[-1]


def _country_in_scope(request: AuthenticatedRequest, programme: Programme, code: str) -> Country:
    country = get_object_or_404(Country, code=code.upper(), programmes=programme)
    scope = scope_of(request.user)
    if scope.organisation_id is not None or not scope.covers_country(country):
        raise Http404  # a partner sees its own figures only; out of scope looks like missing
    return country


@right_required(Right.VIEW_FIGURES)
@require_http_methods(["GET", "POST"])
def review_detail(request: AuthenticatedRequest, period: str, country: str) -> HttpResponse:
    programme = _programme()
    semester = _semester(programme, period)
    if semester is None:
        raise Http404
    place = _country_in_scope(request, programme, country)
    review = PeriodReview.objects.filter(programme=programme, country=place, period_code=semester.code).first()
    off_track = off_track_targets(programme=programme, country=place, period=semester)
    explained = {item.indicator.code: item.text for item in review.explanations.all()} if review else {}
    form = ReviewForm(request.POST or None, off_track=off_track, explained=explained)
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action")
        data = form.cleaned_data
        try:
            if action == "submit":
                services.review_submit(
                    programme=programme,
                    country=place,
                    period=semester,
                    submitted_by=request.user,
                    explanations=form.explanations(),
                    comment=data["comment"],
                )
                messages.success(request, _("Submitted for approval."))
            elif action in ("return", "approve") and review is not None:
                if action == "return":
                    services.review_return(review=review, returned_by=request.user, comment=data["comment"])
                    messages.success(request, _("Returned with your comment."))
                else:
                    services.review_approve(
                        review=review,
                        approved_by=request.user,
                        explanations=form.explanations(),
                        comment=data["comment"],
                    )
                    messages.success(
                        request, _("Approved. The period is now locked for %(country)s.") % {"country": place}
                    )
            else:
                raise Http404
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("review_detail", period=semester.code, country=place.code)
    return render(
        request,
        "reports/review_detail.html",
        {
            "period": semester,
            "country": place,
            "review": review,
            "status": review.get_status_display() if review else PeriodReview.Status.DRAFT.label,
            "form": form,
            "off_track": off_track,
            "steps": review.steps.select_related("taken_by") if review else [],
            "corrections": review.corrections.select_related("made_by") if review else [],
            "can_submit": request.user.has_perm(Right.SUBMIT_PERIODS.permission)
            and (review is None or review.status in (PeriodReview.Status.DRAFT, PeriodReview.Status.RETURNED)),
            "can_decide": request.user.has_perm(Right.APPROVE_PERIODS.permission)
            and review is not None
            and review.status == PeriodReview.Status.SUBMITTED,
        },
    )


@right_required(Right.WRITE_REPORTS)
@require_POST
def report_start(request: AuthenticatedRequest) -> HttpResponse:
    programme = _programme()
    semester = _semester(programme, request.POST.get("period", ""))
    if semester is None:
        raise Http404
    code = request.POST.get("country", "")
    country = _country_in_scope(request, programme, code) if code else None
    report = services.report_draft(programme=programme, country=country, period=semester, user=request.user)
    return redirect("report_detail", pk=report.pk)


def _readable_report(request: AuthenticatedRequest, pk: int) -> Report:
    if not any(request.user.has_perm(right.permission) for right in READERS):
        raise PermissionDenied
    return get_object_or_404(reports_for(user=request.user, programme=_programme()), pk=pk)


@require_http_methods(["GET", "POST"])
def report_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    report = _readable_report(request, pk)
    user = request.user
    can_write = user.has_perm(Right.WRITE_REPORTS.permission) and not report.is_approved
    initial = {"context": report.context, "challenges": report.challenges, "stories": report.stories}
    form = NarrativeForm(request.POST or None, initial=initial) if can_write else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.report_narratives_save(report=report, user=user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Narrative saved."))
                return redirect("report_detail", pk=report.pk)
    language = (get_language() or "en").split("-")[0]
    try:
        body = _preview(report, language)
    except DisclosureError:
        body = None  # nothing is shown when the disclosure rules could not be applied
    # Only the versions this user may read: a donor never learns that a new version is being written.
    versions = reports_for(user=user, programme=report.programme).filter(
        country=report.country, period_code=report.period_code
    )
    return render(
        request,
        "reports/report_detail.html",
        {
            "report": report,
            "body": body,
            "form": form,
            "formats": FORMATS,
            "background_formats": () if report.is_approved else BACKGROUND_FORMATS,
            "draft_files": [] if report.is_approved else recent_draft_files(report=report, user=user),
            "versions": versions.order_by("-version"),
            "can_approve": user.has_perm(Right.APPROVE_PERIODS.permission) and not report.is_approved,
            "can_new_version": user.has_perm(Right.WRITE_REPORTS.permission)
            and report.is_approved
            and not versions.filter(version__gt=report.version).exists(),
        },
    )


def _preview(report: Report, language: str) -> str:
    """The report as it reads in the page: a draft drawn now, an approved report as kept since its approval."""
    return report_page(report, language=language, synthetic=demo_data_is_synthetic())


@require_POST
def report_approve_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    report = _readable_report(request, pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm the approval."))
        return redirect("report_detail", pk=report.pk)
    try:
        services.report_approve(report=report, approved_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except DisclosureError:
        messages.error(request, _("The figures could not be checked for disclosure; nothing was approved."))
    else:
        messages.success(request, _("Report approved: its figures are frozen."))
    return redirect("report_detail", pk=report.pk)


@require_POST
def report_new_version_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    report = _readable_report(request, pk)
    try:
        new = services.report_new_version(report=report, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("report_detail", pk=report.pk)
    return redirect("report_detail", pk=new.pk)


@require_http_methods(["GET", "POST"])
def report_download(request: AuthenticatedRequest, pk: int, file_format: str) -> HttpResponse:
    """A report's file: a draft's PDF or Word file is drawn in the background (POST starts it), the others at once."""
    report = _readable_report(request, pk)
    if file_format not in FORMATS:
        raise Http404
    language = request.GET.get("lang") or (get_language() or "en").split("-")[0]
    if language not in ("en", "nl"):
        raise Http404
    if drawn_in_background(report, file_format):
        if request.method == "POST":
            job = draft_file_start(report=report, file_format=file_format, language=language, user=request.user)
            return redirect("report_file_job", pk=job.pk)
        # A link (from the API, a bookmark) does not start work by itself: the page offers to.
        return render(
            request,
            "reports/draft_file_start.html",
            {"report": report, "file_format": file_format, "language": language},
        )
    if request.method == "POST":  # approved since its page was opened: the kept file is served at once
        return redirect(reverse("report_download", args=[report.pk, file_format]) + f"?lang={language}")
    try:
        document = report_file(report, file_format=file_format, language=language, synthetic=demo_data_is_synthetic())
    except DisclosureError:
        return render(request, "reports/disclosure_failed.html", status=503)
    with transaction.atomic():
        audit_record(
            action=AuditAction.EXPORT,
            actor=request.user,
            request=request,
            target_kind="report",
            target_id=str(report.pk),
            target_label=str(report),
            detail={"format": file_format, "language": language},
        )
    return file_response(document, report=report, file_format=file_format, language=language)


def file_response(document: bytes, *, report: Report, file_format: str, language: str) -> HttpResponse:
    output = FORMATS[file_format]
    response = HttpResponse(document, content_type=output.content_type)
    name = f"sahay-report-{report.period_code}-{report.country.code if report.country else 'programme'}"
    status = f"v{report.version}" if report.is_approved else "draft"
    response["Content-Disposition"] = f'attachment; filename="{name}-{status}-{language}.{output.extension}"'
    return response
