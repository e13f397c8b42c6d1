"""Complementary suppression: hide more cells until linear programming cannot narrow a small count to one value."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from sahay.reports.disclosure import DisclosureError, Mark, PublishedCell, PublishedFigures
from sahay.reports.figureset import PROGRAMME, CellKey, FigureSet, IndicatorFacts, Window

CellRef = tuple[bool, CellKey]  # (the cell is in the previous report, its key)
SMALL_BOUNDS = (1.0, 4.0)
HIDDEN_BOUNDS = (5.0, math.inf)  # complementary cells are only ever chosen among values of 5 or more
UNKNOWN_BOUNDS = (0.0, math.inf)  # a cell that is in no report at all
HIDDEN_MIN = Decimal(5)
TOLERANCE = 1e-6
UNBOUNDED = 3  # the status linprog and milp give when the objective has no extreme


@dataclass(frozen=True)
class Relation:
    """What an attacker knows ties cells together: sum(coefficient * cell) == 0, or <= 0 when not `equality`."""

    terms: tuple[tuple[int, CellRef], ...]
    equality: bool

    @property
    def refs(self) -> list[CellRef]:
        return [ref for _, ref in self.terms]


def _sums_to(parts: Iterable[CellRef], total: CellRef) -> Relation:
    return Relation((*((1, part) for part in parts), (-1, total)), equality=True)


def _at_most(smaller: Iterable[CellRef], larger: Iterable[CellRef]) -> Relation:
    return Relation((*((1, ref) for ref in smaller), *((-1, ref) for ref in larger)), equality=False)


def report_relations(
    facts: IndicatorFacts, keys: set[CellKey], places: list[str], *, in_previous: bool, first_period: bool
) -> list[Relation]:
    """The relations inside one report: splits add up, places add up (or bound), a period is within its cumulative."""
    code = facts.code
    splits = [split for dimension in facts.splits for split in facts.split_keys(dimension)]
    relations: list[Relation] = []
    for place in places:
        for window in Window:
            whole = CellKey(code, place, window)
            if whole in keys:
                for dimension in facts.splits:
                    parts = [(in_previous, CellKey(code, place, window, s)) for s in facts.split_keys(dimension)]
                    relations.append(_sums_to(parts, (in_previous, whole)))
    countries = [place for place in places if place != PROGRAMME]
    if PROGRAMME in places and countries:
        for window in Window:
            for split in ("", *splits):
                total = CellKey(code, PROGRAMME, window, split)
                members = [CellKey(code, country, window, split) for country in countries]
                if total not in keys and not keys.intersection(members):
                    continue
                member_refs = [(in_previous, member) for member in members]
                if facts.additive:
                    relations.append(_sums_to(member_refs, (in_previous, total)))
                else:  # unique counts: someone counted in two countries counts once in the total
                    relations.extend(_at_most([ref], [(in_previous, total)]) for ref in member_refs)
                    relations.append(_at_most([(in_previous, total)], member_refs))
    for place in places:
        for split in ("", *splits):
            period = (in_previous, CellKey(code, place, Window.PERIOD, split))
            cumulative = (in_previous, CellKey(code, place, Window.CUMULATIVE, split))
            if period[1] in keys and cumulative[1] in keys:
                relations.append(_sums_to([period], cumulative) if first_period else _at_most([period], [cumulative]))
    return relations


def across_reports(facts: IndicatorFacts, keys: set[CellKey], previous_keys: set[CellKey]) -> list[Relation]:
    """The previous cumulative plus this period gives this cumulative (exactly, or as bounds for unique counts).

    Also where the previous report withheld its cumulative (a split beside a small count): the relation then
    ties an unknown cell of that report, which other relations may still pin down.
    """
    relations: list[Relation] = []
    places = {key.place for key in previous_keys}
    for key in sorted(keys):
        period = CellKey(key.indicator, key.place, Window.PERIOD, key.split)
        if key.window != Window.CUMULATIVE or period not in keys or key.place not in places:
            continue
        now, earlier, added = (False, key), (True, key), (False, period)
        if facts.additive:
            relations.append(_sums_to([earlier, added], now))
        else:
            relations.extend([_at_most([earlier], [now]), _at_most([now], [earlier, added])])
    return relations


@dataclass
class IndicatorState:
    """One about-victims indicator while its cells are being protected; `marks` is updated in place."""

    values: dict[CellKey, Decimal]
    marks: dict[CellKey, Mark]
    previous: dict[CellKey, PublishedCell]
    relations: list[Relation]
    first_period: bool
    # The true figures of this report's cells (withheld ones too) and of the previous report's, where known:
    # they tell which sums hold with equality, and which counts an attacker must not be able to work out.
    truth_values: dict[CellKey, Decimal] = field(default_factory=dict)
    previous_truth: dict[CellKey, Decimal] = field(default_factory=dict)
    splits: dict[str, list[str]] = field(default_factory=dict)  # dimension: its split cells
    by_ref: dict[CellRef, list[int]] = field(default_factory=dict)
    known_cache: dict[CellRef, float | None] = field(default_factory=dict)  # emptied whenever a cell is hidden

    def __post_init__(self) -> None:
        for index, relation in enumerate(self.relations):
            for ref in relation.refs:
                self.by_ref.setdefault(ref, []).append(index)

    def mark(self, ref: CellRef) -> Mark | None:
        in_previous, key = ref
        if in_previous:
            cell = self.previous.get(key)
            return cell.mark if cell else None
        return self.marks.get(key)

    def known(self, ref: CellRef) -> float | None:
        """The value an attacker reads off a report, or None when it is unknown to them."""
        try:
            return self.known_cache[ref]
        except KeyError:
            pass
        in_previous, key = ref
        value = None
        if self.mark(ref) == Mark.SHOWN:
            value = self.previous[key].value if in_previous else self.values[key]
        self.known_cache[ref] = result = None if value is None else float(value)
        return result

    def truth(self, ref: CellRef) -> float | None:
        """The cell's true value, where it is known and consistent with what was published; else None."""
        in_previous, key = ref
        if not in_previous:
            value = self.truth_values.get(key)
            return None if value is None else float(value)
        known = self.known(ref)
        if known is not None:
            return known
        value = self.previous_truth.get(key)
        if value is None:
            return None
        low, high = self.bounds(ref)
        return float(value) if low <= value <= high else None  # a correction since: no longer the published cell's

    def bounds(self, ref: CellRef) -> tuple[float, float]:
        mark = self.mark(ref)
        return SMALL_BOUNDS if mark == Mark.SMALL else HIDDEN_BOUNDS if mark == Mark.HIDDEN else UNKNOWN_BOUNDS

    def candidates(self, refs: Iterable[CellRef]) -> list[CellKey]:
        """Cells of this report that may still be hidden: shown, and 5 or more so a hidden cell is never small."""
        return [key for in_previous, key in refs if not in_previous and self._hideable(key)]

    def _hideable(self, key: CellKey) -> bool:
        return self.marks.get(key) == Mark.SHOWN and self.values[key] >= HIDDEN_MIN

    def hide(self, key: CellKey) -> list[CellKey]:
        hidden = [key]
        if self.first_period:  # the first period's cumulative is the same number as its period figure
            other = Window.CUMULATIVE if key.window == Window.PERIOD else Window.PERIOD
            twin = CellKey(key.indicator, key.place, other, key.split)
            if self._hideable(twin):
                hidden.append(twin)
        for cell in hidden:
            self.marks[cell] = Mark.HIDDEN
        self.known_cache.clear()
        return hidden

    def hide_everything(self) -> bool:
        keys = [key for key in self.marks if self._hideable(key)]
        for key in keys:
            self.marks[key] = Mark.HIDDEN
        self.known_cache.clear()
        return bool(keys)


