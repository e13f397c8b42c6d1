"""Properties that hold for any data: checked on generated worlds (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sahay.core.periods import semesters_between
from sahay.figures.engine.counting import Window, tally
from sahay.figures.engine.rules import CountingRule
from sahay.records.services import Attendance, activity_save, participations_record, person_save, service_save

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 28)
START = date(2017, 1, 1)
SEMESTERS = semesters_between(START, date(2018, 12, 31))
AWARE_CHILDREN = CountingRule.parse(
    {"count": "unique_people", "from": "participations", "where": {"activity_kind": "awareness"}}
)
LEGAL_SHARE = CountingRule.parse(
    {
        "count": "percentage",
        "numerator": {"count": "unique_people", "from": "services", "where": {"service_kind": ["legal_aid"]}},
        "denominator": {"count": "unique_people", "from": "services"},
    }
)
HYPOTHESIS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# (which of 6 people, which of 2 partners, days after the programme start, sex)
attendances = st.lists(
    st.tuples(
        st.integers(0, 5), st.integers(0, 1), st.integers(0, 729), st.sampled_from(["female", "male", "unknown"])
    ),
    min_size=1,
    max_size=25,
)


def build(world_rows, recorder, partners, make_service: bool = False) -> None:
    people: dict[tuple[int, int], object] = {}
    for person_index, partner_index, day, sex in world_rows:
        partner = partners[partner_index]
        key = (person_index, partner_index)
        if key not in people:
            people[key] = person_save(
                saved_by=recorder,
                organisation=partner,
                code=f"X{person_index}",
                sex=sex,
                birth_date=date(2003 + person_index * 2, 3, 1),
            )
        on = START + timedelta(days=day)
        if make_service:
            service_save(
                saved_by=recorder,
                organisation=partner,
                person=people[key],
                kind="legal_aid" if day % 3 == 0 else "medical",
                start=on,
                end=on + timedelta(days=day % 90),
            )
        else:
            activity = activity_save(
                saved_by=recorder, organisation=partner, kind="awareness_session", title="s", date=on
            )
            participations_record(saved_by=recorder, activity=activity, attendances=[Attendance(people[key])])


@HYPOTHESIS
@given(rows=attendances)
def test_a_cumulative_unique_count_lies_between_the_largest_and_the_sum_of_its_periods(
    rows, programme, role_users, organisations
) -> None:
    partners = [organisations.partners["NP"], organisations.partners["TH"]]
    with transaction.atomic():
        build(rows, role_users.me_officer, partners)
        per_period = [
            int(tally(AWARE_CHILDREN, window=Window(s.start, s.end), today=TODAY, grouping="programme")[None].value)
            for s in SEMESTERS
        ]
        cumulative = int(
            tally(AWARE_CHILDREN, window=Window(START, SEMESTERS[-1].end), today=TODAY, grouping="programme")[
                None
            ].value
        )
        assert max(per_period) <= cumulative <= sum(per_period)
        by_country = tally(AWARE_CHILDREN, window=Window(START, SEMESTERS[-1].end), today=TODAY, grouping="country")
        assert cumulative <= sum(result.value for result in by_country.values())
        transaction.set_rollback(True)  # each generated world starts empty


@HYPOTHESIS
@given(rows=attendances)
def test_disaggregation_cells_add_up_to_the_total(rows, programme, role_users, organisations) -> None:
    partners = [organisations.partners["NP"], organisations.partners["TH"]]
    with transaction.atomic():
        build(rows, role_users.me_officer, partners)
        for grouping in ("programme", "country"):
            for window in (Window(s.start, s.end) for s in SEMESTERS):
                plain = tally(AWARE_CHILDREN, window=window, today=TODAY, grouping=grouping)
                split = tally(AWARE_CHILDREN, window=window, today=TODAY, grouping=grouping, disaggregate=True)
                for key, result in split.items():
                    assert sum(result.cells.values()) == result.value == plain[key].value
        transaction.set_rollback(True)  # each generated world starts empty


@HYPOTHESIS
@given(rows=attendances)
def test_a_percentage_rolls_up_by_summing_numerators_and_denominators(
    rows, programme, role_users, organisations
) -> None:
    partners = [organisations.partners["NP"], organisations.partners["TH"]]
    with transaction.atomic():
        build(rows, role_users.me_officer, partners, make_service=True)
        window = Window(START, SEMESTERS[-1].end)
        countries = tally(LEGAL_SHARE, window=window, today=TODAY, grouping="country")
        programme_share = tally(LEGAL_SHARE, window=window, today=TODAY, grouping="programme")[None]
        # Each person belongs to one partner here, so the parts add up exactly.
        assert programme_share.numerator == sum(result.numerator for result in countries.values())
        assert programme_share.denominator == sum(result.denominator for result in countries.values())
        if programme_share.denominator:
            expected = programme_share.numerator * 100 / programme_share.denominator
            assert abs(programme_share.value - expected) < 0.1
        transaction.set_rollback(True)  # each generated world starts empty
