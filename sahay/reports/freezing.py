"""What a report is made of besides its narratives, live for a draft and frozen when it is approved.

Only published figures (after disclosure control) are kept: a report never needs a raw count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from sahay.core.models import Country
from sahay.core.periods import Period
from sahay.frameworks.models import Programme
from sahay.reports.disclosure import PublishedFigures
from sahay.reports.publishing import frozen_figures, published_chain

if TYPE_CHECKING:
    from sahay.accounts.models import User
    from sahay.reports.models import Report


@dataclass
class ReportData:
    published: PublishedFigures  # the report's period
    earlier: list[PublishedFigures]  # every semester before it, oldest first (trend charts)
    explanations: list[dict[str, str]]  # indicator, place (country code), text
    restatements: list[dict[str, Any]]  # indicator, place, period, before, after, reasons

    def to_json(self) -> dict[str, Any]:
        return {
            "published": self.published.to_json(),
            "earlier": [_whole_figures(figures).to_json() for figures in self.earlier],
            "explanations": self.explanations,
            "restatements": self.restatements,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReportData:
        return cls(
            published=PublishedFigures.from_json(data["published"]),
            earlier=[PublishedFigures.from_json(item) for item in data["earlier"]],
            explanations=data["explanations"],
            restatements=data["restatements"],
        )


def _whole_figures(figures: PublishedFigures) -> PublishedFigures:
    """Earlier semesters are kept for their trend: whole figures are enough."""
    return PublishedFigures(figures.period_code, {key: cell for key, cell in figures.cells.items() if not key.split})


def report_data(report: Report) -> ReportData:
    """The frozen data of an approved report, or the data a draft shows now."""
    if report.frozen:
        return ReportData.from_json(report.frozen)
    return live_report_data(programme=report.programme, country=report.country, period=report.period)


def frozen_report_data(report: Report) -> dict[str, Any]:
    """The report's data as approval freezes it, with the moment it was computed: corrections made after that
    moment are restated in the next report, even when they were made before the approval committed."""
    computed_at = timezone.now()
    data = live_report_data(programme=report.programme, country=report.country, period=report.period).to_json()
    return {**data, "computed_at": computed_at.isoformat()}


def live_report_data(*, programme: Programme, country: Country | None, period: Period) -> ReportData:
    chain = published_chain(programme=programme, period=period, country=country, fresh=True)
    return ReportData(
        published=chain[-1],
        earlier=chain[:-1],
        explanations=_explanations(programme, country, period),
        restatements=_restatements(programme, country, period),
    )


def _explanations(programme: Programme, country: Country | None, period: Period) -> list[dict[str, str]]:
    from sahay.reports.models import OffTrackExplanation

    explanations = OffTrackExplanation.objects.filter(
        review__programme=programme, review__period_code=period.code
    ).select_related("indicator", "review__country")
    if country is not None:
        explanations = explanations.filter(review__country=country)
    return [
        {"indicator": item.indicator.code, "place": item.review.country.code, "text": item.text}
        for item in explanations.order_by("indicator__position", "review__country__name_en")
    ]


def _restatements(programme: Programme, country: Country | None, period: Period) -> list[dict[str, Any]]:
    """Figures of earlier approved semesters that corrections have changed since the last report was issued."""
    from sahay.reports.models import Correction, Report

    issued = Report.objects.for_place(programme=programme, country=country).filter(
        status=Report.Status.APPROVED, period_code__lt=period.code
    )
    last = issued.order_by("-approved_at").first()
    since: datetime | None = None
    if last is not None and last.frozen:
        since = datetime.fromisoformat(last.frozen["computed_at"]) if "computed_at" in last.frozen else last.approved_at
    corrections = Correction.objects.filter(
        review__programme=programme, review__period_code__lt=period.code
    ).select_related("review__country")
    if country is not None:
        corrections = corrections.filter(review__country=country)
    if since is not None:
        corrections = corrections.filter(made_at__gt=since)
    reasons: dict[str, list[str]] = {}
    for correction in corrections:
        reasons.setdefault(correction.review.period_code, []).append(correction.reason)
    restated = []
    for period_code, period_reasons in sorted(reasons.items()):
        earlier = Period.parse(period_code)
        before = frozen_figures(programme=programme, period=earlier, country=country)
        if before is None:
            continue  # never issued: the corrected figure simply appears where it belongs
        after = published_chain(programme=programme, period=earlier, country=country, fresh=True)[-1]
        for key, old in sorted(before.cells.items()):
            new = after.cells.get(key)
            if key.split or new is None or new.display == old.display:
                continue
            restated.append(
                {
                    "indicator": key.indicator,
                    "place": key.place,
                    "window": key.window.value,
                    "period": period_code,
                    "before": old.display,
                    "after": new.display,
                    "reasons": sorted(set(period_reasons)),
                }
            )
    return restated


@dataclass
class Reissue:
    report: Report  # the new, approved version
    replaced: Report  # the version whose figures leaked
    cells: list[str]  # the figures it showed that the rules no longer show ("OUT-6|KH|period|")


def leaking_cells(report: Report) -> list[str]:
    """The figures an approved report showed that the disclosure rules, applied now, would not show.

    A figure shown then and suppressed or withheld now leaks, unless a correction has changed it since (then
    the next report restates it); a suppressed figure that is now withheld leaks too (a split beside a small
    count, say).
    """
    from sahay.reports.figureset import figure_set

    frozen = report.published
    if frozen is None:
        return []
    fresh = live_report_data(programme=report.programme, country=report.country, period=report.period).published
    truth = figure_set(programme=report.programme, period=report.period).values
    leaks = []
    for key, old in sorted(frozen.cells.items()):
        new = fresh.get(key)
        if new is not None and (new.mark == old.mark or not new.suppressed):
            continue
        if not old.suppressed and old.value != truth.get(key):
            continue  # corrected since: the figure is restated, not re-issued
        if new is not None and old.suppressed:
            continue  # "<5" then, "x" now (or the other way round): both suppressed
        leaks.append(key.as_text())
    return leaks


def reissue_leaking_reports(*, programme: Programme, user: User, dry_run: bool = False) -> list[Reissue]:
    """Issue a new version of every approved report whose figures the disclosure rules would no longer show.

    Half years go oldest first and the programme's report before the countries', so that each new version is
    computed after the versions its figures depend on. The new version keeps the narratives; it lists the
    figures that changed, as every new version does.
    """
    from sahay.reports.models import Report
    from sahay.reports.services import report_approve, report_new_version

    reissued: list[Reissue] = []
    latest: dict[tuple[str, int | None], Report] = {}
    for report in Report.objects.filter(programme=programme, status=Report.Status.APPROVED):
        place = (report.period_code, report.country_id)
        if place not in latest or report.version > latest[place].version:
            latest[place] = report
    for _place, report in sorted(
        latest.items(), key=lambda item: (item[0][0], item[0][1] is not None, item[0][1] or 0)
    ):
        cells = leaking_cells(report)
        if not cells:
            continue
        if dry_run:
            reissued.append(Reissue(report=report, replaced=report, cells=cells))
            continue
        draft = report_new_version(report=report, user=user)
        reissued.append(Reissue(report=report_approve(report=draft, approved_by=user), replaced=report, cells=cells))
    return reissued
