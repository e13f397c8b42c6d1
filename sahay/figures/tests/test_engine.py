"""Each counting convention of programme.md on small hand-computed cases, through the real services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from sahay.accounts.models import ScopeKind
from sahay.accounts.scope import Scope
from sahay.core.periods import Period
from sahay.figures.engine.counting import Window, tally
from sahay.figures.engine.rules import CountingRule, RuleError
from sahay.figures.sources import FigureSources
from sahay.frameworks.models import Indicator
from sahay.records.services import (
    Attendance,
    RoleSpec,
    activity_save,
    participations_record,
    person_save,
    service_save,
    tracked_item_save,
    tracked_item_status_set,
)

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 28)


class World:
    """A tiny programme world, written through the services as a partner would."""

    def __init__(self, recorder, organisations) -> None:
        self.recorder = recorder
        self.np = organisations.partners["NP"]
        self.th = organisations.partners["TH"]
        self.codes = iter(range(1, 10_000))

    def person(
        self,
        *,
        born: date | None = None,
        estimated_year: int | None = None,
        sex: str = "female",
        roles: list[RoleSpec] | None = None,
        organisation=None,
    ):
        return person_save(
            saved_by=self.recorder,
            organisation=organisation or self.np,
            code=f"P{next(self.codes)}",
            sex=sex,
            birth_date=born,
            birth_year_estimated=estimated_year,
            roles=roles or [],
        )

    def activity(
        self,
        kind: str,
        on: date,
        *,
        topic: str = "",
        campaign: str = "",
        organisation=None,
        people=(),
        completed: bool = False,
    ):
        activity = activity_save(
            saved_by=self.recorder,
            organisation=organisation or self.np,
            kind=kind,
            title=kind,
            date=on,
            training_topic=topic,
            campaign_kind=campaign,
        )
        if people:
            participations_record(
                saved_by=self.recorder,
                activity=activity,
                attendances=[Attendance(person, completed=completed) for person in people],
            )
        return activity

    def service(self, person, kind: str, start: date, end: date | None = None, *, organisation=None, detail: str = ""):
        return service_save(
            saved_by=self.recorder,
            organisation=organisation or self.np,
            kind=kind,
            start=start,
            end=end,
            person=person,
            education_support=detail,
        )


def figure(
    code: str,
    period: str,
    *,
    cumulative: bool = False,
    grouping: str = "programme",
    key=None,
    disaggregate: bool = False,
):
    indicator = Indicator.objects.get(code=code)
    programme = indicator.programme
    chosen = Period.parse(period)
    window = Window(programme.start if cumulative else chosen.start, chosen.end)
    results = tally(
        CountingRule.parse(indicator.counting_rule),
        window=window,
        today=TODAY,
        grouping=grouping,
        disaggregate=disaggregate,
    )
    if disaggregate:
        return results.get(key)
    result = results.get(key)
    return int(result.value) if result and result.value is not None else 0


def child(world: World, **kwargs):
    return world.person(born=date(2008, 5, 1), roles=[RoleSpec("at_risk_child", date(2016, 1, 1))], **kwargs)


def test_an_event_counts_in_the_period_of_its_date(world) -> None:
    for day in (date(2017, 2, 1), date(2017, 6, 30), date(2017, 7, 1)):
        world.activity("community_meeting", day)
    assert (figure("OUT-1", "2017-H1"), figure("OUT-1", "2017-H2"), figure("OUT-1", "2017")) == (2, 1, 3)
    assert figure("OUT-1", "2017-Q3") == 1 and figure("OUT-1", "2017-06") == 1
    assert figure("OUT-1", "2017-H2", cumulative=True) == 3


def test_a_range_counts_in_every_period_it_overlaps_and_an_open_one_runs_to_today(world) -> None:
    victim = world.person(born=date(2005, 1, 1), roles=[RoleSpec("victim", date(2017, 3, 1))])
    world.service(victim, "legal_aid", date(2017, 5, 1))  # open: still going on
    closed = world.person(born=date(2005, 1, 1), roles=[RoleSpec("victim", date(2017, 3, 1))])
    world.service(closed, "legal_aid", date(2017, 5, 1), date(2017, 8, 15))
    assert [figure("JUST-1", period) for period in ("2017-H1", "2017-H2", "2018-H1", "2019-H2")] == [2, 2, 1, 1]
    assert figure("JUST-1", "2019-H2", cumulative=True) == 2


def test_a_cumulative_figure_counts_each_child_once_since_the_start(world) -> None:
    twice, once = child(world), child(world)
    world.activity("awareness_session", date(2017, 3, 1), people=[twice, once])
    world.activity("awareness_session", date(2017, 3, 8), people=[twice])  # repeat attendance
    world.activity("awareness_session", date(2017, 9, 1), people=[twice])
    assert (figure("PREV-1", "2017-H1"), figure("PREV-1", "2017-H2")) == (2, 1)
    assert figure("PREV-1", "2017-H2", cumulative=True) == 2  # not 2 + 1


def test_age_is_taken_on_the_events_date(world) -> None:
    turning = world.person(born=date(2000, 1, 20))
    world.activity("awareness_session", date(2017, 9, 12), people=[turning])  # 17
    world.activity("awareness_session", date(2018, 3, 6), people=[turning])  # 18
    assert (figure("PREV-1", "2017-H2"), figure("PREV-2", "2017-H2")) == (1, 0)
    assert (figure("PREV-1", "2018-H1"), figure("PREV-2", "2018-H1")) == (0, 1)
    assert (figure("PREV-1", "2018-H1", cumulative=True), figure("PREV-2", "2018-H1", cumulative=True)) == (1, 1)


def test_an_estimated_birth_year_means_the_first_of_july(world) -> None:
    estimated = world.person(estimated_year=2000)
    world.activity("awareness_session", date(2018, 6, 30), people=[estimated])
    world.activity("awareness_session", date(2018, 7, 1), people=[estimated])
    assert (figure("PREV-1", "2018-06"), figure("PREV-2", "2018-06")) == (1, 0)
    assert (figure("PREV-1", "2018-07"), figure("PREV-2", "2018-07")) == (0, 1)


def test_roles_are_those_held_on_the_events_date(world) -> None:
    becomes_victim = world.person(
        born=date(2006, 4, 4),
        roles=[
            RoleSpec("at_risk_child", date(2016, 1, 1), end=date(2018, 2, 13)),
            RoleSpec("victim", date(2018, 2, 14)),
        ],
    )
    world.service(becomes_victim, "legal_aid", date(2018, 1, 10), date(2018, 1, 30))  # before: not yet a victim
    assert figure("JUST-1", "2018-H1") == 0
    world.service(becomes_victim, "shelter", date(2018, 2, 20), date(2018, 3, 20))
    assert figure("OUT-6", "2018-H1") == 1
    world.service(becomes_victim, "education_support", date(2017, 9, 1), date(2017, 12, 1), detail="fees")
    assert (figure("PREV-3", "2017-H2"), figure("CARE-2", "2017-H2")) == (1, 0)


def test_a_status_counts_once_when_first_reached_or_passed(world) -> None:
    recorded_when_charged = tracked_item_save(
        saved_by=world.recorder, organisation=world.np, kind="offender", title="A"
    )
    tracked_item_status_set(
        saved_by=world.recorder, item=recorded_when_charged, status="charged", reached_on=date(2017, 8, 1)
    )
    followed = tracked_item_save(saved_by=world.recorder, organisation=world.np, kind="offender", title="B")
    for status, day in [
        ("reported", date(2017, 3, 1)),
        ("arrested", date(2018, 2, 1)),
        ("convicted", date(2018, 10, 1)),
    ]:
        tracked_item_status_set(saved_by=world.recorder, item=followed, status=status, reached_on=day)
    assert [figure("JUST-3", period) for period in ("2017-H1", "2017-H2", "2018-H1", "2018-H2")] == [0, 1, 1, 0]
    assert figure("JUST-3", "2018-H2", cumulative=True) == 2


def test_offender_detection_needs_completion_and_the_profession_any_training_counts_for_out9(world) -> None:
    police = world.person(
        born=date(1980, 1, 1), roles=[RoleSpec("professional", date(2010, 1, 1), profession="police")]
    )
    judge = world.person(born=date(1970, 1, 1), roles=[RoleSpec("professional", date(2010, 1, 1), profession="judge")])
    social = world.person(
        born=date(1985, 1, 1), roles=[RoleSpec("professional", date(2010, 1, 1), profession="social_worker")]
    )
    world.activity("training", date(2017, 4, 1), topic="offender_detection", people=[police, social], completed=True)
    world.activity("training", date(2017, 4, 2), topic="offender_detection", people=[judge])  # not completed
    world.activity("training", date(2017, 5, 2), topic="reporting_press", people=[judge], completed=True)
    assert figure("JUST-2", "2017-H1") == 1
    assert figure("OUT-9", "2017-H1") == 2


def test_awareness_includes_trainings_on_recognising_exploitation_but_not_other_topics(world) -> None:
    trained, other = child(world), child(world)
    world.activity("training", date(2017, 4, 1), topic="recognising_exploitation", people=[trained])
    world.activity("training", date(2017, 4, 1), topic="child_friendly_treatment", people=[other])
    assert (figure("PREV-1", "2017-H1"), figure("OUT-2", "2017-H1")) == (1, 1)


def test_cells_split_on_the_first_qualifying_event_add_up_to_the_total(world) -> None:
    girl = world.person(born=date(2005, 8, 1), sex="female")  # 11 in March 2017, 12 in September 2017
    boy = world.person(born=date(2003, 1, 1), sex="male")
    unknown = world.person(sex="unknown")
    world.activity("awareness_session", date(2017, 3, 1), people=[girl])
    world.activity("awareness_session", date(2017, 9, 1), people=[girl, boy, unknown])
    result = figure("PREV-1", "2017", disaggregate=True)
    assert result.value == 2  # the unknown-age person is not known to be a child
    assert result.cells == {"sex:female|age_band:0-11": 1, "sex:male|age_band:12-17": 1}
    adults = figure("PREV-2", "2017", disaggregate=True)
    assert adults is None or adults.value == 0
    second_half = figure("PREV-1", "2017-H2", disaggregate=True)
    assert second_half.cells == {"sex:female|age_band:12-17": 1, "sex:male|age_band:12-17": 1}


def test_someone_served_in_two_countries_counts_once_for_the_programme(world, role_users) -> None:
    victim = world.person(born=date(2004, 1, 1), roles=[RoleSpec("victim", date(2017, 1, 5))])
    world.service(victim, "legal_aid", date(2017, 2, 1), date(2017, 3, 1))
    world.service(victim, "legal_aid", date(2017, 4, 1), date(2017, 5, 1), organisation=world.th)
    by_country = tally(
        CountingRule.parse(Indicator.objects.get(code="JUST-1").counting_rule),
        window=Window(date(2017, 1, 1), date(2017, 6, 30)),
        today=TODAY,
        grouping="country",
    )
    assert sorted(int(result.value) for result in by_country.values()) == [1, 1]
    assert figure("JUST-1", "2017-H1") == 1
    sources = FigureSources(
        scope=Scope(ScopeKind.ALL),
        programme=Indicator.objects.get(code="JUST-1").programme,
        period=Period.parse("2017-H1"),
        cumulative=False,
    )
    indicator = Indicator.objects.get(code="JUST-1")
    values = sources.values(indicator, list(indicator.programme.countries.all()), with_total=True)
    assert values.countries_overlap


def test_schools_count_once_however_often_they_are_visited(world, organisations) -> None:
    from sahay.records.services import external_organisation_save

    schools = [
        external_organisation_save(saved_by=world.recorder, recorded_by=world.np, name=f"School {n}", kind="school")
        for n in range(3)
    ]
    for school in (*schools, schools[0]):
        activity = world.activity("school_outreach", date(2017, 5, 1))
        activity.reached_organisations.add(school)
    assert figure("OUT-8", "2017-H1") == 3


def test_a_percentage_rolls_up_from_its_parts_not_from_averages(world) -> None:
    rule = CountingRule.parse(
        {
            "count": "percentage",
            "numerator": {"count": "unique_people", "from": "services", "where": {"service_kind": ["legal_aid"]}},
            "denominator": {"count": "unique_people", "from": "services"},
        }
    )
    for organisation, helped, total in ((world.np, 1, 4), (world.th, 3, 4)):
        for index in range(total):
            person = world.person(born=date(2004, 1, 1), organisation=organisation)
            world.service(
                person, "legal_aid" if index < helped else "medical", date(2017, 2, 1), organisation=organisation
            )
    window = Window(date(2017, 1, 1), date(2017, 6, 30))
    per_country = tally(rule, window=window, today=TODAY, grouping="country")
    assert sorted(result.value for result in per_country.values()) == [Decimal("25.0"), Decimal("75.0")]
    programme = tally(rule, window=window, today=TODAY, grouping="programme")[None]
    assert (programme.numerator, programme.denominator, programme.value) == (4, 8, Decimal("50.0"))


def test_a_rule_the_engine_cannot_read_is_refused_with_its_location() -> None:
    with pytest.raises(RuleError) as error:
        CountingRule.parse({"count": "unique_people", "from": "services", "where": {"colour": "red"}}, "rule")
    assert error.value.location == "rule.where.colour"
    with pytest.raises(RuleError, match="age bounds"):
        CountingRule.parse(
            {"count": "unique_people", "from": "participations", "where": {"age_on_date": {"under": 15}}}
        )


def test_the_dashboard_shows_record_figures_and_says_when_countries_overlap(world, role_users, client_for) -> None:
    victim = world.person(born=date(2004, 1, 1), roles=[RoleSpec("victim", date(2017, 1, 5))])
    world.service(victim, "legal_aid", date(2017, 2, 1), date(2017, 3, 1))
    world.service(victim, "legal_aid", date(2017, 4, 1), date(2017, 5, 1), organisation=world.th)
    page = client_for(role_users.programme_manager).get(reverse("dashboard"), {"period": "2017-H1"}).content.decode()
    assert "served in more than one country" in page


@pytest.mark.parametrize(
    ("rule", "location", "problem"),
    [
        (
            {"count": "unique_people", "from": "participations", "where": {"activity_kind": "awarenes"}},
            "rule.where.activity_kind",
            "“awarenes” is not one of",
        ),
        (
            {"count": "unique_people", "from": "participations", "where": {"completed": "false"}},
            "rule.where.completed",
            "true or false",
        ),
        (
            {"count": "items", "from": "offenders", "where": {"status_reached": "jailed"}},
            "rule.where.status_reached",
            "not a status of offenders",
        ),
        ({"count": "items", "from": "curricula"}, "rule.where", "give status_reached"),
    ],
)
def test_a_misspelt_rule_value_is_refused_at_load_time(rule, location, problem) -> None:
    with pytest.raises(RuleError) as error:
        CountingRule.parse(rule, "rule")
    assert error.value.location == location and problem in error.value.problem


def test_age_and_roles_of_a_running_service_are_those_inside_the_window(world) -> None:
    # Education support since 2017, still going on: at 18 the person is no longer counted as a child.
    turning = world.person(born=date(2000, 3, 1))
    world.service(turning, "education_support", date(2017, 1, 10), detail="fees")
    assert (figure("OUT-3", "2017-H1"), figure("OUT-3", "2018-H2")) == (1, 0)
    # Legal aid from before the child was known as a victim counts once they are one.
    victim = world.person(born=date(2005, 1, 1), roles=[RoleSpec("victim", date(2018, 2, 1))])
    world.service(victim, "legal_aid", date(2018, 1, 15), date(2018, 12, 31))
    assert (figure("JUST-1", "2018-H1"), figure("JUST-1", "2018-H2")) == (0, 1)


def test_an_acquittal_is_not_a_conviction_but_both_follow_an_arrest(world) -> None:
    from sahay.records.models import TrackedItem

    assert TrackedItem.statuses_from("offender", "convicted") == ["convicted"]
    assert TrackedItem.statuses_from("offender", "charged") == ["charged", "convicted", "acquitted"]
    acquitted = tracked_item_save(saved_by=world.recorder, organisation=world.np, kind="offender", title="C")
    tracked_item_status_set(saved_by=world.recorder, item=acquitted, status="acquitted", reached_on=date(2017, 4, 1))
    assert figure("JUST-3", "2017-H1") == 1


def test_a_cooperation_that_ended_without_being_marked_active_still_counted_once(world, organisations) -> None:
    from sahay.records.services import external_organisation_save

    company = external_organisation_save(
        saved_by=world.recorder, recorded_by=world.np, name="Hotel", kind="company", sector="hospitality"
    )
    item = tracked_item_save(
        saved_by=world.recorder, organisation=world.np, kind="cooperation", title="Hotel code", company=company
    )
    for status, day in [("committed", date(2017, 2, 1)), ("ended", date(2017, 9, 1))]:
        tracked_item_status_set(saved_by=world.recorder, item=item, status=status, reached_on=day)
    assert (figure("ADV-1", "2017-H1"), figure("ADV-1", "2017-H2"), figure("ADV-1", "2018-H1")) == (0, 1, 0)


def test_reach_is_shown_beside_an_indicator_that_accepts_it_never_added(world) -> None:
    from sahay.accounts.models import ScopeKind
    from sahay.accounts.scope import Scope
    from sahay.figures.sources import figure_breakdown
    from sahay.records.services import reach_save

    indicator = Indicator.objects.get(code="PREV-2")
    indicator.counting_rule = {**indicator.counting_rule, "accepts_reach": True}
    indicator.save()
    adult = world.person(born=date(1980, 1, 1))
    world.activity("awareness_session", date(2017, 3, 1), people=[adult])
    radio = world.activity("campaign", date(2017, 4, 1), campaign="media")
    reach_save(saved_by=world.recorder, activity=radio, audience="adults", estimate=5000)
    breakdown = figure_breakdown(
        scope=Scope(ScopeKind.ALL), indicator=indicator, period=Period.parse("2017-H1"), cumulative=False, country=None
    )
    assert (breakdown.total.value, breakdown.reach) == (1, 5000)
    assert figure("PREV-2", "2017-H1") == 1


def test_scoped_users_count_only_records_in_their_scope(world, role_users, client_for) -> None:
    for organisation, count in ((world.np, 3), (world.th, 7)):
        people = [world.person(born=date(2009, 1, 1), organisation=organisation) for _ in range(count)]
        world.activity("awareness_session", date(2017, 3, 1), organisation=organisation, people=people)

    def prev1(user):
        response = client_for(user).get(reverse("dashboard"), {"period": "2017-H1"})
        row = next(
            row
            for group in response.context["table"].strategies
            for row in group.rows
            if row.indicator.code == "PREV-1"
        )
        return {code: int(figure.value) for code, figure in row.by_country.items()}, row.total

    assert prev1(role_users.country_coordinator) == ({"NP": 3}, None)
    assert prev1(role_users.partner_staff) == ({"TH": 7}, None)  # the Thai partner's own records
    by_country, total = prev1(role_users.programme_manager)
    assert (by_country["NP"], by_country["TH"], int(total.value)) == (3, 7, 10)
