"""Dashboard, country pages and the typing-in of aggregate figures."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sahay.accounts.decorators import right_required
from sahay.accounts.models import User
from sahay.accounts.rights import Right
from sahay.accounts.scope import scope_of
from sahay.core.models import Country
from sahay.core.pages import AuthenticatedRequest, add_service_errors, paginate, plain_number, sort_list
from sahay.core.periods import Period
from sahay.figures.forms import AggregateEntryForm
from sahay.figures.selectors import (
    aggregate_entry_list,
    figure_table,
    latest_reported_period,
    programme_periods,
    records_behind,
)
from sahay.figures.services import aggregate_entry_save
from sahay.figures.sources import figure_breakdown
from sahay.frameworks.models import Indicator, Programme
from sahay.frameworks.selectors import current_programme
from sahay.reports.models import Report
from sahay.reports.selectors import published_table


def _chosen_period(request: HttpRequest, user: User, programme: Programme) -> Period:
    code = request.GET.get("period", "")
    choices = {period.code: period for period in programme_periods(programme)}
    return choices.get(code) or latest_reported_period(user=user, programme=programme)


def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    if not user.has_perm(Right.VIEW_FIGURES.permission):
        if user.has_perm(Right.VIEW_PUBLISHED_FIGURES.permission):
            return _published_dashboard(request)
        if user.has_perm(Right.MANAGE_USERS.permission):
            return redirect("user_list")
        if user.has_perm(Right.WORK_CASES.permission):
            return redirect("case_list")
        raise PermissionDenied
    programme = current_programme()
    if programme is None:
        return render(request, "figures/dashboard.html", {"programme": None})
    period = _chosen_period(request, user, programme)
    cumulative = request.GET.get("view") == "cumulative"
    table = figure_table(user=user, programme=programme, period=period, cumulative=cumulative)
    return render(
        request,
        "figures/dashboard.html",
        {
            "programme": programme,
            "table": table,
            "periods": programme_periods(programme),
            "scope": scope_of(user),
        },
    )


def _published_dashboard(request: AuthenticatedRequest) -> HttpResponse:
    """The donor's dashboard: approved figures only, after disclosure control."""
    programme = current_programme()
    table = published_table(programme=programme, period_code=request.GET.get("period")) if programme else None
    approved_periods = (
        sorted(
            set(
                Report.objects.for_place(programme=programme, country=None)
                .filter(status=Report.Status.APPROVED)
                .values_list("period_code", flat=True)
            ),
            reverse=True,
        )
        if programme
        else []
    )
    return render(request, "figures/published.html", {"table": table, "periods": approved_periods})


@right_required(Right.VIEW_FIGURES)
def country_detail(request: AuthenticatedRequest, code: str) -> HttpResponse:
    user = request.user
    programme = current_programme()
    if programme is None:
        raise Http404
    country = get_object_or_404(Country, code=code.upper(), programmes=programme)
    if not scope_of(user).covers_country(country):
        raise Http404  # Out of scope looks exactly like missing.
    period = _chosen_period(request, user, programme)
    period_table = figure_table(user=user, programme=programme, period=period, cumulative=False, country=country)
    cumulative_table = figure_table(user=user, programme=programme, period=period, cumulative=True, country=country)
    sections = []
    for period_group, cumulative_group in zip(period_table.strategies, cumulative_table.strategies, strict=True):
        rows = [
            (period_row, period_row.for_country(country.code), cumulative_row.for_country(country.code))
            for period_row, cumulative_row in zip(period_group.rows, cumulative_group.rows, strict=True)
        ]
        sections.append((period_group.strategy, rows))
    return render(
        request,
        "figures/country.html",
        {
            "programme": programme,
            "country": country,
            "period": period,
            "periods": programme_periods(programme),
            "sections": sections,
        },
    )


@right_required(Right.ENTER_AGGREGATES)
def entry_list(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    search = request.GET.get("q", "").strip()
    entries, sort = sort_list(
        request,
        aggregate_entry_list(user=user, search=search),
        {
            "indicator": "indicator__code",
            "country": "country__code",
            "period": "period_start",
            "value": "value",
            "updated": "updated_at",
        },
        default="-updated",
    )
    return render(request, "figures/entry_list.html", {"page": paginate(request, entries), "q": search, "sort": sort})


@right_required(Right.ENTER_AGGREGATES)
@require_http_methods(["GET", "POST"])
def entry_edit(request: AuthenticatedRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    programme = current_programme()
    if programme is None:
        raise Http404
    entry = get_object_or_404(aggregate_entry_list(user=user), pk=pk) if pk else None
    initial = {}
    if entry is not None:
        initial = {
            "indicator": entry.indicator,
            "country": entry.country,
            "organisation": entry.organisation,
            "period_code": entry.period_code,
            "kind": entry.kind,
            "disaggregation": entry.disaggregation,
            "value": plain_number(entry.value),
        }
    form = AggregateEntryForm(request.POST or None, initial=initial, user=user, programme=programme)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = aggregate_entry_save(
                indicator=data["indicator"],
                country=data["country"],
                organisation=data["organisation"],
                period_code=data["period_code"],
                kind=data["kind"],
                disaggregation=data["disaggregation"] or "",
                value=data["value"],
                comment=data["comment"],
                saved_by=user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved: %(entry)s.") % {"entry": saved})
            return redirect("entry_list")
    history = entry.changes.select_related("changed_by") if entry else []
    return render(request, "figures/entry_form.html", {"form": form, "entry": entry, "history": history})


@right_required(Right.VIEW_FIGURES)
def figure_records(request: AuthenticatedRequest, code: str) -> HttpResponse:
    """The records behind one figure: codes only, in the user's scope."""
    programme = current_programme()
    if programme is None:
        raise Http404
    indicator = get_object_or_404(Indicator, programme=programme, code=code)
    scope = scope_of(request.user)
    country = None
    if request.GET.get("country"):
        country = get_object_or_404(Country, code=request.GET["country"].upper(), programmes=programme)
        if not scope.covers_country(country):
            raise Http404
    elif not scope.sees_programme_totals:
        raise Http404
    period = _chosen_period(request, request.user, programme)
    cumulative = request.GET.get("view") == "cumulative"
    behind = records_behind(
        user=request.user,
        indicator=indicator,
        country=country,
        period=period,
        cumulative=cumulative,
        page=request.GET.get("page"),
    )
    breakdown = figure_breakdown(
        scope=scope, indicator=indicator, period=period, cumulative=cumulative, country=country
    )
    return render(
        request,
        "figures/figure_records.html",
        {
            "indicator": indicator,
            "country": country,
            "period": period,
            "cumulative": cumulative,
            "records": behind.records,
            "page": behind.page,
            "of_other_organisations": behind.of_other_organisations,
            "breakdown": breakdown,
            "periods": programme_periods(programme),
        },
    )