def _hiding_order(key: CellKey, values: dict[CellKey, Decimal]) -> tuple[Decimal, bool, CellKey]:
    # Smallest first; a split or country cell before a whole or programme cell, as totals are what readers need.
    return values[key], key.split == "" or key.place == PROGRAMME, key


class UnprotectableError(DisclosureError):
    """Even with every other cell hidden, a small count would show: the cells must be withheld instead."""


Where = tuple[str, Window, str]  # place, window, split dimension: one whole's split


class AttributeExposedError(UnprotectableError):
    """Every victim of a suppressed count would be seen to share an attribute: that split must be withheld."""

    def __init__(self, wheres: list[Where]) -> None:
        super().__init__(", ".join(f"{place}|{window.value}|{dimension}" for place, window, dimension in wheres))
        self.wheres = wheres


def _dimension(key: CellKey) -> str:
    return key.split.split(":", 1)[0]


def protect(
    figures: FigureSet,
    facts: IndicatorFacts,
    marks: dict[CellKey, Mark],
    previous: PublishedFigures | None,
    previous_truth: dict[CellKey, Decimal] | None = None,
) -> None:
    """Hide cells of one about-victims indicator until no small count (now or in the previous report) is exposed.

    A split that would show every victim of a suppressed count with one attribute ("<5" girls and 0 of every
    other sex) is withheld, and so, where other cells still tell it, is the same split of the other window and
    then of every place. Where hiding cannot protect a count (four splits of 1 under a total of 4, say), the
    indicator's splits are withheld, and if that is not enough, the whole indicator: withheld cells leave
    `marks` and are not published.
    """
    keys = {key for key in figures.values if key.indicator == facts.code and key in marks}
    primary = {key: marks[key] for key in keys}

    def attempt(cells: set[CellKey]) -> None:
        for key in keys:  # start again from the primary marks, without the withheld cells
            if key in cells:
                marks[key] = primary[key]
            else:
                marks.pop(key, None)
        if cells:
            own = {key: marks[key] for key in cells}
            _protect_cells(figures, facts, cells, own, marks, previous, previous_truth or {})

    withheld = _lone_splits(figures, facts, keys, primary)
    while True:
        try:
            attempt({key for key in keys if not key.split or (key.place, key.window, _dimension(key)) not in withheld})
            return
        except AttributeExposedError as exposed:
            wider = _wider(withheld, exposed.wheres, keys)
            if wider == withheld:
                break
            withheld = wider
        except UnprotectableError:
            break
    for cells in ({key for key in keys if not key.split}, set()):
        try:
            attempt(cells)
            return
        except UnprotectableError:
            continue


