"""The published 2017-H1 results the demo must reproduce, and the demo's country targets."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import yaml

from sahay.accounts.models import User
from sahay.frameworks.models import Programme
from sahay.frameworks.services import target_set

PUBLISHED_FILE = Path(__file__).parent / "data" / "published_2017_h1.yaml"


@dataclass(frozen=True)
class PublishedResult:
    indicator: str
    country: str
    value: int


def published_results() -> list[PublishedResult]:
    return [PublishedResult(**row) for row in yaml.safe_load(PUBLISHED_FILE.read_text(encoding="utf-8"))]


def spread(total: int, weights: list[float]) -> list[int]:
    """Split a whole number into whole parts in proportion to the weights (largest remainder)."""
    scale = sum(weights)
    exact = [total * weight / scale for weight in weights]
    parts = [int(share) for share in exact]
    by_remainder = sorted(range(len(weights)), key=lambda index: exact[index] - parts[index], reverse=True)
    for index in by_remainder[: total - sum(parts)]:
        parts[index] += 1
    return parts


def set_demo_country_targets(*, programme: Programme, set_by: User) -> None:
    """Share each programme target among the countries, as a programme manager would."""
    countries = list(programme.countries.order_by("code"))
    weights = [1.0 + 0.1 * (index % 4) for index in range(len(countries))]
    for indicator in programme.indicators.filter(is_target=True):
        total = indicator.targets.get(country__isnull=True, period_code="").value
        for country, share in zip(countries, spread(int(total), weights), strict=True):
            target_set(
                indicator=indicator,
                country=country,
                period_code="",
                value=Decimal(share),
                changed_by=set_by,
                reason="Synthetic demo data: the country's share of the programme target",
            )
