"""Published figures for BI tools (`/api/figures/`, JSON or CSV) and for DHIS2 (`/api/dhis2/data-value-sets/`).

Both read the figures the export page gives out (`sahay.exports.selectors.figures_in_scope`): after disclosure
control, within the caller's scope, a donor's only from approved reports. A token narrows them further: to
its countries (no programme totals), or to its organisations' own figures. Every pull is audited as an export.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import Http404
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from sahay.accounts.scope import scope_of
from sahay.api.base import ApiView
from sahay.api.routes import Routes
from sahay.core.models import Country, Organisation
from sahay.core.periods import Period, semesters_between
from sahay.exports import policies
from sahay.exports.dhis2 import MappingError, configured_mapping_path, data_value_set, read_mapping
from sahay.exports.selectors import figures_in_scope
from sahay.exports.services import export_audit
from sahay.exports.tabular import csv_bytes
from sahay.frameworks.models import Programme
from sahay.frameworks.selectors import current_programme
from sahay.reports.disclosure import DisclosureError, PublishedCell, PublishedFigures
from sahay.reports.figureset import PROGRAMME, Window

FIGURE_READERS = policies.FIGURE_RIGHTS  # (Right.VIEW_FIGURES, Right.VIEW_PUBLISHED_FIGURES), as the export page
MOST_PERIODS = 12
HALF_YEAR = r"^[0-9]{4}-H[12]$"


# --- Which figures the caller gets ---------------------------------------------------------------------


@dataclass(frozen=True)
class CallerFigures:
    """Published figures of one half year the caller may take out, already narrowed to their places."""

    period: Period
    figures: PublishedFigures
    # Set when these are an organisation's own figures (a partner's), not its country's.
    organisation: Organisation | None = None


class FiguresUnavailable(exceptions.APIException):
    status_code = 503
    default_detail = _("Disclosure control could not be applied, so no figures are given out. Try again later.")
    default_code = "figures_unavailable"


def caller_figures(view: ApiView, programme: Programme, periods: Sequence[Period]) -> list[CallerFigures]:
    """What the export page gives the caller for each half year, narrowed by the token's limit."""
    user, limit = view.user, view.limit
    scope = scope_of(user)
    indicators = set(programme.indicators.values_list("code", flat=True))
    result: list[CallerFigures] = []
    try:
        for period in periods:
            if limit.organisation_ids and not limit.country_ids and scope.organisation_id not in limit.organisation_ids:
                # An organisation's own figures are published on their own: beside its country's, which staff
                # of the country also see, one could be subtracted from the other. As on the export page, only
                # a partner gets them, its own; others' tokens limited to organisations get no figures.
                continue
            published = figures_in_scope(user=user, programme=programme, period=period)
            if published is None:  # a donor, for a half year without an approved report
                continue
            places = set(scope.countries().values_list("code", flat=True))
            if scope.sees_programme_totals:
                places.add(PROGRAMME)
            if limit.country_ids:  # never a programme total: it holds other countries' figures
                places &= set(Country.objects.filter(pk__in=limit.country_ids).values_list("code", flat=True))
            own: Organisation | None = None  # figures_in_scope gives a partner its organisation's own
            if policies.sees_unpublished_periods(user) and not scope.sees_programme_totals and scope.organisation_id:
                own = Organisation.objects.get(pk=scope.organisation_id)
            for figures in published:
                result.append(CallerFigures(period, _narrowed(figures, places, indicators), own))
    except DisclosureError as error:
        raise FiguresUnavailable from error
    return result


def _narrowed(figures: PublishedFigures, places: set[str], indicators: set[str]) -> PublishedFigures:
    # A frozen report may hold more places than the caller's scope or token: never let one out.
    cells = {key: cell for key, cell in figures.cells.items() if key.place in places and key.indicator in indicators}
    return PublishedFigures(figures.period_code, cells)


# --- Query parameters ------------------------------------------------------------------------------------


def _half_years(request: Request, programme: Programme | None) -> list[Period]:
    codes = [code.strip() for code in request.query_params.getlist("period")]
    if not codes or not any(codes):
        raise exceptions.ValidationError({"period": [_("Give at least one half year, e.g. period=2017-H1.")]})
    if len(codes) > MOST_PERIODS:
        raise exceptions.ValidationError(
            {"period": [_("Ask for at most %(most)d half years at a time.") % {"most": MOST_PERIODS}]}
        )
    semesters = (
        {semester.code: semester for semester in semesters_between(programme.start, programme.end)}
        if programme is not None
        else {}
    )
    periods: list[Period] = []
    for code in codes:
        period = semesters.get(code)
        if period is None:
            raise exceptions.ValidationError(
                {
                    "period": [
                        _("%(code)s is not a half year of the programme: choose one of %(choices)s.")
                        % {"code": code[:20], "choices": ", ".join(semesters) or "-"}
                    ]
                }
            )
        if period not in periods:
            periods.append(period)
    return sorted(periods)


