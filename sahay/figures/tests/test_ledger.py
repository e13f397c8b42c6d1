"""The figure ledger: exact, never stale, checked, and rebuilt when a rule changes."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from sahay.figures.ledger import maintain
from sahay.figures.ledger.check import figure_differences, row_differences, some_windows
from sahay.figures.ledger.models import LedgerCount, LedgerRow, LedgerRule
from sahay.figures.tests.test_engine import TODAY, World, child, figure
from sahay.frameworks.models import Indicator
from sahay.frameworks.services import framework_load
from sahay.frameworks.tests.test_loader import write_variant
from sahay.records.models import Participation
from sahay.records.services import (
    Attendance,
    RoleSpec,
    participations_record,
    person_save,
    reach_save,
    tracked_item_save,
    tracked_item_status_set,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def varied(world: World, organisations) -> World:
    """Records of every kind the rules count, with qualifications that change inside ranges."""
    girl = child(world)
    turning = world.person(born=date(1999, 5, 20), sex="male")
    victim = world.person(born=date(2006, 2, 1), roles=[RoleSpec("victim", date(2017, 9, 1))])
    adult = world.person(born=date(1980, 1, 1), roles=[RoleSpec("professional", date(2016, 1, 1), profession="police")])
    session = world.activity("awareness_session", date(2017, 3, 5), people=[girl, turning])
    world.activity("awareness_session", date(2018, 8, 9), people=[girl, victim], organisation=world.th)
    world.activity("training", date(2018, 2, 2), people=[adult], topic="offender_detection", completed=True)
    world.service(turning, "education_support", date(2016, 11, 1), detail="fees")  # open, turns 18 inside
    world.service(victim, "legal_aid", date(2017, 6, 1), date(2018, 3, 31))  # a victim from its fourth month
    world.service(girl, "shelter", date(2019, 1, 10), date(2019, 1, 20), organisation=world.th)
    item = tracked_item_save(saved_by=world.recorder, organisation=world.np, kind="offender", title="Case file 1")
    for status, day in (("reported", date(2017, 4, 1)), ("arrested", date(2018, 5, 1))):
        tracked_item_status_set(saved_by=world.recorder, item=item, status=status, reached_on=day)
    reach_save(saved_by=world.recorder, activity=session, audience="everyone", estimate=250, method="count")
    return world


def test_every_figure_from_the_ledger_equals_the_live_recount(varied) -> None:
    assert LedgerRow.objects.exists() and LedgerCount.objects.exists()
    assert figure_differences(windows=some_windows) == []
    assert row_differences() == []


def test_a_running_service_counts_in_a_window_when_its_first_day_there_qualifies(varied) -> None:
    # Legal aid from 2017-06 to 2018-03; the child is a victim from 2017-09. Roles are taken on the service's first
    # day inside the window: 2017-07-01 for 2017-H2 (not yet a victim), 2018-01-01 for 2018-H1 (a victim).
    assert [figure("JUST-1", period) for period in ("2017-H1", "2017-H2", "2018-H1", "2018-H2")] == [0, 0, 1, 0]
    assert figure("JUST-1", "2018-H1", cumulative=True) == 0  # from the programme's start: 2017-06-01 is the day
    # Education support since 2016-11 to someone who turned 18 on 2017-05-20: a child in 2017-H1 only.
    assert [figure("OUT-3", period) for period in ("2017-H1", "2017-H2")] == [1, 0]


def test_a_figure_read_in_the_writing_transaction_already_counts_the_write(world) -> None:
    girl = child(world)
    with transaction.atomic():
        world.activity("awareness_session", date(2018, 3, 1), people=[girl])
        assert figure("PREV-1", "2018-H1") == 1
    assert figure("PREV-1", "2018-H1") == 1


def test_a_changed_figure_moves_at_once_everywhere_it_counts(world) -> None:
    girl = child(world)
    world.activity("awareness_session", date(2017, 3, 1), people=[girl])
    assert (figure("PREV-1", "2017-H1"), figure("PREV-1", "2018-H1", cumulative=True)) == (1, 1)
    person_save(
        saved_by=world.recorder,
        organisation=world.np,
        code=girl.code,
        sex="male",
        birth_date=date(1990, 1, 1),  # an adult on the day: not a child reached
        birth_year_estimated=None,
        roles=[],
        person=girl,
    )
    assert (figure("PREV-1", "2017-H1"), figure("PREV-1", "2018-H1", cumulative=True)) == (0, 0)
    assert figure_differences(windows=some_windows) == []


def test_verify_names_each_figure_that_differs_and_fails(varied, capsys) -> None:
    call_command("figures", "verify")
    assert "agrees with a live recount on every figure" in capsys.readouterr().out
    count = LedgerCount.objects.filter(level="all", n__gt=0).order_by("pk").first()
    count.n += 1
    count.save()
    with pytest.raises(CommandError, match="figures differ"):
        call_command("figures", "verify")
    out = capsys.readouterr().out
    window = "cumulative" if count.window_start == date(2017, 1, 1) else ""
    assert "programme" in out and "ledger" in out and "live" in out and window in out


def test_rebuild_puts_a_damaged_ledger_right(varied, capsys) -> None:
    LedgerRow.objects.filter(source="participation").delete()
    LedgerCount.objects.all().delete()
    assert figure_differences(windows=some_windows) != []
    call_command("figures", "rebuild")
    assert "records" in capsys.readouterr().out
    assert figure_differences(windows=some_windows) == []


def test_rebuild_of_one_indicator_and_of_an_unknown_one(varied, capsys) -> None:
    call_command("figures", "rebuild", "--indicator", "JUST-1")
    assert "Built 1 rules" in capsys.readouterr().out
    with pytest.raises(CommandError, match="NOPE"):
        call_command("figures", "rebuild", "--indicator", "NOPE")


def test_a_changed_rule_is_counted_live_until_its_ledger_is_built(varied, tmp_path, monkeypatch) -> None:
    before = figure("PREV-1", "2017-H1")
    built: list[list[str]] = []
    real_build = framework_load.__globals__["ledger_build"]

    def build_later(rules, progress=None):
        built.append([rule.key for rule in rules])
        # The figure is counted live meanwhile: right already, from the records.
        assert figure("PREV-1", "2017-H1") == before - 1
        return real_build(rules, progress=progress)

    monkeypatch.setitem(framework_load.__globals__, "ledger_build", build_later)

    def only_girls(data) -> None:
        prev1 = next(indicator for indicator in data["indicators"] if indicator["code"] == "PREV-1")
        prev1["rule"]["where"]["sex"] = "female"

    framework_load(path=write_variant(tmp_path, only_girls))
    assert len(built[0]) == 1
    assert LedgerRule.objects.get(key=built[0][0]).state == LedgerRule.State.READY
    assert figure("PREV-1", "2017-H1") == before - 1  # the boy of 2017-H1 no longer counts
    assert figure_differences(windows=some_windows) == []


def test_a_write_outside_the_change_step_is_caught(world, caplog) -> None:
    girl = child(world)
    activity = world.activity("awareness_session", date(2018, 3, 1))
    Participation.objects.create(activity=activity, person=girl)
    assert maintain.pending_tables() == ["records.Participation"]
    maintain.flush()  # what the suite's check would otherwise report, and a read would do first
    assert figure("PREV-1", "2018-H1") == 1


def test_after_its_commit_a_write_outside_the_step_is_put_in_and_reported(
    committed_db, programme, role_users, organisations, caplog
):
    world = World(role_users.me_officer, organisations)
    girl = child(world)
    activity = world.activity("awareness_session", date(2018, 3, 1))
    with caplog.at_level(logging.WARNING, logger="sahay.figures.ledger"), transaction.atomic():
        Participation.objects.create(activity=activity, person=girl)
    assert "outside the change step: records.Participation" in caplog.text
    assert maintain.unstepped_writes() == ["records.Participation"]
    assert figure("PREV-1", "2018-H1") == 1


def test_a_session_recorded_at_once_counts_every_participant(world) -> None:
    children = [child(world) for _ in range(5)]
    activity = world.activity("awareness_session", date(2018, 3, 1))
    participations_record(
        saved_by=world.recorder, activity=activity, attendances=[Attendance(person) for person in children]
    )
    assert figure("PREV-1", "2018-H1") == 5
    assert figure("PREV-1", "2018-03") == 5  # a month: counted from the rows, not the kept counts


def test_every_indicator_counted_from_records_has_its_ledger_built(varied) -> None:
    records_based = Indicator.objects.filter(source=Indicator.Source.RECORDS).count()
    assert records_based and LedgerRule.objects.exclude(state=LedgerRule.State.READY).count() == 0
    assert date(2019, 1, 1) <= TODAY


def test_compacting_folds_the_count_changes_and_leaves_every_figure_as_it_was(varied, capsys) -> None:
    # Two girls of the same age, recorded one after the other: the same counts change twice.
    first, second = child(varied), child(varied)
    varied.activity("awareness_session", date(2018, 3, 1), people=[first])
    varied.activity("awareness_session", date(2018, 4, 1), people=[second])
    rows, before = LedgerCount.objects.count(), figure("PREV-1", "2018-H1", cumulative=True)
    call_command("figures", "compact")
    assert "count rows together" in capsys.readouterr().out
    assert LedgerCount.objects.count() < rows
    assert figure("PREV-1", "2018-H1", cumulative=True) == before
    assert figure_differences(windows=some_windows) == []
