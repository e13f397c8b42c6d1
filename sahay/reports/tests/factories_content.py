"""A realistic synthetic half-year report, built by hand, for rendering tests that need no database."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from django.utils import translation

from sahay.reports.building import report_labels
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

COUNTRIES = ["Bangladesh", "Cambodia", "India", "Indonesia", "Kenya", "Nepal", "Philippines", "Uganda", "Viet Nam"]
SEMESTERS = ["2014-H1", "2014-H2", "2015-H1", "2015-H2", "2016-H1", "2016-H2", "2017-H1"]


def labels() -> dict[str, str]:
    """The report's own labels, in English."""
    with translation.override("en"):
        return report_labels()


TARGETS = [
    ("1.1", "Children trained to recognise exploitation", "children"),
    ("1.2", "Teachers trained in child safeguarding", "teachers"),
    ("1.3", "Community members reached by awareness sessions", "people"),
    ("2.1", "Children receiving psychosocial support", "children"),
    ("2.2", "Children referred to legal aid", "children"),
    ("2.3", "Cases of exploitation reported to authorities", "cases"),
    ("3.1", "Police officers trained in child-friendly procedures", "officers"),
    ("3.2", "Local child protection committees active", "committees"),
    ("3.3", "Companies adopting a child protection code", "companies"),
    ("4.1", "Survivors reintegrated with family or community", "children"),
    ("4.2", "Policy dialogues held with government", "meetings"),
]

STATEMENTS = [
    (
        "1.1",
        "Prevention",
        "Indonesia",
        "In Indonesia, 650 children were trained to recognise exploitation and to report concerns to the authorities.",
    ),
    (
        "1.1",
        "Prevention",
        "India",
        "In India, 1,234 children were trained to recognise exploitation and to report concerns to the authorities.",
    ),
    (
        "1.2",
        "Prevention",
        "Nepal",
        "In Nepal, 87 teachers were trained in child safeguarding and in referring children to services.",
    ),
    (
        "1.3",
        "Prevention",
        "Bangladesh",
        "In Bangladesh, 4,310 community members took part in awareness sessions on online exploitation.",
    ),
    (
        "2.1",
        "Protection",
        "Philippines",
        "In the Philippines, 312 children received psychosocial support after reporting abuse.",
    ),
    ("2.2", "Protection", "Kenya", "In Kenya, 45 children were referred to legal aid and accompanied in court."),
    (
        "2.3",
        "Protection",
        "Cambodia",
        "In Cambodia, 29 cases of exploitation were reported to the police by partner organisations.",
    ),
    ("3.1", "Prosecution", "Uganda", "In Uganda, 118 police officers were trained in child-friendly interviewing."),
    (
        "3.2",
        "Prosecution",
        "Viet Nam",
        "In Viet Nam, 16 local child protection committees met at least twice in the period.",
    ),
    ("4.1", "Recovery", "Indonesia", "In Indonesia, 73 survivors were reintegrated with their family or community."),
]


def _display(value: int) -> str:
    return f"{value:,}"


def _row(place: str, seed: int, target_value: int, cell: str | None) -> TargetRow:
    period = 40 + (seed * 37) % 900
    cumulative = period * 3 + (seed * 11) % 200
    progress = min(cumulative * 100 // target_value, 250)
    expected = 50
    status_code = "on_track" if progress >= expected else "at_risk" if progress >= expected - 15 else "off_track"
    status = {"on_track": "On track", "at_risk": "At risk", "off_track": "Off track"}[status_code]
    female = period // 2 + 1
    splits = [
        SplitRow("Female", _display(female), _display(cumulative // 2 + 1)),
        SplitRow("Male", _display(period - female), _display(cumulative - cumulative // 2 - 1)),
        SplitRow("0-11", "<5" if seed % 4 == 0 else _display(period // 3), _display(cumulative // 3)),
        SplitRow(
            "12-17", "x" if seed % 4 == 0 else _display(period - period // 3), _display(cumulative - cumulative // 3)
        ),
    ]
    if cell is not None:  # a suppressed place: its figures and progress are not shown
        return TargetRow(place, cell, cell, _display(target_value), None, expected, "", "", splits[:2])
    return TargetRow(
        place,
        _display(period),
        _display(cumulative),
        _display(target_value),
        progress,
        expected,
        status,
        status_code,
        splits,
    )


def _section(index: int, code: str, name: str, unit: str) -> TargetSection:
    rows = []
    for number, place in enumerate(["Programme", *COUNTRIES]):
        seed = index * 13 + number
        cell = "<5" if (index + number) % 7 == 3 else "x" if (index + number) % 11 == 5 else None
        rows.append(_row(place, seed, 2_000 + 250 * number + 100 * index, cell if number else None))
    programme = rows[0]
    actual = Decimal(programme.cumulative.replace(",", ""))
    trend = [
        SeriesPoint(label, None if (index + position) % 5 == 2 else Decimal(100 + (index * 53 + position * 71) % 600))
        for position, label in enumerate(SEMESTERS)
    ]
    by_country = [
        SeriesPoint(row.place, None if row.cumulative in ("<5", "x") else Decimal(row.cumulative.replace(",", "")))
        for row in rows[1:]
    ]
    target = Decimal(programme.target.replace(",", ""))
    return TargetSection(
        indicator_code=code,
        name=name,
        unit=unit,
        rows=rows,
        actual=None if index == 4 else actual,  # one suppressed bullet, as a country report can have
        target=target,
        expected=target / 2,
        trend=trend,
        by_country=by_country,
    )


def report_content(*, draft: bool = True, synthetic: bool = True) -> ReportContent:
    return ReportContent(
        title="Half-year progress report 2017-H1",
        programme="Safe Childhoods Programme",
        period_code="2017-H1",
        period_label="January-June 2017",
        country=None,
        language="en",
        draft=draft,
        version=None if draft else 2,
        generated_at=datetime(2017, 8, 14, 9, 30, tzinfo=UTC),
        synthetic=synthetic,
        labels=labels(),
        statements=[Statement(code, strategy, place, text) for code, strategy, place, text in STATEMENTS],
        targets=[_section(index, code, name, unit) for index, (code, name, unit) in enumerate(TARGETS)],
        explanations=[
            Explanation(
                "2.2", "Kenya", "Court sessions were suspended for two months, so fewer referrals were completed."
            ),
            Explanation("3.3", "Programme", "Two companies postponed signing the code until after the elections."),
        ],
        restatements=[
            Restatement(
                "1.1",
                "India",
                "2016-H2",
                "1,020",
                "1,104",
                ["Late registration forms from two districts", "A duplicate session removed"],
            ),
        ],
        narratives=[
            Narrative(
                "Context", "Elections in two countries slowed work with government partners in the second quarter."
            ),
            Narrative("Lessons learned", "=SUM(A1:A3) Peer educators reached more children than school visits did."),
        ],
        changes=[VersionChange("1.3", "Bangladesh", "cumulative", "4,200", "4,310")],
    )
