"""What a half-year report says, ready to render: every figure in it has passed disclosure control.

`building.report_content` fills it; `rendering` turns it into HTML, PDF, Word and Excel, and `charts`
draws its charts. Texts are already in the report's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class Statement:
    """One output result as a sentence, e.g. "In Indonesia, 650 children were trained ..."."""

    indicator_code: str
    strategy: str
    place: str  # country name
    text: str


@dataclass(frozen=True)
class SplitRow:
    label: str  # "Female", "12-17", ...
    period: str  # display values: "1,234", "<5", "x", "–" (no figure)
    cumulative: str


@dataclass(frozen=True)
class TargetRow:
    """One target indicator in one place (the programme or a country)."""

    place: str  # "Programme" or the country name
    period: str  # display values after disclosure control
    cumulative: str
    target: str  # display value, "–" when there is none
    progress_percent: int | None  # cumulative against target; None when suppressed or no target
    expected_percent: int | None  # the linear path at the end of the period
    status: str  # "On track", "At risk", "Off track" or ""
    status_code: str  # on_track, at_risk, off_track or ""
    splits: list[SplitRow] = field(default_factory=list)


@dataclass(frozen=True)
class SeriesPoint:
    label: str  # "2017-H1" or a country name
    value: Decimal | None  # None when suppressed or missing


@dataclass
class TargetSection:
    """A target with its table rows and the data its charts are drawn from."""

    indicator_code: str
    name: str
    unit: str
    rows: list[TargetRow]
    # Bullet chart: actual (cumulative) against target and the linear path, for the report's place.
    actual: Decimal | None
    target: Decimal | None
    expected: Decimal | None  # the linear path's value at the end of the period
    trend: list[SeriesPoint]  # period figure per semester up to the report's period
    by_country: list[SeriesPoint]  # cumulative figure per country (empty in a country report)


@dataclass(frozen=True)
class Explanation:
    indicator_code: str
    place: str
    text: str


@dataclass(frozen=True)
class Restatement:
    indicator_code: str
    place: str
    period_code: str
    before: str  # display values
    after: str
    reasons: list[str]


@dataclass(frozen=True)
class Narrative:
    heading: str
    text: str


@dataclass(frozen=True)
class VersionChange:
    """A figure that differs from the previous version of the same report."""

    indicator_code: str
    place: str
    window: str  # "period" or "cumulative", translated
    before: str
    after: str


@dataclass
class ReportContent:
    title: str  # "Half-year progress report 2017-H1"
    programme: str
    period_code: str
    period_label: str  # "January-June 2017"
    country: str | None  # None: the programme report
    language: str  # "en" or "nl"
    draft: bool  # a draft says "Draft" on every page
    version: int | None  # None for a draft never issued
    generated_at: datetime
    synthetic: bool  # demo data: every output says so
    labels: dict[str, str]  # translated headings and column names, see building.LABEL_KEYS
    statements: list[Statement]
    targets: list[TargetSection]
    explanations: list[Explanation]
    restatements: list[Restatement]
    narratives: list[Narrative]
    changes: list[VersionChange]
