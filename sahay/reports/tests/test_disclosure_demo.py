"""The donor's published figures of the demo, attacked as issue 15 (items 8 and 16) attacked them.

The demo is built once for the module (about 30 s) inside a transaction that is rolled back. The donor reads
every approved half year through `/api/figures/`; the attacks then work on those rows alone, with the true
figures (the raw figure sets) only to know which sums hold with equality and what a recovered figure is.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, override_settings
from scipy.optimize import Bounds, LinearConstraint, milp

from conftest import sign_in_verified
from sahay.accounts.models import User
from sahay.core.periods import Period
from sahay.frameworks.selectors import current_programme
from sahay.reports.figureset import PROGRAMME, SPLIT_VALUES, FigureSet, Window, figure_set
from sahay.reports.models import Report

LARGEST = 10**6  # above any count of the demo: the upper end of a hidden or withheld cell
PERIOD, CUMULATIVE = Window.PERIOD.value, Window.CUMULATIVE.value

pytestmark = pytest.mark.django_db  # the module's demo is built in the test database, then rolled back

# (half year, indicator, place, window, split); place "programme" for the programme total, split "" for the whole
Cell = tuple[str, str, str, str, str]


@dataclass
class DemoFigures:
    periods: list[str]  # approved half years, oldest first
    shown: dict[Cell, str]  # what the donor reads: "12", "0", "<5", "x"
    truth: dict[Cell, int]  # the raw figures, for the indicators about victims
    victims: set[str]  # indicators about victims
    unique: set[str]  # of those, unique counts (a sum of countries is only a bound)
    dimensions: dict[str, list[str]]  # indicator: its split dimensions
    countries: list[str]
    build_seconds: float = 0.0
    findings: list[str] = field(default_factory=list)


def _place(place: str) -> str:
    return "programme" if place == PROGRAMME else place


@pytest.fixture(scope="module")
def demo_figures(django_db_setup: None, django_db_blocker: Any) -> Iterator[DemoFigures]:
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=hashers, SAHAY_JOBS_INLINE=True):
        assert "test" in connection.settings_dict["NAME"], "the demo is built in the test database only"
        with transaction.atomic():
            started = time.monotonic()
            call_command("demo", no_serve=True, stdout=io.StringIO())
            build_seconds = time.monotonic() - started
            programme = current_programme()
            assert programme is not None
            periods = sorted(
                set(
                    Report.objects.filter(status=Report.Status.APPROVED, country__isnull=True).values_list(
                        "period_code", flat=True
                    )
                )
            )
            donor = sign_in_verified(Client(), User.objects.get(username="donor"))
            shown: dict[Cell, str] = {}
            for window in (PERIOD, CUMULATIVE):
                answer = donor.get("/api/figures/", {"period": periods, "window": window, "format": "csv"})
                assert answer.status_code == 200, answer.content[:300]
                rows = csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig")))
                for row in rows:
                    split = "" if row["disaggregation"] == "total" else row["disaggregation"]
                    shown[(row["period"], row["indicator"], row["place"], row["window"], split)] = row["display"]
            sets: dict[str, FigureSet] = {
                code: figure_set(programme=programme, period=Period.parse(code)) for code in periods
            }
            transaction.set_rollback(True)
    first = sets[periods[0]]
    victims = {code for code, facts in first.facts.items() if facts.about_victims}
    truth = {
        (code, key.indicator, _place(key.place), key.window.value, key.split): int(value)
        for code, figures in sets.items()
        for key, value in figures.values.items()
        if key.indicator in victims
    }
    print(f"\nThe demo was built in {build_seconds:.1f} s")
    yield DemoFigures(
        periods=periods,
        shown=shown,
        truth=truth,
        victims=victims,
        unique={code for code in victims if not first.facts[code].additive},
        dimensions={code: list(first.facts[code].splits) for code in victims},
        countries=[place for place in first.places if place != PROGRAMME],
        build_seconds=build_seconds,
    )


def _splits(figures: DemoFigures, indicator: str) -> list[str]:
    return [f"{d}:{v}" for d in figures.dimensions[indicator] for v in SPLIT_VALUES[d]]


def _number(text: str | None) -> int | None:
    return None if text is None or text in {"<5", "x"} else int(Decimal(text.replace(",", "")))


def _victim_cells(figures: DemoFigures) -> Iterator[tuple[str, str, str, str]]:
    for code in figures.periods:
        for indicator in sorted(figures.victims):
            for window in (PERIOD, CUMULATIVE):
                for split in ("", *_splits(figures, indicator)):
                    yield code, indicator, window, split


def test_the_donor_reads_suppressed_counts_about_victims(demo_figures: DemoFigures) -> None:
    """The attacks below have something to attack: the demo publishes "<5" cells of several half years."""
    assert len(demo_figures.periods) >= 2
    small = {cell[0] for cell, display in demo_figures.shown.items() if display == "<5"}
    assert small == set(demo_figures.periods)


def test_the_programme_total_minus_the_shown_countries_recovers_no_small_count(demo_figures: DemoFigures) -> None:
    found = []
    for code, indicator, window, split in _victim_cells(demo_figures):
        total = _number(demo_figures.shown.get((code, indicator, "programme", window, split)))
        members = {
            country: demo_figures.shown.get((code, indicator, country, window, split))
            for country in demo_figures.countries
        }
        hidden = [country for country, display in members.items() if display in {"<5", "x"}]
        if total is None or len(hidden) != 1 or any(display is None for display in members.values()):
            continue
        recovered = total - sum(_number(display) or 0 for country, display in members.items() if country not in hidden)
        cell = (code, indicator, hidden[0], window, split)
        if 1 <= recovered <= 4 and recovered == demo_figures.truth[cell]:
            found.append(f"{'|'.join(cell)} = {recovered}")
    assert found == [], "\n".join(found)


def test_consecutive_cumulative_figures_differ_by_no_small_count(demo_figures: DemoFigures) -> None:
    found = []
    for earlier, later in zip(demo_figures.periods, demo_figures.periods[1:], strict=False):
        for indicator in sorted(demo_figures.victims):
            for place in ("programme", *demo_figures.countries):
                for split in ("", *_splits(demo_figures, indicator)):
                    before = _number(demo_figures.shown.get((earlier, indicator, place, CUMULATIVE, split)))
                    after = _number(demo_figures.shown.get((later, indicator, place, CUMULATIVE, split)))
                    if before is not None and after is not None and 1 <= after - before <= 4:
                        found.append(f"{indicator}|{place}|{split} {earlier} {before} -> {later} {after}")
    assert found == [], "\n".join(found)


def test_no_split_beside_a_suppressed_total_tells_every_victims_attribute(demo_figures: DemoFigures) -> None:
    found = []
    for code in demo_figures.periods:
        for indicator in sorted(demo_figures.victims):
            for place in ("programme", *demo_figures.countries):
                for window in (PERIOD, CUMULATIVE):
                    if demo_figures.shown.get((code, indicator, place, window, "")) not in {"<5", "x"}:
                        continue
                    for dimension in demo_figures.dimensions[indicator]:
                        cells = [(code, indicator, place, window, f"{dimension}:{v}") for v in SPLIT_VALUES[dimension]]
                        displays = [demo_figures.shown.get(cell) for cell in cells]
                        if None not in displays and sum(display != "0" for display in displays) == 1:
                            found.append(f"{indicator}|{place}|{window} {code}: {dimension} {displays}")
    assert found == [], "\n".join(found)


# --- The attacker: integer programming over the whole published chain -----------------------------------


class Attack:
    """One indicator's published cells over every half year, with every relation that holds in the true figures:
    as an equality where the true figures meet it with equality, else as the bound it is."""

    def __init__(self, figures: DemoFigures, indicator: str) -> None:
        self.figures, self.indicator = figures, indicator
        self.unknown: dict[Cell, int] = {}
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.rows: list[tuple[dict[int, float], float, bool]] = []  # sum(c * x) + constant == / <= 0
        places = ["programme", *figures.countries]
        splits = ["", *_splits(figures, indicator)]
        for code in figures.periods:
            for window in (PERIOD, CUMULATIVE):
                for place in places:
                    for dimension in figures.dimensions[indicator]:
                        parts = [self.cell(code, place, window, f"{dimension}:{v}") for v in SPLIT_VALUES[dimension]]
                        self.relation([(1, part) for part in parts] + [(-1, self.cell(code, place, window, ""))])
                for split in splits:
                    total = self.cell(code, "programme", window, split)
                    members = [self.cell(code, country, window, split) for country in figures.countries]
                    self.relation([(1, member) for member in members] + [(-1, total)])
                    for member in members:
                        self.relation([(1, member), (-1, total)])
            for place in places:
                for split in splits:
                    self.relation(
                        [(1, self.cell(code, place, PERIOD, split)), (-1, self.cell(code, place, CUMULATIVE, split))]
                    )
        for earlier, later in zip(figures.periods, figures.periods[1:], strict=False):
            for place in places:
                for split in splits:
                    before = self.cell(earlier, place, CUMULATIVE, split)
                    after = self.cell(later, place, CUMULATIVE, split)
                    added = self.cell(later, place, PERIOD, split)
                    self.relation([(1, before), (-1, after)])
                    self.relation([(1, after), (-1, before), (-1, added)])

    def cell(self, code: str, place: str, window: str, split: str) -> Cell:
        return (code, self.indicator, place, window, split)

    def relation(self, terms: list[tuple[int, Cell]]) -> None:
        """sum(terms) <= 0 when it holds in the true figures; == 0 when they meet it exactly."""
        truth = self.figures.truth
        if not all(cell in truth for _, cell in terms) or not any(cell in self.figures.shown for _, cell in terms):
            return  # a sum of unpublished cells only: nothing tells the attacker whether it is exact
        value = sum(c * truth[cell] for c, cell in terms)
        if value > 0:
            return  # it does not hold (age bands of unique counts, say): it tells nothing
        row: dict[int, float] = {}
        constant = 0.0
        for c, cell in terms:
            known = _number(self.figures.shown.get(cell, "x")) if cell in self.figures.shown else None
            if known is not None:
                constant += c * known
            else:
                i = self.variable(cell)
                row[i] = row.get(i, 0.0) + c
        self.rows.append((row, constant, value == 0))

    def variable(self, cell: Cell) -> int:
        if cell not in self.unknown:
            self.unknown[cell] = len(self.unknown)
            display = self.figures.shown.get(cell)
            low, high = (1, 4) if display == "<5" else (5, LARGEST) if display == "x" else (0, LARGEST)
            self.lower.append(low)
            self.upper.append(high)
        return self.unknown[cell]

    def value(self, terms: list[tuple[int, Cell]]) -> tuple[float, dict[int, float]] | None:
        """The expression as a constant plus unknowns, or None if a cell is in no published report's reach."""
        constant = 0.0
        row: dict[int, float] = {}
        for c, cell in terms:
            known = _number(self.figures.shown.get(cell)) if cell in self.figures.shown else None
            if known is not None:
                constant += c * known
            elif cell in self.unknown:
                row[self.unknown[cell]] = row.get(self.unknown[cell], 0.0) + c
            else:
                return None
        return constant, row

    def pinned(self, terms: list[tuple[int, Cell]]) -> float | None:
        """The one value the expression can take given everything published, or None when it can take two."""
        expression = self.value(terms)
        if expression is None:
            return None
        constant, row = expression
        if not row:
            return constant
        width = len(self.unknown)
        objective = np.zeros(width)
        for i, c in row.items():
            objective[i] = c
        matrix = np.zeros((len(self.rows), width))
        low_side = np.zeros(len(self.rows))
        high_side = np.zeros(len(self.rows))
        for r, (coefficients, constant_of_row, equality) in enumerate(self.rows):
            for i, c in coefficients.items():
                matrix[r, i] = c
            high_side[r] = -constant_of_row
            low_side[r] = -constant_of_row if equality else -np.inf
        constraints = LinearConstraint(matrix, low_side, high_side)
        ends = []
        for sign in (1, -1):
            result = milp(
                sign * objective,
                integrality=np.ones(width),
                bounds=Bounds(np.array(self.lower), np.array(self.upper)),
                constraints=constraints,
            )
            assert result.status == 0, result.message
            ends.append(round(float(objective @ result.x)))
        return constant + ends[0] if ends[0] == ends[1] else None


