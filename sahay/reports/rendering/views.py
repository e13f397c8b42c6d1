"""What every format shows of a target: its charts, its table and its disaggregation as a compact table."""

from __future__ import annotations

from dataclasses import dataclass

from sahay.reports.charts import Chart, bullet_chart, countries_chart, trend_chart
from sahay.reports.content import ReportContent, TargetSection


@dataclass(frozen=True)
class SplitTable:
    """Rows = places, columns = split labels; a cell reads "period / cumulative".

    Splits become columns rather than rows so the disaggregation of ten places fits one A4 page.
    """

    labels: list[str]
    rows: list[tuple[str, list[str]]]


@dataclass(frozen=True)
class TargetView:
    section: TargetSection
    bullet: Chart
    trend: Chart
    countries: Chart | None  # a country report has no breakdown by country
    splits: SplitTable


def target_views(content: ReportContent) -> list[TargetView]:
    return [
        TargetView(
            section=section,
            bullet=bullet_chart(section, content.labels),
            trend=trend_chart(section, content.labels),
            countries=countries_chart(section, content.labels) if section.by_country else None,
            splits=split_table(section),
        )
        for section in content.targets
    ]


def split_table(section: TargetSection) -> SplitTable:
    labels: list[str] = []
    for row in section.rows:
        labels.extend(split.label for split in row.splits if split.label not in labels)
    rows = []
    for row in section.rows:
        if not row.splits:
            continue
        cells = {split.label: f"{split.period} / {split.cumulative}" for split in row.splits}
        rows.append((row.place, [cells.get(label, "") for label in labels]))
    return SplitTable(labels=labels, rows=rows)


def version_line(content: ReportContent) -> str:
    """E.g. "Version 2 · Generated 2017-08-14 09:30", or only the date for a draft never issued."""
    labels = content.labels
    generated = f"{labels['generated']} {content.generated_at:%Y-%m-%d %H:%M}"
    if content.version is None:
        return generated
    return f"{labels['version']} {content.version} · {generated}"
