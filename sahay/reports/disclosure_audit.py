"""Complementary suppression: hide more cells until linear programming cannot narrow a small count to one value."""

from __future__ import annotations

import math
from collections.abc import Iterable
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
    """The previous cumulative plus this period gives this cumulative (exactly, or as bounds for unique counts)."""
    relations: list[Relation] = []
    for key in sorted(keys):
        period = CellKey(key.indicator, key.place, Window.PERIOD, key.split)
        if key.window != Window.CUMULATIVE or period not in keys or key not in previous_keys:
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
    by_ref: dict[CellRef, list[int]] = field(default_factory=dict)

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
        in_previous, key = ref
        if self.mark(ref) != Mark.SHOWN:
            return None
        value = self.previous[key].value if in_previous else self.values[key]
        return None if value is None else float(value)

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
        return hidden

    def hide_everything(self) -> bool:
        keys = [key for key in self.marks if self._hideable(key)]
        for key in keys:
            self.marks[key] = Mark.HIDDEN
        return bool(keys)


def _hiding_order(key: CellKey, values: dict[CellKey, Decimal]) -> tuple[Decimal, bool, CellKey]:
    # Smallest first; a split or country cell before a whole or programme cell, as totals are what readers need.
    return values[key], key.split == "" or key.place == PROGRAMME, key


class UnprotectableError(DisclosureError):
    """Even with every other cell hidden, a small count would show: the cells must be withheld instead."""


def protect(
    figures: FigureSet, facts: IndicatorFacts, marks: dict[CellKey, Mark], previous: PublishedFigures | None
) -> None:
    """Hide cells of one about-victims indicator until no small count (now or in the previous report) is exposed.

    Where hiding cannot protect a count (four splits of 1 under a total of 4, say), the indicator's splits are
    withheld, and if that is not enough, the whole indicator: withheld cells leave `marks` and are not published.
    """
    keys = {key for key in figures.values if key.indicator == facts.code and key in marks}
    attempts = [keys, {key for key in keys if not key.split}, set()]
    for attempt in attempts:
        for withheld in keys - attempt:
            marks.pop(withheld, None)
        if not attempt:
            return
        try:
            _protect_cells(figures, facts, attempt, {key: marks[key] for key in attempt}, marks, previous)
            return
        except UnprotectableError:
            for key in attempt:  # start again from the primary marks with fewer cells
                value = figures.values[key]
                marks[key] = Mark.SMALL if SMALL_BOUNDS[0] <= value <= SMALL_BOUNDS[1] else Mark.SHOWN


def _protect_cells(
    figures: FigureSet,
    facts: IndicatorFacts,
    keys: set[CellKey],
    own_marks: dict[CellKey, Mark],
    marks: dict[CellKey, Mark],
    previous: PublishedFigures | None,
) -> None:
    previous_cells = {k: c for k, c in (previous.cells.items() if previous else ()) if k.indicator == facts.code}
    relations = report_relations(facts, keys, figures.places, in_previous=False, first_period=figures.first_period)
    if previous_cells and not figures.first_period:
        previous_keys = set(previous_cells)
        previous_places = sorted({key.place for key in previous_keys})
        relations += report_relations(facts, previous_keys, previous_places, in_previous=True, first_period=False)
        relations += across_reports(facts, keys, previous_keys)
    values = {key: figures.values[key] for key in keys}
    probe = IndicatorState(values, own_marks, previous_cells, [], figures.first_period)
    holding = [relation for relation in relations if _holds(probe, relation)]
    state = IndicatorState(values, own_marks, previous_cells, holding, figures.first_period)
    _complementary(state)
    marks.update(state.marks)


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


def _complementary(state: IndicatorState) -> None:
    _hide_lone_unknowns(state)
    safe: set[CellRef] = set()  # hiding more only widens what an attacker can infer, so safe cells stay safe
    while exposed := _exposed(state, safe):
        touched: set[int] = set()
        for ref in exposed:
            if touched.intersection(state.by_ref.get(ref, ())):
                continue  # a cell hidden this round may already protect it; the next audit tells
            key = _complement_for(state, ref)
            if key is None and touched:
                break  # what was hidden this round may be enough; the next audit tells
            if key is None:
                if not state.hide_everything():
                    raise UnprotectableError(f"{ref[1].as_text()} stays exposed with every cell hidden")
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


def _complement_for(state: IndicatorState, exposed: CellRef) -> CellKey | None:
    """The cell to hide for an exposed one: in its own relations first, then further out through unknown cells."""
    frontier, seen = {exposed}, {exposed}
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


def _exposed(state: IndicatorState, safe: set[CellRef]) -> list[CellRef]:
    """Small cells whose value an attacker can pin down from everything published; safe ones are added to `safe`."""
    components = _components(state)
    problems: dict[int, Problem] = {}
    # Integer values each small cell is known to be able to take: its true value, and its value in every
    # solution the solver returns. Two of them prove a cell safe without solving for it.
    possible = {(False, key): {int(state.values[key])} for key, mark in state.marks.items() if mark == Mark.SMALL}
    possible |= {(True, key): set() for key, cell in state.previous.items() if cell.mark == Mark.SMALL}
    exposed: list[CellRef] = []
    for ref in sorted(possible):
        if ref in safe or ref not in components:
            continue  # a small cell in no relation can be anything from 1 to 4
        root = components[ref]
        if root not in problems:
            problems[root] = Problem.build(state, [r for r, c in components.items() if c == root])
        problem = problems[root]
        if ref[0] and not problem.touches_this_report:
            continue  # only the previous report bears on it: that was audited when it was published
        for maximise in (True, False):
            if len(possible[ref]) >= 2:
                break
            solution = problem.extreme(ref, maximise=maximise)
            for other, i in problem.index.items():
                if other in possible:
                    possible[other].add(round(solution[i]))
        if len(possible[ref]) >= 2:
            safe.add(ref)
        else:
            exposed.append(ref)
    return exposed


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

    def extreme(self, ref: CellRef, *, maximise: bool) -> np.ndarray:
        """An integer solution where the cell is at its extreme: the LP's when integral, else a MILP's."""
        objective = np.zeros(len(self.index))
        objective[self.index[ref]] = -1.0 if maximise else 1.0
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
        if result.status != 0:
            raise DisclosureError(f"the audit of {ref[1].as_text()} did not solve: {result.message}")
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
        if result.status != 0:
            raise DisclosureError(f"the integer audit of {ref[1].as_text()} did not solve: {result.message}")
        integral: np.ndarray = np.round(result.x)
        return integral


def _matrix(rows: tuple[list[np.ndarray], list[float]], width: int) -> tuple[np.ndarray, np.ndarray]:
    matrix, constants = rows
    return (np.vstack(matrix) if matrix else np.zeros((0, width))), np.array(constants)