def _lone_splits(
    figures: FigureSet, facts: IndicatorFacts, keys: set[CellKey], marks: dict[CellKey, Mark]
) -> set[Where]:
    """The splits of small counts with one non-zero cell: shown, they tell every victim's attribute."""
    lone: set[Where] = set()
    for key in keys:
        if key.split or marks[key] != Mark.SMALL:
            continue
        for dimension in facts.splits:
            cells = [CellKey(key.indicator, key.place, key.window, split) for split in facts.split_keys(dimension)]
            if sum(1 for cell in cells if figures.values.get(cell)) == 1:  # with the other window: it pins it
                lone |= {(key.place, window, dimension) for window in Window}
    return lone


def _wider(withheld: set[Where], wheres: list[Where], keys: set[CellKey]) -> set[Where]:
    """Each split withheld in both windows, or where it already was, at every place."""
    wider = set(withheld)
    for place, _window, dimension in wheres:
        both = {(place, window, dimension) for window in Window}
        if both <= withheld:
            wider |= {(key.place, key.window, dimension) for key in keys if _dimension(key) == dimension}
        else:
            wider |= both
    return wider


def _protect_cells(
    figures: FigureSet,
    facts: IndicatorFacts,
    keys: set[CellKey],
    own_marks: dict[CellKey, Mark],
    marks: dict[CellKey, Mark],
    previous: PublishedFigures | None,
    previous_truth: dict[CellKey, Decimal],
) -> None:
    previous_cells = {k: c for k, c in (previous.cells.items() if previous else ()) if k.indicator == facts.code}
    truth = {key: value for key, value in figures.values.items() if key.indicator == facts.code}
    own_previous_truth = {key: value for key, value in previous_truth.items() if key.indicator == facts.code}
    # Withheld cells are in the relations too, as unknown cells: what is published may still pin them down.
    every_key = keys | set(truth)
    relations = report_relations(facts, every_key, figures.places, in_previous=False, first_period=figures.first_period)
    if previous_cells and not figures.first_period:
        previous_keys = set(previous_cells) | set(own_previous_truth)
        previous_places = sorted({key.place for key in previous_keys})
        relations += report_relations(facts, previous_keys, previous_places, in_previous=True, first_period=False)
        relations += across_reports(facts, every_key, previous_keys)
    values = {key: figures.values[key] for key in keys}
    splits = {dimension: facts.split_keys(dimension) for dimension in facts.splits}
    probe = IndicatorState(values, own_marks, previous_cells, [], figures.first_period, truth, own_previous_truth)
    # A sum of cells none of which is published tells an attacker nothing (not even whether it is exact).
    relations = [_tightened(probe, r) for r in relations if any(probe.mark(ref) is not None for ref in r.refs)]
    holding = [relation for relation in relations if _holds(probe, relation)]
    state = IndicatorState(
        values, own_marks, previous_cells, holding, figures.first_period, truth, own_previous_truth, splits
    )
    _complementary(state)
    marks.update(state.marks)