def test_the_attacker_with_exact_sums_across_the_published_chain_finds_nothing(demo_figures: DemoFigures) -> None:
    """Goal 28: no count of 1 to 4 about victims, no difference of consecutive cumulative figures of 1 to 4, and no
    attribute shared by every victim of a suppressed count can be worked out."""
    found = []
    for indicator in sorted(demo_figures.victims):
        attack = Attack(demo_figures, indicator)
        for cell in list(attack.unknown):
            truth = demo_figures.truth.get(cell, 0)
            if 1 <= truth <= 4 and attack.pinned([(1, cell)]) is not None:
                found.append(f"{'|'.join(cell)} = {truth}")
        for earlier, later in zip(demo_figures.periods, demo_figures.periods[1:], strict=False):
            for place in ("programme", *demo_figures.countries):
                for split in ("", *_splits(demo_figures, indicator)):
                    terms = [
                        (1, attack.cell(later, place, CUMULATIVE, split)),
                        (-1, attack.cell(earlier, place, CUMULATIVE, split)),
                    ]
                    if not all(cell in demo_figures.truth for _, cell in terms):
                        continue
                    new = sum(c * demo_figures.truth[cell] for c, cell in terms)
                    if 1 <= new <= 4 and attack.pinned(terms) is not None:
                        found.append(f"{indicator}|{place}|{split} new in {later} = {new}")
        for code in demo_figures.periods:
            for place in ("programme", *demo_figures.countries):
                for window in (PERIOD, CUMULATIVE):
                    whole = attack.cell(code, place, window, "")
                    if demo_figures.shown.get(whole) not in {"<5", "x"}:
                        continue
                    for dimension in demo_figures.dimensions[indicator]:
                        cells = [attack.cell(code, place, window, f"{dimension}:{v}") for v in SPLIT_VALUES[dimension]]
                        non_zero = [cell for cell in cells if demo_figures.truth.get(cell, 0)]
                        if len(non_zero) != 1:
                            continue
                        others = [(1, cell) for cell in cells if cell not in non_zero]
                        if attack.pinned(others) == 0:
                            found.append(f"{'|'.join(non_zero[0])}: every victim of {place} {window} {code}")
    assert found == [], "\n".join(found)
