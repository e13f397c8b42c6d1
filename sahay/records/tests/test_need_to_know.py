"""Need-to-know on people: exact birth dates are identity, reads of names are audited, other organisations'
people are counts (issue 15, items 3, 9 and 10)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from sahay.audit.models import AuditEntry
from sahay.cases.models import Case
from sahay.cases.services.cases import NewChild, case_register
from sahay.records.models import Person
from sahay.records.services import Attendance, activity_save, participations_record, person_save

pytestmark = pytest.mark.django_db

BORN = date(2006, 5, 17)
SPELLINGS = ("2006-05-17", "17/05/2006", "05/17/2006", "May 17, 2006", "17 May 2006")
CHILD_NAME = "Synthetic Childname Kanya"
ADULT_NAME = "Synthetic Adultname Somchai"


@pytest.fixture
def case_child(organisations, make_user) -> Person:
    """A child with an open case of the Thai partner, with an exact date of birth."""
    thai = organisations.partners["TH"]
    worker = make_user("case_worker", organisation=thai, username="worker-th")
    case = case_register(
        registered_by=worker,
        organisation=thai,
        intake=Case.Intake.HOTLINE,
        exploitation=Case.Exploitation.ONLINE_ABUSE,
        opened_on=date(2017, 2, 1),
        child_role="victim",
        case_worker=worker,
        new_child=NewChild(code="TH-CASE-1", sex="female", birth_date=BORN, name=CHILD_NAME),
    )
    return case.person


def shows_the_date(content: bytes) -> bool:
    text = content.decode()
    return any(spelling in text for spelling in SPELLINGS)


def api_person(client, person: Person) -> dict:
    answer = client.get("/api/people/", {"page_size": 500})
    assert answer.status_code == 200
    return next(row for row in answer.json()["results"] if row["public_id"] == person.public_id)


# --- Item 3: a birth date is identity ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["partner_staff", "thai_coordinator"])
def test_programme_staff_get_a_case_childs_birth_year_never_the_date(
    role, case_child, role_users, make_user, client_for
) -> None:
    user = (
        role_users.partner_staff
        if role == "partner_staff"
        else make_user("country_coordinator", country="TH", username="coordinator-th")
    )
    client = client_for(user)
    row = api_person(client, case_child)
    assert row["birth_date"] is None
    assert row["birth_year"] == 2006
    page = client.get(reverse("person_edit", args=[case_child.public_id]))
    assert page.status_code == 200
    assert not shows_the_date(page.content)
    assert "2006" in page.content.decode()
    listed = client.get(reverse("person_list"))
    assert not shows_the_date(listed.content)


def test_the_serving_organisation_still_sees_the_exact_date_of_someone_without_a_case(
    organisations, role_users, client_for
) -> None:
    adult = person_save(
        saved_by=role_users.partner_staff,
        organisation=organisations.partners["TH"],
        code="TH-ADULT",
        sex="male",
        birth_date=BORN,
    )
    client = client_for(role_users.partner_staff)
    assert api_person(client, adult)["birth_date"] == "2006-05-17"
    assert shows_the_date(client.get(reverse("person_edit", args=[adult.public_id])).content)


def test_a_hidden_birth_date_is_kept_when_not_given_and_corrected_only_by_the_cases_staff(
    case_child, role_users, client_for
) -> None:
    client = client_for(role_users.partner_staff)
    row = api_person(client, case_child)
    # A client that puts back what it read keeps the date it was not shown.
    answer = client.put(
        f"/api/people/{case_child.public_id}/",
        {key: row[key] for key in ("organisation", "code", "sex", "birth_date", "country")},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["birth_date"] is None
    case_child.refresh_from_db()
    assert case_child.birth_date == BORN
    corrected = client.patch(
        f"/api/people/{case_child.public_id}/", {"birth_date": "2006-06-01"}, content_type="application/json"
    )
    # A correction is a write that reaches the case's child: only those who may change the case make it.
    assert corrected.status_code == 400
    assert "child of a case you may not change" in corrected.content.decode()
    case_child.refresh_from_db()
    assert case_child.birth_date == BORN
    # ... and on the person page, a save without a date keeps it too.
    saved = client.post(
        reverse("person_edit", args=[case_child.public_id]),
        {
            "save_person": "1",
            "organisation": case_child.organisation_id,
            "code": case_child.code,
            "sex": case_child.sex,
            "birth_date": "",
        },
    )
    assert saved.status_code == 302
    case_child.refresh_from_db()
    assert case_child.birth_date == BORN


# --- Item 9: reads of names are audited --------------------------------------------------------------------


def reads_since(position: int) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(position__gt=position, target_kind__in=["person", "people"]))


def last_position() -> int:
    return AuditEntry.objects.order_by("-position").values_list("position", flat=True).first() or 0


def test_a_person_page_with_a_name_writes_one_audit_entry_without_the_name(
    organisations, role_users, client_for
) -> None:
    person = person_save(
        saved_by=role_users.partner_staff,
        organisation=organisations.partners["TH"],
        code="TH-NAMED",
        sex="female",
        name=ADULT_NAME,
    )
    before = last_position()
    page = client_for(role_users.partner_staff).get(reverse("person_edit", args=[person.public_id]))
    assert ADULT_NAME in page.content.decode()
    entries = reads_since(before)
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.actor, entry.target_id, entry.organisation) == (
        role_users.partner_staff,
        person.public_id,
        organisations.partners["TH"],
    )
    assert ADULT_NAME not in repr(entry.detail) + entry.target_label + entry.reason
    assert "TH-NAMED" not in repr(entry.detail) + entry.target_label


def test_the_people_list_and_the_duplicates_page_write_one_entry_each_by_opaque_ids(
    organisations, role_users, client_for
) -> None:
    thai = organisations.partners["TH"]
    first = person_save(
        saved_by=role_users.partner_staff,
        organisation=thai,
        code="TH-D1",
        sex="female",
        name=ADULT_NAME,
        birth_date=BORN,
    )
    second = person_save(
        saved_by=role_users.partner_staff,
        organisation=thai,
        code="TH-D2",
        sex="female",
        name=ADULT_NAME,
        birth_date=BORN,
    )
    client = client_for(role_users.partner_staff)
    for url in (reverse("person_list"), reverse("duplicate_list")):
        before = last_position()
        page = client.get(url)
        assert page.status_code == 200
        entries = reads_since(before)
        assert len(entries) == 1, url
        ids = set(entries[0].detail.get("people", []))
        assert {first.public_id, second.public_id} <= ids, url
        text = repr(entries[0].detail) + entries[0].target_label
        assert ADULT_NAME not in text and "TH-D1" not in text


# --- Item 10: other organisations' people are counts -------------------------------------------------------


@pytest.fixture
def mixed_session(programme, organisations, role_users):
    """A Thai partner's awareness session that a child of the second Thai partner also attended."""
    recorder = role_users.me_officer
    thai, other = organisations.partners["TH"], organisations.partners["TH2"]
    own = person_save(saved_by=recorder, organisation=thai, code="TH-OWN-1", sex="female", birth_date=date(2008, 1, 1))
    foreign = person_save(
        saved_by=recorder, organisation=other, code="TH2-FOREIGN-1", sex="male", birth_date=date(2008, 1, 1)
    )
    activity = activity_save(
        saved_by=recorder, organisation=thai, kind="awareness_session", title="Session", date=date(2017, 3, 1)
    )
    participations_record(saved_by=recorder, activity=activity, attendances=[Attendance(own), Attendance(foreign)])
    return activity, own, foreign


def test_a_partner_sees_another_organisations_participants_as_a_count(mixed_session, role_users, client_for) -> None:
    activity, own, foreign = mixed_session
    client = client_for(role_users.partner_staff)
    page = client.get(reverse("activity_participants", args=[activity.public_id])).content.decode()
    assert own.code in page
    assert foreign.code not in page and foreign.public_id not in page
    assert "1 participant of another organisation" in page
    drill = client.get(reverse("figure_records", args=["PREV-1"]), {"country": "TH", "period": "2017-H1"})
    assert drill.status_code == 200
    text = drill.content.decode()
    assert own.code in text
    assert foreign.code not in text and foreign.public_id not in text
    assert "1 record of another organisation" in text
    export = client.get(reverse("export_records", args=["participations"]), {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert [row["person code"] for row in rows] == [own.code]