def _window(request: Request) -> Window:
    text = request.query_params.get("window", Window.PERIOD.value)
    try:
        return Window(text)
    except ValueError as error:
        raise exceptions.ValidationError({"window": [_("Choose period or cumulative.")]}) from error


# --- Serializers: what the schema says each answer holds -------------------------------------------------


class FigureRowSerializer(serializers.Serializer[dict[str, Any]]):
    indicator = serializers.CharField(help_text="The indicator's code, e.g. OUT-6.")
    indicator_name = serializers.CharField()
    place = serializers.CharField(help_text='A country\'s ISO code, or "programme" for the programme total.')
    organisation = serializers.CharField(
        allow_null=True, help_text="Set when the figure is a partner organisation's own, not its country's."
    )
    period = serializers.CharField(help_text="The half year, e.g. 2017-H1.")
    window = serializers.CharField(help_text='"period" (in the half year) or "cumulative" (since the start).')
    disaggregation = serializers.CharField(help_text='"total", or a split such as "sex:female" or "age_band:12-17".')
    value = serializers.FloatField(allow_null=True, help_text="The figure; null when it is suppressed.")
    display = serializers.CharField(help_text='The figure as the pages show it: "1,204", "<5" or "x".')
    suppressed = serializers.BooleanField()


FIELDS = list(FigureRowSerializer().fields)


class DataValueSerializer(serializers.Serializer[dict[str, Any]]):
    dataElement = serializers.CharField()  # noqa: N815 - DHIS2's own field names
    period = serializers.CharField()
    orgUnit = serializers.CharField()  # noqa: N815
    categoryOptionCombo = serializers.CharField()  # noqa: N815
    attributeOptionCombo = serializers.CharField(required=False)  # noqa: N815
    value = serializers.CharField()


class DataValueSetSerializer(serializers.Serializer[dict[str, Any]]):
    dataSet = serializers.CharField(required=False)  # noqa: N815
    dataValues = DataValueSerializer(many=True)  # noqa: N815


ERRORS = OpenApiResponse(
    response={"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    description="A parameter is wrong: the parameter's name, with what is wrong.",
)
DETAIL = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}
UNAVAILABLE = OpenApiResponse(response=DETAIL, description="Disclosure control or the DHIS2 mapping failed.")
PERIOD_PARAMETER = OpenApiParameter(
    "period",
    {"type": "array", "items": {"type": "string", "pattern": HALF_YEAR}, "minItems": 1, "maxItems": MOST_PERIODS},
    required=True,
    explode=True,
    style="form",
    description="A half year of the programme, e.g. 2017-H1; repeat it for several (at most 12).",
)


# --- Views -----------------------------------------------------------------------------------------------


