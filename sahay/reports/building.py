"""A report's content in one language, from its data: statements, target tables, chart data, texts."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from sahay.core.models import Country
from sahay.core.periods import Period, PeriodKind
from sahay.figures.progress import Figure, expected_share
from sahay.frameworks.models import Indicator, Programme, Target
from sahay.reports.content import (
    Explanation,
    Narrative,
    ReportContent,
    Restatement,
    SeriesPoint,
    SplitRow,
    Statement,
    TargetRow,
    TargetSection,
    VersionChange,
)
from sahay.reports.disclosure import Mark, PublishedCell, PublishedFigures
from sahay.reports.figureset import PROGRAMME, SPLIT_VALUES, CellKey, Window, indicator_facts
from sahay.reports.freezing import ReportData, report_data
from sahay.reports.models import Report

NO_FIGURE = "–"


def report_content(report: Report, *, language: str, synthetic: bool) -> ReportContent:
    with translation.override(language):
        return _content(report, report_data(report), language, synthetic)


def report_labels() -> dict[str, str]:
    """Every heading and column name of a report, in the active language (the renderers read these keys)."""
    return {
        "title": _("Half-year progress report"),
        "results": _("Results"),
        "targets": _("Progress against targets"),
        "charts": _("Charts"),
        "explanations": _("Targets off track: explanations"),
        "restatements": _("Corrections to earlier periods"),
        "narratives": _("Narrative"),
        "changes": _("Changes from the previous version"),
        "indicator": _("Indicator"),
        "place": _("Place"),
        "period_figure": _("Period"),
        "cumulative_figure": _("Cumulative"),
        "target": _("Target"),
        "progress": _("Progress"),
        "status": _("Status"),
        "expected": _("Expected by now"),
        "disaggregation": _("By sex and age"),
        "draft": _("Draft"),
        "synthetic_notice": _("Synthetic demo data: not real people or results."),
        "suppression_note": _(
            "To protect children, counts of 1 to 4 about victims are shown as “<5”, and figures from which "
            "such a count could be worked out as “x”."
        ),
        "version": _("Version"),
        "generated": _("Generated"),
        "trend": _("Per half year"),
        "by_country": _("By country (cumulative)"),
        "bullet_actual": _("Achieved"),
        "bullet_path": _("Linear path"),
        "bullet_target": _("Target"),
        "before": _("Before"),
        "after": _("After"),
        "reasons": _("Reasons"),
        "window": _("Figure"),
        "period_code": _("Period"),
        "no_statements": _("No results to state for this period."),
        "no_explanations": _("No target is off track."),
        "no_restatements": _("No figure of an earlier period was corrected."),
        "no_narratives": _("No narrative was written."),
        "no_changes": _("No figure differs from the previous version."),
        "page": _("Page"),
        "of": _("of"),
        "programme": _("Programme"),
        "suppressed": _("<5 or x: hidden to protect children"),
        "narrative": _("Text"),
    }


def shown(cell: PublishedCell | None) -> str:
    """A published figure as text in the active language: "1,234" or "1.234", "<5", "x", or "–"."""
    if cell is None:
        return NO_FIGURE
    if cell.mark != Mark.SHOWN or cell.value is None:
        return cell.display
    return number_format(
        cell.value, decimal_pos=0 if cell.value == cell.value.to_integral_value() else 1, force_grouping=True
    )


def period_label(period: Period) -> str:
    if period.kind == PeriodKind.SEMESTER:
        first = date_format(period.start, "F")
        last = date_format(period.end, "F Y")
        return f"{first}–{last}"
    return period.code


def _place_names(programme: Programme) -> dict[str, str]:
    names = {country.code: country.name for country in programme.countries.all()}
    names[PROGRAMME] = _("Programme")
    return names


def _content(report: Report, data: ReportData, language: str, synthetic: bool) -> ReportContent:
    programme, period = report.programme, report.period
    places = _place_names(programme)
    indicators = list(programme.indicators.select_related("strategy"))
    title = _("Half-year progress report %(period)s") % {"period": period.code}
    if report.country:
        title = f"{title}: {report.country.name}"
    return ReportContent(
        title=title,
        programme=programme.name,
        period_code=period.code,
        period_label=period_label(period),
        country=report.country.name if report.country else None,
        language=language,
        draft=not report.is_approved,
        version=report.version if report.is_approved else None,
        generated_at=timezone.localtime(report.approved_at or timezone.now()),
        synthetic=synthetic,
        labels=report_labels(),
        statements=_statements(indicators, data.published, places, report.country),
        targets=[
            _target_section(indicator, data, programme, period, places, report.country)
            for indicator in indicators
            if indicator.is_target
        ],
        explanations=[
            Explanation(item["indicator"], places.get(item["place"], item["place"]), item["text"])
            for item in data.explanations
        ],
        restatements=[
            Restatement(
                item["indicator"],
                places.get(item["place"], item["place"]),
                item["period"],
                item["before"],
                item["after"],
                item["reasons"],
            )
            for item in data.restatements
        ],
        narratives=[
            Narrative(heading, text)
            for heading, text in (
                (_("Context"), report.context),
                (_("Challenges"), report.challenges),
                (_("Stories of change"), report.stories),
            )
            if text
        ],
        changes=_changes(report, data.published, places),
    )


def _statements(
    indicators: list[Indicator], published: PublishedFigures, places: dict[str, str], country: Country | None
) -> list[Statement]:
    statements = []
    codes = [country.code] if country else sorted((code for code in places if code), key=places.__getitem__)
    for indicator in indicators:
        if not indicator.statement_en:
            continue
        for code in codes:
            cell = published.get(CellKey(indicator.code, code, Window.PERIOD))
            if cell is None or cell.mark == Mark.HIDDEN or (cell.mark == Mark.SHOWN and not cell.value):
                continue  # nothing to state, or a figure that must stay hidden
            value = _("fewer than 5") if cell.mark == Mark.SMALL else shown(cell)
            text = indicator.statement.format(place=places[code], value=value)
            statements.append(Statement(indicator.code, indicator.strategy.name, places[code], text))
    return statements


def _split_label(split: str) -> str:
    dimension, value = split.split(":", 1)
    labels = {"female": _("Female"), "male": _("Male"), "other": _("Other"), "unknown": _("Unknown")}
    if dimension == "sex":
        return str(labels.get(value, value))
    if value == "unknown":
        return _("Age unknown")
    return _("Age %(band)s") % {"band": value}


def _target_section(
    indicator: Indicator,
    data: ReportData,
    programme: Programme,
    period: Period,
    places: dict[str, str],
    country: Country | None,
) -> TargetSection:
    published = data.published
    targets = {
        (target.country.code if target.country else PROGRAMME): target.value
        for target in Target.objects.filter(indicator=indicator, period_code="").select_related("country")
    }
    expected = expected_share(programme, period.end)
    facts = indicator_facts(indicator)
    report_places = (
        [country.code] if country else [PROGRAMME, *sorted((c for c in places if c), key=places.__getitem__)]
    )
    rows = []
    for place in report_places:
        cumulative = published.get(CellKey(indicator.code, place, Window.CUMULATIVE))
        figure = Figure(
            value=cumulative.value if cumulative and not cumulative.suppressed else None,
            target=targets.get(place),
            expected=expected,
            on_track_threshold=float(programme.on_track_threshold),
            at_risk_threshold=float(programme.at_risk_threshold),
        )
        status = figure.status
        rows.append(
            TargetRow(
                place=places[place],
                period=shown(published.get(CellKey(indicator.code, place, Window.PERIOD))),
                cumulative=shown(cumulative),
                target=number_format(targets[place], decimal_pos=0, force_grouping=True)
                if place in targets
                else NO_FIGURE,
                progress_percent=figure.progress_percent,
                expected_percent=round(expected * 100),
                status=status.label if status else "",
                status_code=status.value if status else "",
                splits=[
                    SplitRow(
                        _split_label(split),
                        shown(published.get(CellKey(indicator.code, place, Window.PERIOD, split))),
                        shown(published.get(CellKey(indicator.code, place, Window.CUMULATIVE, split))),
                    )
                    for dimension in facts.splits
                    for split in (f"{dimension}:{value}" for value in SPLIT_VALUES[dimension])
                ],
            )
        )
    own = report_places[0]
    cumulative = published.get(CellKey(indicator.code, own, Window.CUMULATIVE))
    target = targets.get(own)
    return TargetSection(
        indicator_code=indicator.code,
        name=indicator.name,
        unit=indicator.unit,
        rows=rows,
        actual=_value(cumulative),
        target=target,
        expected=(target * Decimal(str(round(expected, 4)))) if target is not None else None,
        trend=[
            SeriesPoint(figures.period_code, _value(figures.get(CellKey(indicator.code, own, Window.PERIOD))))
            for figures in [*data.earlier, published]
        ],
        by_country=[]
        if country
        else [
            SeriesPoint(places[place], _value(published.get(CellKey(indicator.code, place, Window.CUMULATIVE))))
            for place in report_places[1:]
        ],
    )


def _value(cell: PublishedCell | None) -> Decimal | None:
    return None if cell is None or cell.suppressed else cell.value


def _changes(report: Report, published: PublishedFigures, places: dict[str, str]) -> list[VersionChange]:
    if report.version <= 1:
        return []
    previous = (
        Report.objects.for_place(programme=report.programme, country=report.country)
        .filter(period_code=report.period_code, status=Report.Status.APPROVED, version__lt=report.version)
        .order_by("-version")
        .first()
    )
    if previous is None or previous.published is None:
        return []
    windows = {Window.PERIOD: _("Period"), Window.CUMULATIVE: _("Cumulative")}
    changes = []
    for key, old in sorted(previous.published.cells.items()):
        new = published.get(key)
        if key.split or (new is not None and new.display == old.display):
            continue
        changes.append(
            VersionChange(
                key.indicator, places.get(key.place, key.place), str(windows[key.window]), shown(old), shown(new)
            )
        )
    return changes
