"""Recording what the programme does: entry checks, one-screen sessions, duplicates, names kept back."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from sahay.records.models import Participation, Person
from sahay.records.services import (
    Attendance,
    activity_save,
    participations_record,
    person_save,
    service_save,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def nepal(organisations):
    return organisations.partners["NP"]


@pytest.fixture
def nepal_staff(make_user, nepal):
    return make_user("partner_staff", organisation=nepal, username="staff-np")


def session(user, organisation, on=date(2017, 3, 1)):
    return activity_save(saved_by=user, organisation=organisation, kind="awareness_session", title="Session", date=on)


def test_a_service_before_birth_or_in_the_future_is_refused(programme, nepal_staff, nepal) -> None:
    child = person_save(saved_by=nepal_staff, organisation=nepal, code="C1", sex="female", birth_date=date(2010, 5, 1))
    with pytest.raises(ValidationError) as error:
        service_save(saved_by=nepal_staff, organisation=nepal, kind="medical", start=date(2010, 1, 1), person=child)
    assert "before C1 was born" in error.value.message_dict["start"][0]
    with pytest.raises(ValidationError) as error:
        service_save(
            saved_by=nepal_staff,
            organisation=nepal,
            kind="medical",
            person=child,
            start=timezone.localdate() + timedelta(days=3),
        )
    assert "in the future" in error.value.message_dict["start"][0]


def test_the_same_person_twice_in_one_activity_is_refused_and_nothing_is_written(programme, nepal_staff, nepal) -> None:
    child = person_save(saved_by=nepal_staff, organisation=nepal, code="C1", sex="female", birth_date=date(2010, 5, 1))
    other = person_save(saved_by=nepal_staff, organisation=nepal, code="C2", sex="male", birth_date=date(2010, 5, 1))
    activity = session(nepal_staff, nepal)
    with pytest.raises(ValidationError, match="C1 is already in this activity"):
        participations_record(
            saved_by=nepal_staff,
            activity=activity,
            attendances=[Attendance(child), Attendance(other), Attendance(child)],
        )
    assert not Participation.objects.exists()


def test_partners_record_only_for_their_own_organisation(programme, nepal_staff, organisations) -> None:
    with pytest.raises(PermissionDenied):
        person_save(saved_by=nepal_staff, organisation=organisations.partners["TH"], code="X", sex="male")


def test_a_session_of_known_and_new_people_is_recorded_in_one_screen(programme, nepal_staff, nepal, client_for) -> None:
    known = [
        person_save(
            saved_by=nepal_staff, organisation=nepal, code=f"K{n}", sex="female", birth_date=date(2009, 1, n + 1)
        )
        for n in range(3)
    ]
    activity = session(nepal_staff, nepal)
    client = client_for(nepal_staff)
    url = reverse("activity_participants", args=[activity.public_id])
    response = client.post(
        url,
        {
            "codes": "K0, K1\nK2",
            "new-TOTAL_FORMS": "2",
            "new-INITIAL_FORMS": "0",
            "new-0-code": "N1",
            "new-0-sex": "male",
            "new-0-birth_year_estimated": "2011",
            "new-0-role": "at_risk_child",
            "new-1-code": "",
            "new-1-sex": "unknown",
        },
    )
    assert response.status_code == 302
    assert sorted(activity.participations.values_list("person__code", flat=True)) == ["K0", "K1", "K2", "N1"]
    newcomer = Person.objects.get(code="N1")
    assert newcomer.roles.get().role == "at_risk_child" and newcomer.turns_18_on == date(2029, 7, 1)
    assert len(known) == 3


def test_a_new_person_like_someone_recorded_is_held_back_until_confirmed(
    programme, nepal_staff, nepal, client_for
) -> None:
    person_save(saved_by=nepal_staff, organisation=nepal, code="A-17", sex="female", birth_date=date(2009, 4, 2))
    activity = session(nepal_staff, nepal)
    client = client_for(nepal_staff)
    url = reverse("activity_participants", args=[activity.public_id])
    row = {
        "new-TOTAL_FORMS": "1",
        "new-INITIAL_FORMS": "0",
        "new-0-code": "A-99",
        "new-0-sex": "female",
        "new-0-birth_date": "2009-04-20",
        "codes": "",
    }
    page = client.post(url, row).content.decode()
    assert "may already be recorded" in page and "A-17" in page
    assert 'value="A-99"' in page  # what was typed is kept
    assert not activity.participations.exists()
    assert client.post(url, {**row, "new-0-create_anyway": "on"}).status_code == 302
    assert activity.participations.get().person.code == "A-99"


def test_an_unknown_code_is_named_and_nothing_is_recorded(programme, nepal_staff, nepal, client_for) -> None:
    activity = session(nepal_staff, nepal)
    page = (
        client_for(nepal_staff)
        .post(
            reverse("activity_participants", args=[activity.public_id]),
            {
                "codes": "NOPE-1",
                "new-TOTAL_FORMS": "0",
                "new-INITIAL_FORMS": "0",
            },
        )
        .content.decode()
    )
    assert "No person with code NOPE-1" in page
    assert not activity.participations.exists()


def test_names_stay_with_the_organisation_that_serves_the_person(
    programme, nepal_staff, nepal, role_users, client_for
) -> None:
    person = person_save(saved_by=nepal_staff, organisation=nepal, code="S-1", sex="female", name="Sunita Synthetic")
    assert Person.objects.filter(name="Sunita Synthetic").count() == 0  # encrypted: not searchable as plain text
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM records_person WHERE id = %s", [person.pk])
        stored = cursor.fetchone()[0]
    assert "Sunita" not in stored
    own = client_for(nepal_staff).get(reverse("person_edit", args=[person.public_id])).content.decode()
    assert "Sunita Synthetic" in own
    coordinator = client_for(role_users.country_coordinator)
    assert "Sunita" not in coordinator.get(reverse("person_edit", args=[person.public_id])).content.decode()
    for url in (reverse("person_list"), reverse("person_edit", args=[person.public_id])):
        assert "Sunita" not in url
    listing = client_for(nepal_staff).get(reverse("person_list")).content.decode()
    assert "S-1" in listing and "Sunita" not in listing


def test_a_date_outside_the_programme_is_accepted_but_flagged(programme, nepal_staff, nepal, client_for) -> None:
    response = client_for(nepal_staff).post(
        reverse("activity_create"),
        {
            "organisation": nepal.pk,
            "kind": "community_meeting",
            "title": "Early meeting",
            "date": "2016-11-02",
        },
        follow=True,
    )
    assert "lies outside the programme" in response.content.decode()


def test_the_drill_down_lists_codes_in_scope(programme, nepal_staff, nepal, role_users, client_for) -> None:
    child = person_save(
        saved_by=nepal_staff,
        organisation=nepal,
        code="D-1",
        sex="male",
        birth_date=date(2009, 1, 1),
        name="Hidden Name",
    )
    participations_record(saved_by=nepal_staff, activity=session(nepal_staff, nepal), attendances=[Attendance(child)])
    page = (
        client_for(role_users.programme_manager)
        .get(reverse("figure_records", args=["PREV-1"]), {"period": "2017-H1", "country": "NP"})
        .content.decode()
    )
    assert "D-1" in page and "Hidden Name" not in page
    assert "By sex and age band" in page and "Test Partner NP" in page  # split by sex, age band and organisation
    thai = client_for(role_users.partner_staff).get(
        reverse("figure_records", args=["PREV-1"]), {"period": "2017-H1", "country": "NP"}
    )
    assert thai.status_code == 404


def test_a_person_is_recorded_with_or_without_a_role(programme, nepal_staff, nepal, client_for) -> None:
    client = client_for(nepal_staff)
    base = {"organisation": nepal.pk, "sex": "female", "birth_year_estimated": "2010"}
    assert client.post(reverse("person_create"), {**base, "code": "R-0"}).status_code == 302
    assert not Person.objects.get(code="R-0").roles.exists()
    missing_start = client.post(reverse("person_create"), {**base, "code": "R-1", "role-role": "victim"})
    assert "Say from when" in missing_start.content.decode() and not Person.objects.filter(code="R-1").exists()
    client.post(reverse("person_create"), {**base, "code": "R-2", "role-role": "victim", "role-start": "2017-02-01"})
    assert Person.objects.get(code="R-2").roles.get().role == "victim"


def test_searching_by_code_keeps_the_code_out_of_every_url(programme, nepal_staff, nepal, client_for) -> None:
    for code in ("FIND-ME", "OTHER-1"):
        person_save(saved_by=nepal_staff, organisation=nepal, code=code, sex="male")
    client = client_for(nepal_staff)
    response = client.post(reverse("person_list"), {"q": "FIND"})
    assert response.status_code == 302 and "FIND" not in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "FIND-ME" in page and "OTHER-1" not in page
    cleared = client.get(reverse("person_list"), {"clear": "1"}, follow=True).content.decode()
    assert "FIND-ME" in cleared and "OTHER-1" in cleared


def test_people_from_recent_activities_are_picked_with_a_tick(programme, nepal_staff, nepal, client_for) -> None:
    regulars = [
        person_save(
            saved_by=nepal_staff, organisation=nepal, code=f"REG-{n}", sex="female", birth_date=date(2009, 1, 1)
        )
        for n in range(3)
    ]
    participations_record(
        saved_by=nepal_staff,
        activity=session(nepal_staff, nepal, date(2017, 3, 1)),
        attendances=[Attendance(person) for person in regulars],
    )
    today = session(nepal_staff, nepal, date(2017, 3, 8))
    url = reverse("activity_participants", args=[today.public_id])
    client = client_for(nepal_staff)
    assert "REG-2 (" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "picked": [regulars[0].public_id, regulars[2].public_id],
            "codes": "",
            "new-TOTAL_FORMS": "0",
            "new-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    assert sorted(today.participations.values_list("person__code", flat=True)) == ["REG-0", "REG-2"]


def test_editing_a_service_on_its_page_keeps_its_provider_and_outcome(programme, nepal_staff, nepal, client_for):
    """The page does not show these details (they may name people); saving it must not wipe them."""
    child = person_save(saved_by=nepal_staff, organisation=nepal, code="C1", sex="female", birth_date=date(2010, 5, 1))
    service = service_save(
        saved_by=nepal_staff,
        organisation=nepal,
        kind="medical",
        start=date(2017, 3, 1),
        person=child,
        provider="Synthetic clinic",
        outcome="Synthetic outcome",
    )
    response = client_for(nepal_staff).post(
        reverse("service_edit", args=[service.public_id]),
        {"organisation": nepal.pk, "kind": "medical", "person_code": "C1", "start": "2017-03-01", "end": "2017-03-05"},
    )
    assert response.status_code == 302
    service.refresh_from_db()
    assert (service.end, service.provider, service.outcome) == (
        date(2017, 3, 5),
        "Synthetic clinic",
        "Synthetic outcome",
    )