def _tightened(state: IndicatorState, relation: Relation) -> Relation:
    """A bound the true figures meet with equality is a sum: no child counted in two countries makes the unique
    programme total the sum of the countries, and an attacker who assumes it is right."""
    if relation.equality:
        return relation
    total = 0.0
    for coefficient, ref in relation.terms:
        value = state.truth(ref)
        if value is None:
            return relation
        total += coefficient * value
    return Relation(relation.terms, equality=True) if abs(total) < TOLERANCE else relation


def _holds(state: IndicatorState, relation: Relation) -> bool:
    """Whether the true figures can meet the relation: only a relation that truly holds tells an attacker anything.

    Age bands of unique counts, for example, go by each person's first event in the window, so a child can be
    12-17 in the cumulative figure and 18+ in the period's; and a correction can make this report's cumulative
    differ from the previous report's plus this period. The previous report's hidden cells are only known to lie
    in their bounds.
    """
    low = high = 0.0
    for coefficient, ref in relation.terms:
        in_previous, key = ref
        if not in_previous and key in state.values:
            low += coefficient * float(state.values[key])
            high += coefficient * float(state.values[key])
            continue
        known = state.known(ref)
        bounds = (known, known) if known is not None else state.bounds(ref)
        ends = (coefficient * bounds[0], coefficient * bounds[1])
        low, high = low + min(ends), high + max(ends)
    return low <= TOLERANCE and (not relation.equality or high >= -TOLERANCE)


@dataclass(frozen=True)
class Target:
    """A count about victims that is no one cell, which an attacker must not pin down: the difference of two
    consecutive cumulative figures (the victims first counted this half year), or the victims of a suppressed
    count outside its one non-zero split (0 would tell every victim's attribute)."""

    terms: tuple[tuple[int, CellRef], ...]
    where: Where | None = None  # set for an attribute: the split that would tell it
    truth: float | None = field(default=None, compare=False)  # its true value, where known

    @property
    def refs(self) -> list[CellRef]:
        return [ref for _, ref in self.terms]


Exposure = CellRef | Target


def _complementary(state: IndicatorState) -> None:
    _hide_lone_unknowns(state)
    safe: set[Exposure] = set()  # hiding more only widens what an attacker can infer, so safe cells stay safe
    while exposed := _exposed(state, safe):
        # A split that tells every victim's attribute is withheld, not hidden around: hiding cannot change a 0.
        attributes = [item.where for item in exposed if isinstance(item, Target) and item.where is not None]
        if attributes:
            raise AttributeExposedError(attributes)
        touched: set[int] = set()
        for item in exposed:
            refs = item.refs if isinstance(item, Target) else [item]
            if touched.intersection(index for ref in refs for index in state.by_ref.get(ref, ())):
                continue  # a cell hidden this round may already protect it; the next audit tells
            key = _complement_for(state, refs)
            if key is None and touched:
                break  # what was hidden this round may be enough; the next audit tells
            if key is None:
                if not state.hide_everything():
                    raise UnprotectableError(f"{refs[0][1].as_text()} stays exposed with every cell hidden")
                break
            for hidden in state.hide(key):
                touched.update(state.by_ref.get((False, hidden), ()))
        _hide_lone_unknowns(state)


