"""Synthetic aggregate entries for 2017-H1 to 2018-H2, from a fixed seed.

Programme targets get believable partial progress; output indicators vary around the published
2017-H1 results, which come out exactly for the country that published them.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import yaml

from sahay.accounts.models import User
from sahay.core.models import Country, Organisation
from sahay.core.periods import Period
from sahay.figures.models import AggregateEntry
from sahay.figures.services import aggregate_entry_save
from sahay.frameworks.models import Indicator, Programme
from sahay.frameworks.services import target_set

SEED = 20170630
SEMESTERS = [Period.parse(code) for code in ("2017-H1", "2017-H2", "2018-H1", "2018-H2")]
PUBLISHED_FILE = Path(__file__).parent / "data" / "published_2017_h1.yaml"


@dataclass(frozen=True)
class PublishedResult:
    indicator: str
    country: str
    value: int


def published_results() -> list[PublishedResult]:
    return [PublishedResult(**row) for row in yaml.safe_load(PUBLISHED_FILE.read_text(encoding="utf-8"))]


@dataclass(frozen=True)
class DemoEntry:
    indicator: Indicator
    country: Country
    period: Period
    kind: str
    value: int


def _spread(total: int, weights: list[float]) -> list[int]:
    """Split a whole number into whole parts in proportion to the weights (largest remainder)."""
    scale = sum(weights)
    exact = [total * weight / scale for weight in weights]
    parts = [int(share) for share in exact]
    by_remainder = sorted(range(len(weights)), key=lambda index: exact[index] - parts[index], reverse=True)
    for index in by_remainder[: total - sum(parts)]:
        parts[index] += 1
    return parts


def _target_entries(
    indicator: Indicator, target: int, countries: list[Country], rng: random.Random
) -> Iterator[DemoEntry]:
    pace = rng.uniform(0.55, 1.15)
    weights = [rng.uniform(0.4, 1.6) for _country in countries]
    programme_months = 36
    previous = [0] * len(countries)
    for index, semester in enumerate(SEMESTERS, start=1):
        cumulative_total = round(target * (6 * index / programme_months) * pace)
        cumulative = _spread(cumulative_total, weights)
        cumulative = [max(now, before) for now, before in zip(cumulative, previous, strict=True)]
        for country, now, before in zip(countries, cumulative, previous, strict=True):
            increase = now - before
            if indicator.counts_unique:
                # Some of those counted before are served again: the semester figure includes them.
                repeat = round(before * rng.uniform(0.05, 0.2))
                yield DemoEntry(indicator, country, semester, AggregateEntry.Kind.PERIOD, increase + repeat)
                yield DemoEntry(indicator, country, semester, AggregateEntry.Kind.CUMULATIVE, now)
            else:
                yield DemoEntry(indicator, country, semester, AggregateEntry.Kind.PERIOD, increase)
        previous = cumulative


def _output_entries(
    indicator: Indicator, published: PublishedResult, countries: list[Country], rng: random.Random
) -> Iterator[DemoEntry]:
    for country in countries:
        cumulative = 0
        for semester in SEMESTERS:
            if country.code == published.country and semester == SEMESTERS[0]:
                value = published.value
            else:
                value = round(published.value * rng.uniform(0.2, 1.3))
            if indicator.counts_unique:
                cumulative = max(value, cumulative + round(value * rng.uniform(0.6, 0.95)))
                yield DemoEntry(indicator, country, semester, AggregateEntry.Kind.PERIOD, value)
                yield DemoEntry(indicator, country, semester, AggregateEntry.Kind.CUMULATIVE, cumulative)
            else:
                yield DemoEntry(indicator, country, semester, AggregateEntry.Kind.PERIOD, value)


def demo_entries(programme: Programme) -> Iterator[DemoEntry]:
    rng = random.Random(SEED)
    countries = list(programme.countries.order_by("code"))
    published = {result.indicator: result for result in published_results()}
    for indicator in programme.indicators.order_by("position"):
        target = indicator.targets.filter(country__isnull=True, period_code="").first()
        if target is not None:
            yield from _target_entries(indicator, int(target.value), countries, rng)
        elif indicator.code in published:
            yield from _output_entries(indicator, published[indicator.code], countries, rng)


def set_demo_country_targets(*, programme: Programme, set_by: User) -> None:
    """Share each programme target among the countries, as a programme manager would."""
    countries = list(programme.countries.order_by("code"))
    weights = [1.0 + 0.1 * (index % 4) for index in range(len(countries))]
    for target in programme.indicators.filter(is_target=True):
        total = target.targets.get(country__isnull=True, period_code="").value
        for country, share in zip(countries, _spread(int(total), weights), strict=True):
            target_set(
                indicator=target,
                country=country,
                period_code="",
                value=Decimal(share),
                changed_by=set_by,
                reason="Synthetic demo data: the country's share of the programme target",
            )


def load_demo_entries(*, programme: Programme, entered_by: User, partners: dict[str, list[Organisation]]) -> int:
    """Save every demo entry; the two Thai partners report their own parts. Returns the number of entries."""
    count = 0
    for entry in demo_entries(programme):
        organisations: list[Organisation | None] = [None]
        values = [entry.value]
        if len(partners.get(entry.country.code, [])) > 1:
            organisations = list(partners[entry.country.code])
            # A fixed share per partner keeps each partner's cumulative figures rising.
            values = _spread(entry.value, [1.2 - 0.4 * position for position in range(len(organisations))])
        for organisation, value in zip(organisations, values, strict=True):
            aggregate_entry_save(
                indicator=entry.indicator,
                country=entry.country,
                organisation=organisation,
                period_code=entry.period.code,
                kind=entry.kind,
                disaggregation="",
                value=Decimal(value),
                saved_by=entered_by,
                comment="synthetic demo data",
            )
            count += 1
    return count
