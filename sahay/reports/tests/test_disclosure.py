"""Disclosure control as a reader, or someone trying to work a small count out, sees the published figures."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sahay.core.periods import Period
from sahay.reports import disclosure_audit
from sahay.reports.disclosure import DisclosureError, Mark, PublishedCell, PublishedFigures, publish
from sahay.reports.figureset import PROGRAMME, SPLIT_VALUES, CellKey, FigureSet, IndicatorFacts, Window

SEXES = [f"sex:{value}" for value in SPLIT_VALUES["sex"]]
PERIOD, CUMULATIVE = Window.PERIOD, Window.CUMULATIVE


def figures(
    values: dict[CellKey, int],
    *,
    places: list[str],
    about_victims: bool = True,
    additive: bool = True,
    splits: tuple[str, ...] = (),
    first_period: bool = False,
    period: str = "2024-H2",
) -> FigureSet:
    codes = {key.indicator for key in values}
    return FigureSet(
        period=Period.parse(period),
        first_period=first_period,
        places=places,
        facts={code: IndicatorFacts(code, about_victims, additive, splits) for code in codes},
        values={key: Decimal(value) for key, value in values.items()},
    )


def key(place: str, window: Window = PERIOD, split: str = "", indicator: str = "V") -> CellKey:
    return CellKey(indicator, place, window, split)


def displayed(published: PublishedFigures) -> dict[CellKey, str]:
    return {cell_key: cell.display for cell_key, cell in published.cells.items()}


def test_victim_counts_of_one_to_four_show_as_under_five_at_every_level() -> None:
    values = {
        key(PROGRAMME): 3,
        key("NP"): 3,
        key("IN"): 0,
        key(PROGRAMME, split="sex:female"): 2,
        key("NP", split="sex:female"): 2,
        key(PROGRAMME, split="sex:male"): 1,
        key("NP", split="sex:male"): 1,
    }
    for place in (PROGRAMME, "NP", "IN"):
        for sex in SEXES:
            values.setdefault(key(place, split=sex), 0)
    shown = displayed(publish(figures(values, places=[PROGRAMME, "NP", "IN"], splits=("sex",))))
    assert shown[key(PROGRAMME)] == "<5"
    assert shown[key("NP")] == "<5"
    assert shown[key("NP", split="sex:female")] == "<5"
    assert shown[key("NP", split="sex:male")] == "<5"
    assert shown[key(PROGRAMME, split="sex:female")] == "<5"
    assert shown[key("IN")] == "0"
    assert shown[key("NP", split="sex:other")] == "0"


def test_other_indicators_show_small_numbers_as_they_are() -> None:
    values = {key(PROGRAMME): 4, key("NP"): 1, key("IN"): 3}
    shown = displayed(publish(figures(values, places=[PROGRAMME, "NP", "IN"], about_victims=False)))
    assert shown == {key(PROGRAMME): "4", key("NP"): "1", key("IN"): "3"}


def test_a_small_country_under_a_shown_total_cannot_be_worked_out() -> None:
    values = {key(PROGRAMME): 20, key("NP"): 3, key("IN"): 9, key("BD"): 8}
    published = publish(figures(values, places=[PROGRAMME, "NP", "IN", "BD"]))
    shown = displayed(published)
    assert shown[key("NP")] == "<5"
    assert shown[key("BD")] == "x"  # the smallest other country hides with it
    assert shown[key(PROGRAMME)] == "20"
    assert shown[key("IN")] == "9"
    truth = {("now", cell_key): int(value) for cell_key, value in values.items()}
    reports = {"now": published}
    assert _pinned_small_cells(reports, truth, _relations(published, additive=True, first_period=False)) == []


def test_a_small_period_figure_is_not_given_away_by_two_shown_cumulatives() -> None:
    first = publish(
        figures({key(PROGRAMME): 10, key(PROGRAMME, CUMULATIVE): 10}, places=[PROGRAMME], first_period=True)
    )
    second = publish(
        figures({key(PROGRAMME): 3, key(PROGRAMME, CUMULATIVE): 13}, places=[PROGRAMME], period="2025-H1"), first
    )
    assert displayed(first)[key(PROGRAMME, CUMULATIVE)] == "10"
    assert displayed(second) == {key(PROGRAMME): "<5", key(PROGRAMME, CUMULATIVE): "x"}


def test_a_small_count_of_the_previous_report_is_not_given_away_either() -> None:
    first = publish(figures({key(PROGRAMME): 2, key(PROGRAMME, CUMULATIVE): 2}, places=[PROGRAMME], first_period=True))
    second = publish(
        figures({key(PROGRAMME): 9, key(PROGRAMME, CUMULATIVE): 11}, places=[PROGRAMME], period="2025-H1"), first
    )
    assert displayed(first) == {key(PROGRAMME): "<5", key(PROGRAMME, CUMULATIVE): "<5"}
    # 11 - 9 would give the earlier count away: the smaller of the two is hidden
    assert displayed(second) == {key(PROGRAMME): "x", key(PROGRAMME, CUMULATIVE): "11"}


def test_the_first_period_hides_its_cumulative_with_its_period_figure() -> None:
    values = {key(PROGRAMME): 12, key("NP"): 2, key("IN"): 5, key("BD"): 5}
    values |= {key(cell_key.place, CUMULATIVE): value for cell_key, value in list(values.items())}
    published = publish(figures(values, places=[PROGRAMME, "NP", "IN", "BD"], first_period=True))
    for place in (PROGRAMME, "NP", "IN", "BD"):
        assert published.cells[key(place)] == published.cells[key(place, CUMULATIVE)]


def test_a_failing_solver_means_nothing_is_output(monkeypatch: pytest.MonkeyPatch) -> None:
    class Failed:
        status, message, x = 4, "numerical difficulties", None

    monkeypatch.setattr(disclosure_audit, "linprog", lambda *args, **kwargs: Failed())
    with pytest.raises(DisclosureError):
        publish(figures({key(PROGRAMME): 20, key("NP"): 3, key("IN"): 17}, places=[PROGRAMME, "NP", "IN"]))


def test_any_error_in_the_rules_means_nothing_is_output(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(disclosure_audit, "protect", broken)
    with pytest.raises(DisclosureError, match="boom"):
        publish(figures({key("NP"): 3}, places=["NP"]))


def test_figures_corrected_since_the_previous_report_are_still_output() -> None:
    first = publish(figures({key(PROGRAMME): 2, key(PROGRAMME, CUMULATIVE): 2}, places=[PROGRAMME], first_period=True))
    # A small count earlier and none since cannot make a cumulative of 9: the earlier period was corrected.
    # The broken relation tells an attacker nothing, so the report is not blocked by it.
    later = publish(figures({key(PROGRAMME): 0, key(PROGRAMME, CUMULATIVE): 9}, places=[PROGRAMME]), first)
    assert later.cells[key(PROGRAMME, CUMULATIVE)].display == "9"


def test_a_table_hiding_cannot_protect_is_withheld_not_refused() -> None:
    # Four sexes of 1 under a total of 4: every split is pinned whatever else is hidden, so the splits go.
    values = {key(PROGRAMME): 4, key(PROGRAMME, CUMULATIVE): 4}
    for sex in SEXES:
        values[key(PROGRAMME, PERIOD, sex)] = 1
        values[key(PROGRAMME, CUMULATIVE, sex)] = 1
    published = publish(figures(values, places=[PROGRAMME], splits=("sex",), first_period=True))
    assert published.cells[key(PROGRAMME)].display == "<5"
    assert not any(cell_key.split for cell_key in published.cells)


def test_published_figures_survive_json_and_never_carry_a_suppressed_value() -> None:
    values = {key(PROGRAMME): 20, key("NP"): 3, key("IN"): 9, key("BD"): 8, key("BD", indicator="W"): 2}
    published = publish(figures(values, places=[PROGRAMME, "NP", "IN", "BD"]))
    assert PublishedFigures.from_json(published.to_json()) == published
    suppressed = {cell_key for cell_key, cell in published.cells.items() if cell.suppressed}
    assert suppressed == {key("NP"), key("BD"), key("BD", indicator="W")}
    assert all(published.cells[cell_key].value is None for cell_key in suppressed)
    assert all(json_value is None for text, (_, json_value) in published.to_json()["cells"].items() if "|NP|" in text)


# An attacker written independently of the module: every relation between published cells as integer
# constraints, and a complete search (bounds propagation plus domain splitting) over the hidden cells.

Term = tuple[int, tuple[str, CellKey]]  # coefficient, (report, cell)
Constraint = tuple[list[Term], bool]  # sum(terms) == 0 when True, <= 0 when False


def _relations(
    published: PublishedFigures, *, additive: bool, first_period: bool, report: str = "now"
) -> list[Constraint]:
    places = sorted({cell_key.place for cell_key in published.cells})
    countries = [place for place in places if place != PROGRAMME]
    splits = ["", *SEXES] if any(cell_key.split for cell_key in published.cells) else [""]
    relations: list[Constraint] = []

    def cell(place: str, window: Window, split: str = "") -> tuple[str, CellKey]:
        return report, key(place, window, split)

    for window in Window:
        for place in places:
            if splits != [""]:
                relations.append(([(1, cell(place, window, s)) for s in SEXES] + [(-1, cell(place, window))], True))
        if PROGRAMME in places and countries:
            for split in splits:
                total = cell(PROGRAMME, window, split)
                members = [cell(country, window, split) for country in countries]
                if additive:
                    relations.append(([(1, m) for m in members] + [(-1, total)], True))
                else:
                    relations += [([(1, m), (-1, total)], False) for m in members]
                    relations.append(([(1, total)] + [(-1, m) for m in members], False))
    for place in places:
        for split in splits:
            pair = [(1, cell(place, PERIOD, split)), (-1, cell(place, CUMULATIVE, split))]
            relations.append((pair, first_period))
    return relations


def _across(now: PublishedFigures, *, additive: bool) -> list[Constraint]:
    relations: list[Constraint] = []
    for cell_key in now.cells:
        if cell_key.window == CUMULATIVE:
            cumulative, earlier = ("now", cell_key), ("previous", cell_key)
            added = ("now", CellKey(cell_key.indicator, cell_key.place, PERIOD, cell_key.split))
            if additive:
                relations.append(([(1, earlier), (1, added), (-1, cumulative)], True))
            else:
                relations.append(([(1, earlier), (-1, cumulative)], False))
                relations.append(([(1, cumulative), (-1, earlier), (-1, added)], False))
    return relations


Cell = tuple[str, CellKey]
Bounds = list[tuple[int, int]]
Row = tuple[list[tuple[int, int]], int, bool]  # (coefficient, unknown), constant, equality: sum + constant == / <= 0


def _pinned_small_cells(
    reports: dict[str, PublishedFigures], truth: dict[Cell, int], relations: list[Constraint]
) -> list[Cell]:
    """The small cells of which the attacker can prove they have one possible value."""
    bound = 2 * max(truth.values()) + 10  # wide enough for the true values and their alternatives
    known: dict[Cell, int] = {}
    unknown: dict[Cell, tuple[int, int]] = {}
    for report, published in reports.items():
        for cell_key, cell in published.cells.items():
            if cell.mark == Mark.SHOWN:
                known[(report, cell_key)] = int(cell.value)
            else:
                unknown[(report, cell_key)] = (1, 4) if cell.mark == Mark.SMALL else (5, bound)
    index = {cell: i for i, cell in enumerate(unknown)}
    rows: list[Row] = []
    for terms, equality in relations:
        if not all(cell in known or cell in index for _, cell in terms):
            continue  # the test tables can leave out a window
        constant = sum(c * known[cell] for c, cell in terms if cell in known)
        rows.append(([(c, index[cell]) for c, cell in terms if cell in index], constant, equality))
    start = list(unknown.values())
    pinned: list[Cell] = []
    for small, i in index.items():
        if start[i] != (1, 4):
            continue
        others = [(1, truth[small] - 1), (truth[small] + 1, 4)]
        if not any(a <= b and _solvable([*start[:i], (a, b), *start[i + 1 :]], rows) for a, b in others):
            pinned.append(small)
    return pinned


def _solvable(bounds: Bounds, rows: list[Row]) -> bool:
    narrowed = _propagate(list(bounds), rows)
    if narrowed is None:
        return False
    open_cells = [i for i, (low, high) in enumerate(narrowed) if low < high]
    if not open_cells:
        return True  # propagation checked every relation with all cells fixed
    i = min(open_cells, key=lambda j: narrowed[j][1] - narrowed[j][0])
    low, high = narrowed[i]
    middle = (low + high) // 2
    return any(
        _solvable([*narrowed[:i], part, *narrowed[i + 1 :]], rows) for part in ((low, middle), (middle + 1, high))
    )


def _propagate(bounds: Bounds, rows: list[Row]) -> Bounds | None:
    """Narrow every unknown to what each relation allows given the others' ranges, until nothing changes."""
    changed = True
    while changed:
        changed = False
        for terms, constant, equality in rows:
            least = constant + sum(c * bounds[i][0 if c > 0 else 1] for c, i in terms)
            most = constant + sum(c * bounds[i][1 if c > 0 else 0] for c, i in terms)
            if least > 0 or (equality and most < 0):
                return None
            for c, i in terms:
                low, high = bounds[i]
                rest_least = least - c * (low if c > 0 else high)
                rest_most = most - c * (high if c > 0 else low)
                if c > 0:  # x + rest == 0 (or <= 0)
                    new = (max(low, -rest_most) if equality else low, min(high, -rest_least))
                else:  # -x + rest == 0 (or <= 0)
                    new = (max(low, rest_least), min(high, rest_most) if equality else high)
                if new[0] > new[1]:
                    return None
                if new != (low, high):
                    bounds[i] = new
                    changed = True
    return bounds


