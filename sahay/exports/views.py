"""Export pages: what a user may take out, the files themselves, and the identity archive's one-time link."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from sahay.accounts.decorators import right_required
from sahay.accounts.scope import scope_of
from sahay.core.pages import AuthenticatedRequest
from sahay.core.periods import Period, semesters_between
from sahay.exports import policies
from sahay.exports.forms import FigureExportForm, FormatForm
from sahay.exports.selectors import RecordKind, figure_table, identity_people, record_table
from sahay.exports.services import DOWNLOAD_SECONDS, export_audit, identity_export_create, identity_export_take
from sahay.exports.tabular import tabular_response
from sahay.frameworks.models import Programme
from sahay.frameworks.selectors import current_programme


def _half_years(programme: Programme) -> list[Period]:
    # Figures leave the app by half year only: a year's figures beside its half years could be subtracted.
    return semesters_between(programme.start, programme.end)


def _figure_form(request: AuthenticatedRequest, programme: Programme | None) -> FigureExportForm | None:
    if programme is None or not policies.may_export_figures(request.user):
        return None
    data = request.GET if "period" in request.GET else None
    return FigureExportForm(data, periods=_half_years(programme), auto_id="figures_%s")


@require_GET
def export_list(request: AuthenticatedRequest, *, figure_form: FigureExportForm | None = None) -> HttpResponse:
    """Open to every signed-in user: it lists only what the user may export, or says there is nothing."""
    user = request.user
    programme = current_programme()
    figure_form = figure_form or _figure_form(request, programme)
    may_records = policies.may_export_records(user)
    may_identities = policies.may_export_identities(user)
    return render(
        request,
        "exports/export_list.html",
        {
            "figure_form": figure_form,
            "donor_only": figure_form is not None and not policies.sees_unpublished_periods(user),
            "scope": scope_of(user),
            "record_kinds": list(RecordKind) if may_records else [],
            "record_form": FormatForm(auto_id="records_%s") if may_records else None,
            "may_identities": may_identities,
            "nothing": figure_form is None and not may_records and not may_identities,
        },
        status=400 if figure_form is not None and figure_form.is_bound and not figure_form.is_valid() else 200,
    )


@right_required(*policies.FIGURE_RIGHTS)
@require_GET
def export_figures(request: AuthenticatedRequest) -> HttpResponse:
    programme = current_programme()
    if programme is None:
        raise Http404
    form = FigureExportForm(request.GET, periods=_half_years(programme), auto_id="figures_%s")
    if not form.is_valid():
        return export_list(request, figure_form=form)
    period, window, file_format = form.chosen_period(), form.window(), form.file_format()
    table = figure_table(user=request.user, programme=programme, period=period, window=window)
    if table is None:
        return render(request, "exports/no_figures.html", {"period": period})
    export_audit(
        user=request.user,
        what="figures",
        file_format=file_format.value,
        rows=len(table.rows),
        request=request,
        period=period.code,
        window=window.value,
    )
    return tabular_response(
        filename=f"figures-{period.code}-{window.value}", file_format=file_format, header=table.header, rows=table.rows
    )


@right_required(*policies.RECORD_RIGHTS)
@require_GET
def export_records(request: AuthenticatedRequest, kind: str) -> HttpResponse:
    try:
        record_kind = RecordKind(kind)
    except ValueError as error:
        raise Http404 from error
    form = FormatForm(request.GET if "format" in request.GET else {"format": "csv"})
    if not form.is_valid():
        return export_list(request)
    file_format = form.file_format()
    table = record_table(user=request.user, kind=record_kind)
    export_audit(
        user=request.user,
        what=record_kind.value,
        file_format=file_format.value,
        rows=len(table.rows),
        request=request,
    )
    stamp = timezone.localdate().isoformat()
    return tabular_response(
        filename=f"{record_kind.value}-{stamp}", file_format=file_format, header=table.header, rows=table.rows
    )


@right_required(*policies.IDENTITY_RIGHTS)
@require_http_methods(["GET", "POST"])
@never_cache
def export_identities(request: AuthenticatedRequest) -> HttpResponse:
    """GET asks for confirmation; POST makes the archive and shows its passphrase, this once."""
    user = request.user
    context: dict[str, Any] = {"download_seconds": DOWNLOAD_SECONDS}
    if request.method == "POST":
        created = identity_export_create(owner=user, request=request)
        if created is not None:
            context.update(
                {
                    "created": created,
                    "download_url": reverse("export_download", args=[created.token]),
                }
            )
            return render(request, "exports/identities_created.html", context)
        context["none_left"] = True
    context["people"] = identity_people(user=user).count()
    return render(request, "exports/identities_confirm.html", context)


@require_GET
@never_cache
def export_download(request: AuthenticatedRequest, token: str) -> HttpResponse:
    """The archive for its owner, once, within the minute; anyone or anything else gets the same 404 page."""
    archive = identity_export_take(token=token, user=request.user, request=request)
    if archive is None:
        return render(request, "exports/link_expired.html", status=404)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response = HttpResponse(archive, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="identities-{stamp}.zip"'
    response["Cache-Control"] = "no-store"
    return response