def _hide_lone_unknowns(state: IndicatorState) -> None:
    """Cheap rule before the audit: a sum with one unknown member gives it away, so hide a second member."""
    changed = True
    while changed:
        changed = False
        for relation in state.relations:
            if not relation.equality:
                continue
            unknown = [ref for ref in relation.refs if state.known(ref) is None]
            if len(unknown) != 1 or state.mark(unknown[0]) not in (Mark.SMALL, Mark.HIDDEN):
                continue
            candidates = state.candidates(relation.refs)
            if candidates:
                state.hide(min(candidates, key=lambda key: _hiding_order(key, state.values)))
                changed = True


def _complement_for(state: IndicatorState, exposed: list[CellRef]) -> CellKey | None:
    """The cell to hide for an exposed count: one of its own cells, then in their relations, then further out
    through unknown cells."""
    own = state.candidates(exposed)
    if own:
        return min(own, key=lambda key: _hiding_order(key, state.values))
    frontier, seen = set(exposed), set(exposed)
    searched: set[int] = set()
    while frontier:
        indices = {index for ref in frontier for index in state.by_ref.get(ref, ())} - searched
        searched |= indices
        refs = {ref for index in indices for ref in state.relations[index].refs}
        candidates = state.candidates(refs)
        if candidates:
            return min(candidates, key=lambda key: _hiding_order(key, state.values))
        frontier = {ref for ref in refs if ref not in seen and state.known(ref) is None}
        seen |= frontier
    return None


def _exposed(state: IndicatorState, safe: set[Exposure]) -> list[Exposure]:
    """Small cells and targets whose value an attacker can pin down from everything published; safe ones are
    added to `safe`."""
    components = _components(state)
    problems: dict[frozenset[int], Problem] = {}
    solutions: dict[int, list[np.ndarray]] = {}  # by problem: every solution found this round

    def problem_of(refs: Iterable[CellRef]) -> Problem:
        roots = frozenset(components[ref] for ref in refs)
        if roots not in problems:
            problems[roots] = Problem.build(state, [r for r, c in components.items() if c in roots])
        return problems[roots]

    # Integer values each small cell is known to be able to take: its true value, and its value in every
    # solution the solver returns. Two of them prove a cell safe without solving for it.
    possible = {(False, key): {int(state.values[key])} for key, mark in state.marks.items() if mark == Mark.SMALL}
    possible |= {(True, key): set() for key, cell in state.previous.items() if cell.mark == Mark.SMALL}
    exposed: list[Exposure] = []
    for ref in sorted(possible):
        if ref in safe or ref not in components:
            continue  # a small cell in no relation can be anything from 1 to 4
        problem = problem_of([ref])
        if ref[0] and not problem.touches_this_report:
            continue  # only the previous report bears on it: that was audited when it was published
        for maximise in (True, False):
            if len(possible[ref]) >= 2:
                break
            solution = problem.extreme(problem.objective([(1, ref)]), maximise=maximise)
            if solution is None:
                break
            solutions.setdefault(id(problem), []).append(solution)
            for other, i in problem.index.items():
                if other in possible:
                    possible[other].add(round(solution[i]))
        if len(possible[ref]) >= 2:
            safe.add(ref)
        else:
            exposed.append(ref)
    for target in _targets(state):
        if target in safe:
            continue
        value = _pinned(state, components, problem_of, target, solutions)
        if value is None or (target.where is None and not SMALL_BOUNDS[0] <= value <= SMALL_BOUNDS[1]):
            safe.add(target)  # two values possible, or one that tells nothing (0 new victims, say)
        elif target.where is not None and value > TOLERANCE:
            safe.add(target)
        else:
            exposed.append(target)
    return exposed