LEAF = st.sampled_from([0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 8, 12])  # mostly zero, so few cells are hidden


@st.composite
def consecutive_figure_sets(draw: st.DrawFn) -> tuple[FigureSet, FigureSet, bool]:
    """Two half-years of one victim indicator by country and sex, unique or additive, consistent with each other."""
    countries = ["NP", "IN", "BD"][: draw(st.integers(2, 3))]
    additive = draw(st.booleans())
    places = [PROGRAMME, *countries]

    def programme(leaves: dict[tuple[str, str], int], lowest: int = 0, highest: int | None = None) -> dict:
        for split in SEXES:
            members = [leaves[(country, split)] for country in countries]
            if additive:
                leaves[(PROGRAMME, split)] = sum(members)
            else:  # people counted in two countries count once in the programme
                low, high = max(max(members), lowest), min(sum(members), highest or sum(members))
                leaves[(PROGRAMME, split)] = draw(st.integers(low, high))
        return leaves

    first = programme({(country, split): draw(LEAF) for country in countries for split in SEXES})
    period = programme({(country, split): draw(LEAF) for country in countries for split in SEXES})
    cumulative: dict[tuple[str, str], int] = {}
    for country in countries:
        for split in SEXES:
            earlier, added = first[(country, split)], period[(country, split)]
            low = earlier + added if additive else max(earlier, added)
            cumulative[(country, split)] = draw(st.integers(low, earlier + added))
    for split in SEXES:  # the programme's cumulative must agree with its own previous and period figures too
        earlier, added = first[(PROGRAMME, split)], period[(PROGRAMME, split)]
        members = [cumulative[(country, split)] for country in countries]
        if additive:
            cumulative[(PROGRAMME, split)] = sum(members)
        else:
            low, high = max(*members, earlier, added), min(sum(members), earlier + added)
            cumulative[(PROGRAMME, split)] = draw(st.integers(low, high))

    def table(windows: dict[Window, dict[tuple[str, str], int]], *, first_period: bool, code: str) -> FigureSet:
        values: dict[CellKey, int] = {}
        for window, leaves in windows.items():
            for place in places:
                values |= {key(place, window, split): leaves[(place, split)] for split in SEXES}
                values[key(place, window)] = sum(leaves[(place, split)] for split in SEXES)
        return figures(
            values, places=places, additive=additive, splits=("sex",), first_period=first_period, period=code
        )

    earlier = table({PERIOD: first, CUMULATIVE: first}, first_period=True, code="2024-H1")
    later = table({PERIOD: period, CUMULATIVE: cumulative}, first_period=False, code="2024-H2")
    return earlier, later, additive


