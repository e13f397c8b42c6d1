"""Figures from aggregate entries: what adds up across semesters and what does not."""

from decimal import Decimal

from sahay.core.periods import Period
from sahay.figures.aggregates import EntryValue, figure_from_entries


def entry(period: str, value: int, kind: str = "period", cell: str = "") -> EntryValue:
    return EntryValue(Period.parse(period), kind, cell, Decimal(value))


H1, H2, YEAR = Period.parse("2017-H1"), Period.parse("2017-H2"), Period.parse("2017")


def test_events_add_up_into_a_year_and_cumulatively() -> None:
    entries = [entry("2017-H1", 62), entry("2017-H2", 40), entry("2018-H1", 7)]
    assert figure_from_entries(entries, unique=False, period=YEAR, cumulative=False) == 102
    assert figure_from_entries(entries, unique=False, period=H2, cumulative=True) == 102
    assert figure_from_entries(entries, unique=False, period=H1, cumulative=False) == 62


def test_unique_counts_are_never_summed_across_semesters() -> None:
    entries = [entry("2017-H1", 650), entry("2017-H2", 500), entry("2017-H2", 900, kind="cumulative")]
    assert figure_from_entries(entries, unique=True, period=H2, cumulative=False) == 500
    # A year of unique children is not H1 + H2: without a stated figure it is unknown.
    assert figure_from_entries(entries, unique=True, period=YEAR, cumulative=False) is None
    # The cumulative figure is the one stated as cumulative, not 650 + 500.
    assert figure_from_entries(entries, unique=True, period=H2, cumulative=True) == 900
    assert figure_from_entries(entries, unique=True, period=H1, cumulative=True) is None


def test_the_total_comes_from_the_cells_of_one_dimension_when_no_total_is_entered() -> None:
    entries = [
        entry("2017-H1", 300, cell="sex:female"),
        entry("2017-H1", 250, cell="sex:male"),
        entry("2017-H1", 500, cell="age_band:0-11"),
        entry("2017-H1", 50, cell="age_band:12-17"),
    ]
    assert figure_from_entries(entries, unique=True, period=H1, cumulative=False) == 550
    assert figure_from_entries(entries, unique=True, period=H1, cumulative=False, disaggregation="sex:female") == 300


def test_an_entered_total_wins_over_its_cells() -> None:
    entries = [entry("2017-H1", 560), entry("2017-H1", 300, cell="sex:female"), entry("2017-H1", 250, cell="sex:male")]
    assert figure_from_entries(entries, unique=True, period=H1, cumulative=False) == 560


def test_no_entries_means_no_figure_rather_than_zero() -> None:
    assert figure_from_entries([], unique=False, period=H1, cumulative=False) is None
    assert figure_from_entries([entry("2017-H1", 0)], unique=False, period=H1, cumulative=False) == 0