def _targets(state: IndicatorState) -> list[Target]:
    targets: list[Target] = []
    # Withheld cells are not published, but sums still tie them to published ones: a small one must not follow.
    for key, value in sorted(state.truth_values.items()):
        if key not in state.marks and SMALL_BOUNDS[0] <= value <= SMALL_BOUNDS[1]:
            targets.append(Target(((1, (False, key)),), truth=float(value)))
    if not state.first_period:
        for key, value in sorted(state.previous_truth.items()):
            if key not in state.previous and SMALL_BOUNDS[0] <= value <= SMALL_BOUNDS[1]:
                targets.append(Target(((1, (True, key)),), truth=float(value)))
    if state.previous and not state.first_period:
        for key in sorted(state.marks):
            earlier: CellRef = (True, key)
            if key.window != Window.CUMULATIVE or state.mark(earlier) is None:
                continue
            now, before = state.truth((False, key)), state.truth(earlier)
            if now is not None and before is not None and not SMALL_BOUNDS[0] <= now - before <= SMALL_BOUNDS[1]:
                continue  # whatever an attacker works out of it, it is not a small count
            new = None if now is None or before is None else now - before
            targets.append(Target(((1, (False, key)), (-1, earlier)), truth=new))
    wholes: list[tuple[bool, CellKey, dict[CellKey, Decimal]]] = [
        (False, key, state.truth_values) for key, mark in state.marks.items() if mark != Mark.SHOWN and not key.split
    ]
    if not state.first_period:
        wholes += [
            (True, key, state.previous_truth)
            for key, cell in state.previous.items()
            if cell.mark != Mark.SHOWN and not key.split
        ]
    for in_previous, key, truth in sorted(wholes, key=lambda item: (item[0], item[1])):
        if not truth.get(key):
            continue
        for dimension, splits in sorted(state.splits.items()):
            cells = [CellKey(key.indicator, key.place, key.window, split) for split in splits]
            if any(cell not in truth for cell in cells) or sum(1 for cell in cells if truth[cell]) != 1:
                continue
            others = tuple((1, (in_previous, cell)) for cell in cells if not truth[cell])
            targets.append(Target(others, where=(key.place, key.window, dimension), truth=0.0))
    return targets


def _pinned(
    state: IndicatorState,
    components: dict[CellRef, int],
    problem_of: Callable[[Iterable[CellRef]], Problem],
    target: Target,
    solutions: dict[int, list[np.ndarray]],
) -> float | None:
    """The one value an attacker can work the target out to be, or None when it can take two or more."""
    constant, unknown = 0.0, []
    for coefficient, ref in target.terms:
        known = state.known(ref)
        if known is None:
            unknown.append((coefficient, ref))
        else:
            constant += coefficient * known
    if not unknown:  # read off the reports; what the previous report alone tells, only re-issuing it mends
        return None if all(in_previous for in_previous, _key in target.refs) else constant
    if any(ref not in components for _, ref in unknown):
        return None  # a cell in no relation ranges over its bounds (1 to 4, 5 and more, or any count)
    problem = problem_of([ref for _, ref in unknown])
    if all(in_previous for _, (in_previous, _key) in unknown) and not problem.touches_this_report:
        return None  # only the previous report bears on it: that was audited when it was published
    objective = problem.objective(unknown)
    found = solutions.setdefault(id(problem), [])
    if target.truth is not None and any(abs(constant + objective @ other - target.truth) > 0.5 for other in found):
        return None  # the true value and another one: an attacker cannot tell which
    ends = []
    for maximise in (True, False):
        solution = problem.extreme(objective, maximise=maximise)
        if solution is None:
            return None  # unbounded: it can be anything above (or below) some value
        found.append(solution)
        ends.append(float(objective @ solution))
        if abs(ends[0] - ends[-1]) > TOLERANCE:
            return None
    return constant + ends[0]