def _everything_suppressed(figure_set: FigureSet) -> PublishedFigures:
    """The most a report could hide: every count of 1 to 4 small and every other non-zero count hidden."""
    marks = {
        key: Mark.SMALL if 1 <= value <= 4 else Mark.HIDDEN if value else Mark.SHOWN
        for key, value in figure_set.values.items()
    }
    cells = {
        key: PublishedCell(mark, figure_set.values[key] if mark == Mark.SHOWN else None) for key, mark in marks.items()
    }
    return PublishedFigures(figure_set.period.code, cells)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(consecutive_figure_sets(), st.booleans())
def test_no_small_count_can_be_worked_out_by_exhaustive_search(
    figure_sets: tuple[FigureSet, FigureSet, bool], with_previous: bool
) -> None:
    earlier, later, additive = figure_sets
    assume(any(1 <= value <= 4 for value in [*earlier.values.values(), *later.values.values()]))
    truth = {("now", cell_key): int(value) for cell_key, value in later.values.items()}
    truth |= {("previous", cell_key): int(value) for cell_key, value in earlier.values.items()}
    if with_previous:
        relations = _relations_of(later, additive=additive, first_period=False)
        relations += _relations_of(earlier, additive=additive, first_period=True, report="previous")
        relations += _across(_everything_suppressed(later), additive=additive)
    else:
        relations = _relations_of(later, additive=additive, first_period=False)
    previous = (
        _publish_or_prove_unprotectable(
            earlier,
            None,
            truth,
            _relations_of(earlier, additive=additive, first_period=True, report="previous"),
            "previous",
        )
        if with_previous
        else None
    )
    if with_previous and previous is None:
        return
    published = _publish_or_prove_unprotectable(later, previous, truth, relations, "now")
    if published is not None:
        reports_seen = {"now": published} | ({"previous": previous} if previous else {})
        assert _pinned_small_cells(reports_seen, truth, relations) == []


