"""A country's figures from draft to approved, the lock on approved periods, and corrections restated."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sahay.audit.models import AuditAction, AuditEntry
from sahay.core.models import Country
from sahay.records.models import Activity
from sahay.records.services import activity_save, service_save
from sahay.reports.freezing import live_report_data
from sahay.reports.models import Correction, PeriodReview
from sahay.reports.selectors import off_track_targets
from sahay.reports.services import review_approve, review_return, review_submit
from sahay.reports.tests.conftest import H1, H2, World

pytestmark = pytest.mark.django_db


def nepal() -> Country:
    return Country.objects.get(code="NP")


def test_a_period_goes_from_draft_to_submitted_to_returned_to_approved(world: World) -> None:
    coordinator, manager = world.users.country_coordinator, world.users.programme_manager
    off_track = off_track_targets(programme=world.programme, country=nepal(), period=H1)
    assert off_track, "with no records every target of Nepal is off track"
    with pytest.raises(ValidationError) as missing:
        review_submit(programme=world.programme, country=nepal(), period=H1, submitted_by=coordinator, explanations={})
    assert off_track[0].code in str(missing.value)
    assert not PeriodReview.objects.filter(status=PeriodReview.Status.SUBMITTED).exists()

    explanations = {indicator.code: "Partners started in June." for indicator in off_track}
    review = review_submit(
        programme=world.programme, country=nepal(), period=H1, submitted_by=coordinator, explanations=explanations
    )
    assert review.status == PeriodReview.Status.SUBMITTED
    with pytest.raises(ValidationError):
        review_return(review=review, returned_by=manager, comment="  ")
    review = review_return(review=review, returned_by=manager, comment="Check the meetings of May.")
    assert review.status == PeriodReview.Status.RETURNED
    review = review_submit(
        programme=world.programme, country=nepal(), period=H1, submitted_by=coordinator, explanations={}
    )  # explanations typed before are kept
    review = review_approve(review=review, approved_by=manager, explanations={})
    assert review.is_locked
    assert [step.status for step in review.steps.order_by("taken_at", "pk")] == [
        "submitted",
        "returned",
        "submitted",
        "approved",
    ]
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {AuditAction.PERIOD_SUBMITTED, AuditAction.PERIOD_RETURNED, AuditAction.PERIOD_APPROVED} <= actions


def test_only_the_right_roles_move_a_period(world: World, make_user) -> None:
    explanations = dict.fromkeys(world._target_codes(), "x")
    thai_coordinator = make_user("country_coordinator", country="TH")
    with pytest.raises(PermissionDenied):  # Nepal is not their country
        review_submit(
            programme=world.programme, country=nepal(), period=H1, submitted_by=thai_coordinator, explanations={}
        )
    with pytest.raises(PermissionDenied):  # a partner cannot submit a country's figures
        review_submit(
            programme=world.programme,
            country=Country.objects.get(code="TH"),
            period=H1,
            submitted_by=world.users.partner_staff,
            explanations=explanations,
        )
    review = review_submit(
        programme=world.programme,
        country=nepal(),
        period=H1,
        submitted_by=world.users.country_coordinator,
        explanations=explanations,
    )
    with pytest.raises(PermissionDenied):  # a coordinator does not approve
        review_approve(review=review, approved_by=world.users.country_coordinator, explanations={})
    assert PeriodReview.objects.get(pk=review.pk).status == PeriodReview.Status.SUBMITTED


def test_an_approved_period_asks_a_reason_for_a_change_and_keeps_it(world: World) -> None:
    [meeting] = world.meetings("NP", 1, date(2017, 3, 1))
    world.approve(H1, "NP")
    partner = world.organisations.partners["NP"]

    def move(reason: str = "") -> Activity:
        return activity_save(
            saved_by=world.recorder,
            organisation=partner,
            kind=Activity.Kind.COMMUNITY_MEETING,
            title="Meeting 0",
            date=date(2017, 8, 1),
            activity=meeting,
            correction_reason=reason,
        )

    with pytest.raises(ValidationError) as refused:
        move()
    assert "correction_reason" in refused.value.message_dict
    meeting.refresh_from_db()
    assert meeting.date == date(2017, 3, 1)
    assert not Correction.objects.exists()

    move("The meeting was held in August; the date was typed wrong.")
    correction = Correction.objects.get()
    assert correction.review.period_code == "2017-H1"
    assert correction.record_id == meeting.public_id
    entry = AuditEntry.objects.get(action=AuditAction.PERIOD_CORRECTED)
    assert entry.target_id == meeting.public_id
    # Thailand's 2017-H1 is not approved: nothing is asked there.
    world.meetings("TH", 1, date(2017, 3, 1))


def test_a_service_running_into_an_approved_period_needs_a_reason(world: World) -> None:
    world.approve(H1, "TH")
    world.victims_with_legal_aid("NP", 1, date(2017, 3, 1))  # another country: not locked
    with pytest.raises(ValidationError) as refused:
        service_save(
            saved_by=world.recorder,
            organisation=world.organisations.partners["TH"],
            kind="livelihood",
            start=date(2016, 11, 1),
            end=None,  # open: runs through the approved half year to today
            household=None,
            person=_any_thai_person(world),
        )
    assert "2017-H1" in refused.value.message_dict["correction_reason"][0]


def _any_thai_person(world: World):
    from sahay.records.services import person_save

    return person_save(
        saved_by=world.recorder, organisation=world.organisations.partners["TH"], code="TH-P1", sex="female"
    )


def test_a_correction_to_an_approved_period_is_restated_in_the_next_report(world: World) -> None:
    world.meetings("NP", 7, date(2017, 3, 1))
    world.approve(H1)
    world.issue(H1)
    meeting = Activity.objects.filter(country__code="NP").first()
    assert meeting is not None
    activity_save(
        saved_by=world.recorder,
        organisation=world.organisations.partners["NP"],
        kind=Activity.Kind.COMMUNITY_MEETING,
        title=meeting.title,
        date=date(2017, 8, 1),
        activity=meeting,
        correction_reason="Held in August, not March.",
    )
    data = live_report_data(programme=world.programme, country=None, period=H2)
    restated = {(item["indicator"], item["place"], item["window"]): item for item in data.restatements}
    nepal_meetings = restated[("OUT-1", "NP", "period")]
    assert (nepal_meetings["before"], nepal_meetings["after"]) == ("7", "6")
    assert nepal_meetings["reasons"] == ["Held in August, not March."]
    assert nepal_meetings["period"] == "2017-H1"


def test_moving_a_record_out_of_an_approved_country_needs_a_reason_too(world: World) -> None:
    [meeting] = world.meetings("NP", 1, date(2017, 3, 1))
    world.approve(H1, "NP")
    with pytest.raises(ValidationError) as refused:
        activity_save(
            saved_by=world.recorder,
            organisation=world.organisations.partners["TH"],  # Thailand's 2017-H1 is still open
            kind=Activity.Kind.COMMUNITY_MEETING,
            title="Meeting 0",
            date=date(2017, 3, 1),
            activity=meeting,
        )
    assert "correction_reason" in refused.value.message_dict
    meeting.refresh_from_db()
    assert meeting.country.code == "NP"


def test_a_status_date_or_a_reach_estimate_in_an_approved_period_needs_a_reason(world: World) -> None:
    from sahay.records.models import TrackedItem
    from sahay.records.services import reach_save, tracked_item_save, tracked_item_status_set

    partner = world.organisations.partners["NP"]
    item = tracked_item_save(saved_by=world.recorder, organisation=partner, kind="curriculum", title="Safe online")
    [meeting] = world.meetings("NP", 1, date(2017, 3, 1))
    world.approve(H1, "NP")
    with pytest.raises(ValidationError):
        tracked_item_status_set(saved_by=world.recorder, item=item, status="completed", reached_on=date(2017, 5, 1))
    with pytest.raises(ValidationError):
        reach_save(saved_by=world.recorder, activity=meeting, audience="children", estimate=300)
    tracked_item_status_set(
        saved_by=world.recorder,
        item=item,
        status="completed",
        reached_on=date(2017, 5, 1),
        correction_reason="The curriculum was finished in May; recorded late.",
    )
    assert TrackedItem.objects.get(pk=item.pk).statuses.filter(status="completed").exists()
    assert Correction.objects.filter(record_kind="curriculum_status").count() == 1


def test_changing_how_a_person_or_household_counts_in_an_approved_period_needs_a_reason(world: World) -> None:
    from sahay.records.models import Person
    from sahay.records.services import household_save, person_save

    world.victims_with_legal_aid("NP", 1, date(2017, 3, 1))
    person = Person.objects.get(code="V-NP-0")
    partner = world.organisations.partners["NP"]
    household = household_save(saved_by=world.recorder, organisation=partner, code="H-1", members=[person])
    world.approve(H1, "NP")

    with pytest.raises(ValidationError) as refused:
        person_save(saved_by=world.recorder, organisation=partner, code=person.code, sex="female", person=person)
    assert "correction_reason" in refused.value.message_dict
    person_save(
        saved_by=world.recorder,
        organisation=partner,
        code="V-NP-0b",
        sex=person.sex,
        birth_date=person.birth_date,
        person=person,
    )  # a new code changes no figure: nothing is asked
    person.refresh_from_db()
    person_save(
        saved_by=world.recorder,
        organisation=partner,
        code=person.code,
        sex="female",
        birth_date=person.birth_date,
        person=person,
        correction_reason="Sex was recorded wrongly at intake.",
    )
    assert Correction.objects.filter(record_kind="person").count() == 1
    # The household has no service of its own in the half year: its members can change freely.
    household_save(saved_by=world.recorder, organisation=partner, code="H-1", members=[], household=household)