def _components(state: IndicatorState) -> dict[CellRef, int]:
    """Unknown cells grouped by the relations that link them: each group is audited as one small LP."""
    parent: dict[CellRef, CellRef] = {}

    def find(ref: CellRef) -> CellRef:
        while parent.setdefault(ref, ref) != ref:
            parent[ref] = parent[parent[ref]]
            ref = parent[ref]
        return ref

    for relation in state.relations:
        unknown = [ref for ref in relation.refs if state.known(ref) is None]
        for ref in unknown[1:]:
            parent[find(ref)] = find(unknown[0])
        if unknown:
            find(unknown[0])
    roots: dict[CellRef, int] = {}
    return {ref: roots.setdefault(find(ref), len(roots)) for ref in list(parent)}


@dataclass
class Problem:
    """The linear system an attacker can set up for one group of unknown cells."""

    index: dict[CellRef, int]
    equalities: tuple[np.ndarray, np.ndarray]
    inequalities: tuple[np.ndarray, np.ndarray]
    lower: np.ndarray
    upper: np.ndarray
    touches_this_report: bool

    @classmethod
    def build(cls, state: IndicatorState, refs: list[CellRef]) -> Problem:
        index = {ref: i for i, ref in enumerate(refs)}
        rows: dict[bool, tuple[list[np.ndarray], list[float]]] = {True: ([], []), False: ([], [])}
        touches_this_report = False
        for relation_index in sorted({i for ref in refs for i in state.by_ref.get(ref, ())}):
            relation = state.relations[relation_index]
            row, constant = np.zeros(len(refs)), 0.0
            for coefficient, ref in relation.terms:
                known = state.known(ref)
                if known is None:
                    row[index[ref]] += coefficient
                else:
                    constant += coefficient * known
            touches_this_report |= any(not in_previous for in_previous, _ in relation.refs)
            rows[relation.equality][0].append(row)
            rows[relation.equality][1].append(-constant)
        bounds = [state.bounds(ref) for ref in refs]
        return cls(
            index=index,
            equalities=_matrix(rows[True], len(refs)),
            inequalities=_matrix(rows[False], len(refs)),
            lower=np.array([low for low, _ in bounds]),
            upper=np.array([high for _, high in bounds]),
            touches_this_report=touches_this_report,
        )

    def objective(self, terms: Iterable[tuple[int, CellRef]]) -> np.ndarray:
        vector = np.zeros(len(self.index))
        for coefficient, ref in terms:
            vector[self.index[ref]] += coefficient
        return vector

    def extreme(self, target: np.ndarray, *, maximise: bool) -> np.ndarray | None:
        """An integer solution where the target (a combination of cells) is at its extreme: the LP's when
        integral, else a MILP's; None when the target has no extreme (unbounded)."""
        objective = -target if maximise else target
        a_eq, b_eq = self.equalities
        a_ub, b_ub = self.inequalities
        result = linprog(
            objective,
            A_ub=a_ub if len(b_ub) else None,
            b_ub=b_ub if len(b_ub) else None,
            A_eq=a_eq if len(b_eq) else None,
            b_eq=b_eq if len(b_eq) else None,
            bounds=list(zip(self.lower, [None if math.isinf(u) else u for u in self.upper], strict=True)),
            method="highs",
        )
        if result.status == UNBOUNDED:
            return None
        if result.status != 0:
            raise DisclosureError(f"the audit did not solve: {result.message}")
        solution: np.ndarray = result.x
        if np.all(np.abs(solution - np.round(solution)) < TOLERANCE):
            return np.round(solution)
        constraints = [LinearConstraint(a_eq, b_eq, b_eq)] if len(b_eq) else []
        if len(b_ub):
            constraints.append(LinearConstraint(a_ub, -np.inf, b_ub))
        result = milp(
            objective,
            integrality=np.ones(len(self.index)),
            bounds=Bounds(self.lower, self.upper),
            constraints=constraints,
        )
        if result.status == UNBOUNDED:
            return None
        if result.status != 0:
            raise DisclosureError(f"the integer audit did not solve: {result.message}")
        integral: np.ndarray = np.round(result.x)
        return integral


def _matrix(rows: tuple[list[np.ndarray], list[float]], width: int) -> tuple[np.ndarray, np.ndarray]:
    matrix, constants = rows
    return (np.vstack(matrix) if matrix else np.zeros((0, width))), np.array(constants)