def _publish_or_prove_unprotectable(
    figure_set: FigureSet, previous: PublishedFigures | None, truth: dict, relations: list[Constraint], report: str
) -> PublishedFigures | None:
    """Publish; the rules withhold what they cannot protect, so they never refuse consistent figures."""
    return publish(figure_set, previous)


def _relations_of(
    figure_set: FigureSet, *, additive: bool, first_period: bool, report: str = "now"
) -> list[Constraint]:
    return _relations(_everything_suppressed(figure_set), additive=additive, first_period=first_period, report=report)


def test_the_attacker_works_a_small_count_out_when_only_primary_suppression_is_applied(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(disclosure_audit, "protect", lambda *args: None)
    values = {key(PROGRAMME): 20, key("NP"): 3, key("IN"): 9, key("BD"): 8}
    published = publish(figures(values, places=[PROGRAMME, "NP", "IN", "BD"]))
    truth = {("now", cell_key): int(value) for cell_key, value in values.items()}
    relations = _relations(published, additive=True, first_period=False)
    assert _pinned_small_cells({"now": published}, truth, relations) == [("now", key("NP"))]


# --- Issue 15, items 8 and 16: sums that hold exactly, cumulative differences, splits beside a small total ---


def test_countries_that_add_up_exactly_to_a_unique_total_are_audited_as_a_sum() -> None:
    # No child is counted in two countries, so the unique programme total is the sum of the countries.
    values = {key(PROGRAMME): 20, key("NP"): 3, key("IN"): 9, key("BD"): 8}
    published = publish(figures(values, places=[PROGRAMME, "NP", "IN", "BD"], additive=False))
    truth = {("now", cell_key): int(value) for cell_key, value in values.items()}
    exact = _relations(published, additive=True, first_period=False)  # what an attacker assumes: 20 - 9 - 8
    assert _pinned_small_cells({"now": published}, truth, exact) == []


def test_two_consecutive_cumulative_figures_do_not_differ_by_a_small_count() -> None:
    first = publish(
        figures(
            {key(PROGRAMME): 7, key(PROGRAMME, CUMULATIVE): 7}, places=[PROGRAMME], additive=False, first_period=True
        )
    )
    # Three victims this half year, of whom one was not counted before: the cumulative goes from 7 to 8.
    second = publish(
        figures(
            {key(PROGRAMME): 3, key(PROGRAMME, CUMULATIVE): 8}, places=[PROGRAMME], additive=False, period="2025-H1"
        ),
        first,
    )
    assert displayed(first)[key(PROGRAMME, CUMULATIVE)] == "7"
    before, after = first.cells[key(PROGRAMME, CUMULATIVE)], second.cells[key(PROGRAMME, CUMULATIVE)]
    assert before.value is not None
    assert after.suppressed or after.value is None or not 1 <= after.value - before.value <= 4


def test_a_split_beside_a_small_total_does_not_tell_every_victims_attribute() -> None:
    values = {key(PROGRAMME): 7, key("NP"): 3, key("IN"): 4}
    values |= {key("NP", split="sex:female"): 3, key("IN", split="sex:female"): 2, key("IN", split="sex:male"): 2}
    values |= {key(PROGRAMME, split="sex:female"): 5, key(PROGRAMME, split="sex:male"): 2}
    for place in (PROGRAMME, "NP", "IN"):
        for sex in SEXES:
            values.setdefault(key(place, split=sex), 0)
    shown = displayed(publish(figures(values, places=[PROGRAMME, "NP", "IN"], additive=False, splits=("sex",))))
    assert shown[key("NP")] == "<5"
    nepal = [shown.get(key("NP", split=sex)) for sex in SEXES]
    # "<5" girls and 0 of every other sex would tell that every victim counted in Nepal is a girl.
    assert nepal.count("0") < len(SEXES) - 1


def test_what_an_earlier_report_told_alone_does_not_withhold_the_next_reports_figures() -> None:
    # Issued under older rules: "<5" girls and 0 of every other sex beside a small total (re-issuing it mends that).
    small, zero = PublishedCell(Mark.SMALL, None), PublishedCell(Mark.SHOWN, Decimal(0))
    cells = {}
    for window in Window:
        cells[key(PROGRAMME, window)] = small
        cells |= {key(PROGRAMME, window, sex): small if sex == "sex:female" else zero for sex in SEXES}
    first = PublishedFigures("2024-H1", cells)
    values = {key(PROGRAMME): 12, key(PROGRAMME, CUMULATIVE): 14}
    values |= {key(PROGRAMME, PERIOD, sex): {"sex:female": 6, "sex:male": 6}.get(sex, 0) for sex in SEXES}
    values |= {key(PROGRAMME, CUMULATIVE, sex): {"sex:female": 8, "sex:male": 6}.get(sex, 0) for sex in SEXES}
    truth = {
        key(PROGRAMME, window, split): 3 if split in ("", "sex:female") else 0
        for window in Window
        for split in ("", *SEXES)
    }
    earlier = figures(truth, places=[PROGRAMME], additive=False, splits=("sex",), first_period=True, period="2024-H1")
    later = figures(values, places=[PROGRAMME], additive=False, splits=("sex",), period="2024-H2")
    second = publish(later, first, earlier)
    assert displayed(second)[key(PROGRAMME)] == "12"
    assert displayed(second)[key(PROGRAMME, PERIOD, "sex:male")] == "6"
