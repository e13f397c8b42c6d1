"""Merging two people of a demo activity: the figures change exactly as counted by hand, and undoing restores them."""

from __future__ import annotations

import pytest

from sahay.accounts.models import User
from sahay.core.periods import Period
from sahay.frameworks.selectors import current_programme
from sahay.records.merging import people_merge, people_merge_undo
from sahay.records.models import Activity
from sahay.reports.figureset import CellKey, Window, figure_set

pytestmark = pytest.mark.django_db

HALF_YEAR = Period.parse("2018-H2")


def test_merging_two_children_of_a_demo_session_counts_them_once(demo: str) -> None:
    programme = current_programme()
    assert programme is not None
    # A demo awareness session of the half year with two children (under 18 on its date) without a case: merging
    # a child who has one needs the right to change the case, which programme staff do not hold.
    session, keep, merge = next(
        (session, *children[:2])
        for session in Activity.objects.filter(kind="awareness_session", date__range=(HALF_YEAR.start, HALF_YEAR.end))
        for children in [
            [
                participation.person
                for participation in session.participations.select_related("person")
                if participation.person.turns_18_on
                and participation.person.turns_18_on > session.date
                and not participation.person.cases.exists()
            ]
        ]
        if len(children) >= 2
    )
    children_reached = CellKey("PREV-1", session.country.code, Window.PERIOD)

    def figure() -> int:
        return int(figure_set(programme=programme, period=HALF_YEAR).values[children_reached])

    before = figure()
    # By hand: both records are counted, each once, among the country's children of the half year; the kept
    # record's own events still count; so the two records of one child become one child: exactly one less.
    staff = User.objects.get(username="me.officer")
    record = people_merge(
        keep=keep,
        merge=merge,
        merged_by=staff,
        reason="The same child, registered twice.",
        correction_reason="Registered twice: the child's earlier records are merged.",
    )
    assert figure() == before - 1
    people_merge_undo(
        merge=record, undone_by=staff, correction_reason="Not the same child after all: the merge is undone."
    )
    assert figure() == before