class FigureCsvRenderer(BaseRenderer):
    """The rows as one CSV file with a header, every text cell neutralised as in the export page's files."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Mapping[str, Any] | None = None
    ) -> bytes:
        rows = data if isinstance(data, list) else []
        return csv_bytes(FIELDS, ([row[name] for name in FIELDS] for row in rows))


class FigureApiView(ApiView):
    read_rights = FIGURE_READERS
    filter_backends: list[Any] = []

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[BaseRenderer, str]:
        try:
            return super().perform_content_negotiation(request, force)
        except Http404 as error:  # an unknown ?format=
            raise exceptions.ValidationError({"format": [_("Choose json or csv.")]}) from error

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        # Errors are JSON, whatever format was asked for.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response

    def programme_and_periods(self) -> tuple[Programme, list[Period]]:
        programme = current_programme()
        periods = _half_years(self.request, programme)
        assert programme is not None  # noqa: S101 - no programme, no half year: _half_years refused
        return programme, periods

    def audit(self, *, file_format: str, rows: int, periods: list[Period], window: Window) -> None:
        export_audit(
            user=self.user,
            what="figures",
            file_format=file_format,
            rows=rows,
            request=self.request._request,
            period=",".join(period.code for period in periods),
            window=window.value,
        )


def _number(cell: PublishedCell) -> int | Decimal | None:
    if cell.suppressed or cell.value is None:
        return None
    return int(cell.value) if cell.value == cell.value.to_integral_value() else cell.value


def figure_rows(programme: Programme, found: list[CallerFigures], window: Window) -> list[dict[str, Any]]:
    """One row per indicator, place, half year and disaggregation, ordered as the export page orders them."""
    indicators = list(programme.indicators.all())
    position = {indicator.code: number for number, indicator in enumerate(indicators)}
    names = {indicator.code: str(indicator.name) for indicator in indicators}
    keyed = []
    for part in found:
        organisation = part.organisation.name if part.organisation else None
        for key, cell in part.figures.cells.items():
            if key.window != window:
                continue
            order = (part.period, position[key.indicator], key.place != PROGRAMME, key.place, organisation or "")
            row = {
                "indicator": key.indicator,
                "indicator_name": names[key.indicator],
                "place": key.place or "programme",
                "organisation": organisation,
                "period": part.period.code,
                "window": window.value,
                "disaggregation": key.split or "total",
                "value": _number(cell),
                "display": cell.display,
                "suppressed": cell.suppressed,
            }
            keyed.append(((*order, key.split), row))
    return [row for _order, row in sorted(keyed, key=lambda item: item[0])]


class FigureList(FigureApiView):
    """Flat published figures: one row per indicator, place, half year, window and disaggregation."""

    renderer_classes = [JSONRenderer, FigureCsvRenderer]
    serializer_class = FigureRowSerializer

    @extend_schema(
        operation_id="figures_list",
        summary="Published figures, flat, for BI tools",
        description=(
            "The figures the export page gives out: after disclosure control (a suppressed figure has no value, "
            'only its display, "<5" or "x"), within your scope; a donor gets only the frozen figures of approved '
            "reports (a half year without one gives an empty list). A token limited to countries gets only "
            "those countries (no programme totals); one limited to organisations gets their own figures. "
            "`format=csv` gives the whole list as one CSV file (not paginated)."
        ),
        parameters=[
            PERIOD_PARAMETER,
            OpenApiParameter("window", str, enum=[window.value for window in Window], default=Window.PERIOD.value),
            OpenApiParameter("format", str, enum=["json", "csv"], default="json"),
        ],
        responses={
            (200, "application/json"): FigureRowSerializer(many=True),
            (200, "text/csv"): OpenApiTypes.STR,
            (400, "application/json"): ERRORS,
            (503, "application/json"): UNAVAILABLE,
        },
    )
    def get(self, request: Request) -> Response:
        programme, periods = self.programme_and_periods()
        window = _window(request)
        rows = figure_rows(programme, caller_figures(self, programme, periods), window)
        as_csv = getattr(request.accepted_renderer, "format", "") == FigureCsvRenderer.format
        page = None if as_csv else self._page(rows)
        self.audit(file_format="csv" if as_csv else "json", rows=len(rows), periods=periods, window=window)
        if page is not None:
            return self.get_paginated_response(page)
        response = Response(rows)
        if as_csv:
            name = "_".join(period.code for period in periods)
            response["Content-Disposition"] = f'attachment; filename="figures-{name}-{window.value}.csv"'
            response["Cache-Control"] = "no-store"
        return response

    def _page(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
        try:
            return self.paginate_queryset(rows)  # type: ignore[arg-type]
        except exceptions.NotFound as error:
            raise exceptions.ValidationError({"page": [_("There is no such page.")]}) from error


class Dhis2DataValueSets(FigureApiView):
    """The caller's published figures of the half years as a DHIS2 dataValueSets payload."""

    serializer_class = DataValueSetSerializer
    pagination_class = None

    @extend_schema(
        operation_id="dhis2_data_value_sets",
        summary="Published figures as a DHIS2 dataValueSets payload",
        description=(
            "The same figures as /api/figures/ (window: the period), through the server's DHIS2 mapping "
            "(SAHAY_DHIS2_MAPPING). Suppressed figures, figures the mapping does not name and places without an "
            "organisation unit are left out. A partner organisation's own figures are not its country's: they "
            "are never sent to a country's organisation unit. POST the answer to DHIS2's /api/dataValueSets."
        ),
        parameters=[PERIOD_PARAMETER],
        responses={200: DataValueSetSerializer, 400: ERRORS, 503: UNAVAILABLE},
    )
    def get(self, request: Request) -> Response:
        programme, periods = self.programme_and_periods()
        try:
            mapping = read_mapping(configured_mapping_path(), programme=programme)
        except MappingError as error:
            raise FiguresUnavailable(
                _("The server's DHIS2 mapping cannot be used: %(error)s") % {"error": error}
            ) from error
        found = caller_figures(self, programme, periods)
        # An organisation's own figures would read as its country's in DHIS2: they stay out.
        places = [(part.period, part.figures) for part in found if part.organisation is None]
        result = data_value_set(places, mapping)
        self.audit(file_format="dhis2", rows=result.values, periods=periods, window=Window.PERIOD)
        return Response(result.payload)


routes: Routes = []
urlpatterns: list[URLPattern] = [
    path("figures/", FigureList.as_view(), name="api_figures"),
    path("dhis2/data-value-sets/", Dhis2DataValueSets.as_view(), name="api_dhis2"),
]
