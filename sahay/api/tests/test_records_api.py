"""The records endpoints as another system uses them: scope, identity, all-or-nothing pushes, locks, bad input."""

from __future__ import annotations

from datetime import date

import pytest

from sahay.cases.models import Case
from sahay.cases.services.care import case_service_add
from sahay.cases.services.cases import NewChild, case_register
from sahay.records.models import (
    Activity,
    AggregateReach,
    ExternalOrganisation,
    Household,
    Participation,
    Person,
    Service,
)
from sahay.records.selectors import activity_list, person_list, service_list
from sahay.records.services import Attendance, activity_save, participations_record, person_save
from sahay.reports.models import PeriodReview

DAY = date(2017, 3, 1)
PEOPLE = "/api/people/"
ACTIVITIES = "/api/activities/"
PARTICIPATIONS = "/api/participations/"
BULK = "/api/participations/bulk/"
SERVICES = "/api/services/"
HOUSEHOLDS = "/api/households/"


@pytest.fixture
def thai_partner(organisations):
    return organisations.partners["TH"]


@pytest.fixture
def partner_app(token_client, role_users):
    """A Thai partner's own system, calling with its staff member's token."""
    return token_client(role_users.partner_staff)


def new_person(user, organisation, code: str, **extra) -> Person:
    return person_save(saved_by=user, organisation=organisation, code=code, sex="female", **extra)


def new_activity(user, organisation, **extra) -> Activity:
    values = {"kind": Activity.Kind.AWARENESS_SESSION, "title": "Session", "date": DAY} | extra
    return activity_save(saved_by=user, organisation=organisation, **values)


def test_a_partner_app_records_people_and_a_session_and_they_show_on_the_pages(
    partner_app, role_users, thai_partner
) -> None:
    made = []
    for code in ("TH-001", "TH-002", "TH-003"):
        answer = partner_app.post(
            PEOPLE,
            {
                "organisation": thai_partner.pk,
                "code": code,
                "sex": "female",
                "birth_year_estimated": 2009,
                "roles": [{"role": "at_risk_child", "start": "2017-01-01"}],
            },
            format="json",
        )
        assert answer.status_code == 201, answer.json()
        made.append(answer.json())
    assert made[0]["roles"] == [{"role": "at_risk_child", "profession": "", "start": "2017-01-01", "end": None}]
    assert made[0]["country"] == "TH"
    session = partner_app.post(
        ACTIVITIES,
        {"organisation": thai_partner.pk, "kind": "awareness_session", "title": "School session", "date": "2017-03-01"},
        format="json",
    )
    assert session.status_code == 201, session.json()
    assert session.json()["participant_count"] == 0

    pushed = partner_app.post(
        BULK,
        {
            "activity": session.json()["public_id"],
            "participants": [
                {"person": made[0]["public_id"]},
                {"person_code": "TH-002", "completed": True},
                {"person_code": "TH-003", "attended": False},
            ],
        },
        format="json",
    )

    assert pushed.status_code == 201, pushed.json()
    assert sorted(row["person_code"] for row in pushed.json()) == ["TH-001", "TH-002", "TH-003"]
    staff = role_users.partner_staff
    assert set(person_list(user=staff).values_list("code", flat=True)) >= {"TH-001", "TH-002", "TH-003"}
    assert activity_list(user=staff).get(public_id=session.json()["public_id"]).participant_count == 3
    listed = partner_app.get(PARTICIPATIONS, {"activity": session.json()["public_id"]}).json()
    assert listed["count"] == 3
    assert {(row["person_code"], row["attended"], row["completed"]) for row in listed["results"]} == {
        ("TH-001", True, False),
        ("TH-002", True, True),
        ("TH-003", False, False),
    }
    assert partner_app.get(f"{ACTIVITIES}{session.json()['public_id']}/").json()["participant_count"] == 3


def test_identity_is_accepted_kept_and_never_returned(partner_app, thai_partner) -> None:
    identity = {"name": "Somchai Example", "contact": "+66 555 0100", "address": "12 Example Road"}
    created = partner_app.post(
        PEOPLE, {"organisation": thai_partner.pk, "code": "TH-ID", "sex": "male", **identity}, format="json"
    )
    assert created.status_code == 201, created.json()
    public_id = created.json()["public_id"]

    changed = partner_app.patch(f"{PEOPLE}{public_id}/", {"sex": "female"}, format="json")

    assert changed.status_code == 200, changed.json()
    person = Person.objects.get(public_id=public_id)
    assert (person.name, person.contact, person.address, person.sex) == (*identity.values(), "female")
    for answer in (created, changed, partner_app.get(f"{PEOPLE}{public_id}/"), partner_app.get(PEOPLE)):
        text = answer.content.decode()
        assert not any(value in text for value in identity.values())
        assert '"name"' not in text and '"contact"' not in text and '"address"' not in text


def test_someone_who_may_not_see_an_identity_may_not_overwrite_it(token_client, role_users, thai_partner) -> None:
    person = new_person(role_users.partner_staff, thai_partner, "TH-HIDDEN", name="Kept Name")
    me_app = token_client(role_users.me_officer)  # sees every record, but no organisation's identities

    answer = me_app.patch(f"{PEOPLE}{person.public_id}/", {"name": "Other Name"}, format="json")

    assert answer.status_code == 400
    assert "name" in answer.json()
    person.refresh_from_db()
    assert person.name == "Kept Name"


@pytest.fixture
def session_with_people(role_users, organisations, thai_partner):
    staff = role_users.partner_staff
    activity = new_activity(staff, thai_partner)
    for code in ("A-1", "A-2", "A-3"):
        new_person(staff, thai_partner, code)
    merged = new_person(staff, thai_partner, "A-OLD")
    Person.objects.filter(pk=merged.pk).update(merged_into=Person.objects.get(code="A-1"))
    other_partner = organisations.partners["TH2"]
    new_person(role_users.me_officer, other_partner, "B-1")
    return activity


@pytest.mark.parametrize(
    ("bad_row", "field", "words"),
    [
        ({"person_code": "NOBODY"}, "person_code", "No person with this code"),
        ({"person_code": "B-1"}, "person_code", "No person with this code"),  # another organisation's person
        ({"person_code": "A-1"}, "person_code", "given twice"),
        ({"person_code": "A-OLD"}, "person_code", "merged"),
        ({"person": "not-an-id"}, "person", "No person with this id"),
        ({}, "person", "id or their code"),
        ({"person_code": "A-3", "attended": "maybe"}, "attended", "valid boolean"),
    ],
)
def test_a_push_with_one_bad_row_writes_nothing_and_names_the_row(
    partner_app, session_with_people, bad_row, field, words
) -> None:
    rows = [{"person_code": "A-1"}, {"person_code": "A-2"}, bad_row]

    answer = partner_app.post(BULK, {"activity": session_with_people.public_id, "participants": rows}, format="json")

    assert answer.status_code == 400
    errors = answer.json()["participants"]
    assert list(errors) == ["2"]
    assert words in " ".join(errors["2"][field])
    assert not Participation.objects.exists()


def test_someone_already_in_the_activity_is_refused_by_row(partner_app, role_users, session_with_people) -> None:
    first = Person.objects.get(code="A-1")
    participations_record(
        saved_by=role_users.partner_staff, activity=session_with_people, attendances=[Attendance(first)]
    )

    answer = partner_app.post(
        BULK,
        {
            "activity": session_with_people.public_id,
            "participants": [{"person_code": "A-2"}, {"person": first.public_id}],
        },
        format="json",
    )

    assert answer.status_code == 400
    assert "already in this activity" in answer.json()["participants"]["1"]["person"][0]
    assert Participation.objects.count() == 1


def test_a_service_refusal_writes_nothing_either(partner_app, role_users, thai_partner) -> None:
    staff = role_users.partner_staff
    activity = new_activity(staff, thai_partner, date=date(2010, 5, 1))
    new_person(staff, thai_partner, "OLD", birth_year_estimated=2000)
    new_person(staff, thai_partner, "YOUNG", birth_year_estimated=2012)

    answer = partner_app.post(
        BULK,
        {"activity": activity.public_id, "participants": [{"person_code": "OLD"}, {"person_code": "YOUNG"}]},
        format="json",
    )

    assert answer.status_code == 400
    assert "not born yet" in answer.json()["participants"][0]
    assert not Participation.objects.exists()


def test_one_participation_is_added_changed_and_removed(partner_app, role_users, session_with_people) -> None:
    added = partner_app.post(
        PARTICIPATIONS, {"activity": session_with_people.public_id, "person_code": "A-2"}, format="json"
    )
    assert added.status_code == 201, added.json()
    assert (added.json()["person_code"], added.json()["attended"], added.json()["completed"]) == ("A-2", True, False)
    address = f"{PARTICIPATIONS}{added.json()['id']}/"

    changed = partner_app.patch(address, {"completed": True}, format="json")
    assert changed.status_code == 200, changed.json()
    assert Participation.objects.get().completed is True

    assert partner_app.delete(address).status_code == 204
    assert not Participation.objects.exists()
    assert partner_app.get(address).status_code == 404


def test_a_token_limited_elsewhere_sees_nothing_of_a_thai_record(token_client, role_users, organisations) -> None:
    staff = role_users.partner_staff
    person = new_person(staff, organisations.partners["TH"], "TH-LIMIT")
    activity = new_activity(staff, organisations.partners["TH"])
    manager = role_users.me_officer
    nepal_only = token_client(manager, countries=[organisations.partners["NP"].country])
    second_partner_only = token_client(manager, organisations=[organisations.partners["TH2"]])
    unlimited = token_client(manager)

    for client in (nepal_only, second_partner_only):
        assert client.get(f"{PEOPLE}{person.public_id}/").status_code == 404
        assert client.get(f"{ACTIVITIES}{activity.public_id}/").status_code == 404
        assert client.get(PEOPLE).json()["count"] == 0
        assert client.get(ACTIVITIES).json()["count"] == 0
        assert client.patch(f"{PEOPLE}{person.public_id}/", {"sex": "male"}, format="json").status_code == 404
    assert unlimited.get(f"{PEOPLE}{person.public_id}/").status_code == 200
    assert unlimited.get(PEOPLE).json()["count"] == 1
    person.refresh_from_db()
    assert person.sex == "female"


def test_a_nepali_coordinator_cannot_write_for_a_thai_organisation(token_client, role_users, organisations) -> None:
    coordinator = token_client(role_users.country_coordinator)
    thai = organisations.partners["TH"]
    thai_activity = new_activity(role_users.partner_staff, thai)

    person = coordinator.post(PEOPLE, {"organisation": thai.pk, "code": "X-1", "sex": "male"}, format="json")
    activity = coordinator.post(
        ACTIVITIES,
        {"organisation": thai.pk, "kind": "awareness_session", "title": "Not ours", "date": "2017-03-01"},
        format="json",
    )
    participants = coordinator.post(
        BULK, {"activity": thai_activity.public_id, "participants": [{"person_code": "X"}]}, format="json"
    )

    assert person.status_code == 400 and "organisation" in person.json()
    assert activity.status_code == 400 and "organisation" in activity.json()
    assert participants.status_code == 400 and "activity" in participants.json()
    assert not Person.objects.exists()
    assert Activity.objects.count() == 1
    own = coordinator.post(
        PEOPLE, {"organisation": organisations.partners["NP"].pk, "code": "NP-1", "sex": "male"}, format="json"
    )
    assert own.status_code == 201, own.json()


@pytest.mark.parametrize(
    "payload",
    [
        {"organisation": "abc", "code": "X"},
        {"organisation": None, "code": "X"},
        {"organisation": [1], "code": "X"},
        {"organisation": 10**30, "code": "X"},
        {"organisation": "ORG", "code": "X" * 41},
        {"organisation": "ORG", "code": ""},
        {"organisation": "ORG", "code": None},
        {"organisation": "ORG", "code": {"a": 1}},
        {"organisation": "ORG", "code": "X", "sex": "alien"},
        {"organisation": "ORG", "code": "X", "birth_date": "yesterday"},
        {"organisation": "ORG", "code": "X", "birth_date": "2999-01-01"},
        {"organisation": "ORG", "code": "X", "birth_year_estimated": 10**40},
        {"organisation": "ORG", "code": "X", "birth_date": "2010-01-01", "birth_year_estimated": 2010},
        {"organisation": "ORG", "code": "X", "area": "somewhere"},
        {"organisation": "ORG", "code": "X", "roles": {"role": "victim"}},
        {"organisation": "ORG", "code": "X", "roles": [{"role": "victim"}]},
        {"organisation": "ORG", "code": "X", "roles": [{"role": "professional", "start": "2017-01-01"}]},
        {
            "organisation": "ORG",
            "code": "X",
            "roles": [{"role": "victim", "profession": "judge", "start": "2017-01-01"}],
        },
        {"organisation": "ORG", "code": "X", "name": "N" * 5000},
        {"organisation": "ORG", "code": "X\x00"},
        ["not", "an", "object"],
    ],
)
def test_a_bad_person_gives_field_errors_and_writes_nothing(partner_app, thai_partner, payload) -> None:
    if isinstance(payload, dict) and payload.get("organisation") == "ORG":
        payload = payload | {"organisation": thai_partner.pk}

    answer = partner_app.post(PEOPLE, payload, format="json")

    assert answer.status_code == 400
    assert isinstance(answer.json(), dict) and answer.json()
    assert not Person.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"kind": "party"},
        {"kind": "training"},  # a training needs its topic
        {"kind": "campaign", "campaign_kind": "media", "training_topic": "other"},
        {"date": "2017-02-30"},
        {"end_date": "2017-01-01"},
        {"title": ""},
        {"reached_organisations": "all"},
        {"reached_organisations": [99999]},
        {"area": 99999},
    ],
)
def test_a_bad_activity_gives_field_errors(partner_app, thai_partner, payload) -> None:
    activity = {"organisation": thai_partner.pk, "kind": "awareness_session", "title": "T", "date": "2017-03-01"}

    answer = partner_app.post(ACTIVITIES, activity | payload, format="json")

    assert answer.status_code == 400
    assert set(answer.json()) & (set(payload) | {"campaign_kind", "training_topic", "non_field_errors"})
    assert not Activity.objects.exists()


def test_lists_come_in_pages_and_in_the_order_asked(partner_app, role_users, thai_partner) -> None:
    for code in ("P-3", "P-1", "P-5", "P-2", "P-4"):
        new_person(role_users.partner_staff, thai_partner, code)

    first = partner_app.get(PEOPLE, {"ordering": "code", "page_size": 2}).json()
    last = partner_app.get(PEOPLE, {"ordering": "-code", "page_size": 2, "page": 3}).json()

    assert first["count"] == 5
    assert [row["code"] for row in first["results"]] == ["P-1", "P-2"]
    assert [row["code"] for row in last["results"]] == ["P-1"]
    assert partner_app.get(PEOPLE, {"sex": "male"}).json()["count"] == 0
    assert partner_app.get(PEOPLE, {"organisation": "abc"}).status_code == 400


def test_activities_filter_by_date_and_kind(partner_app, role_users, thai_partner) -> None:
    staff = role_users.partner_staff
    new_activity(staff, thai_partner, date=date(2017, 2, 1))
    new_activity(staff, thai_partner, date=date(2017, 8, 1), kind=Activity.Kind.COMMUNITY_MEETING)

    assert partner_app.get(ACTIVITIES, {"date_after": "2017-06-01"}).json()["count"] == 1
    assert partner_app.get(ACTIVITIES, {"kind": "community_meeting", "country": "TH"}).json()["count"] == 1
    assert partner_app.get(ACTIVITIES, {"country": "NP"}).json()["count"] == 0
    assert partner_app.get(ACTIVITIES, {"date_after": "soon"}).status_code == 400


def approve_first_half_of_2017(programme, country) -> None:
    PeriodReview.objects.create(
        programme=programme, country=country, period_code="2017-H1", status=PeriodReview.Status.APPROVED
    )


def test_a_change_to_an_approved_half_year_needs_a_reason(partner_app, programme, role_users, thai_partner) -> None:
    staff = role_users.partner_staff
    activity = new_activity(staff, thai_partner)
    new_person(staff, thai_partner, "LATE")
    approve_first_half_of_2017(programme, thai_partner.country)
    push = {"activity": activity.public_id, "participants": [{"person_code": "LATE"}]}

    refused = partner_app.post(BULK, push, format="json")
    retitled = partner_app.patch(f"{ACTIVITIES}{activity.public_id}/", {"title": "Renamed"}, format="json")

    assert refused.status_code == 400 and "2017-H1" in refused.json()["correction_reason"][0]
    assert retitled.status_code == 400 and "correction_reason" in retitled.json()
    assert not Participation.objects.exists()
    accepted = partner_app.post(BULK, push | {"correction_reason": "Attendance sheet found late."}, format="json")
    assert accepted.status_code == 201, accepted.json()


def test_households_take_members_by_id_and_keep_the_address_to_themselves(
    partner_app, role_users, thai_partner
) -> None:
    staff = role_users.partner_staff
    mother, child = new_person(staff, thai_partner, "M-1"), new_person(staff, thai_partner, "C-1")
    created = partner_app.post(
        HOUSEHOLDS,
        {
            "organisation": thai_partner.pk,
            "code": "H-1",
            "members": [mother.public_id, child.public_id],
            "address": "Secret lane 1",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert sorted(created.json()["members"]) == sorted([mother.public_id, child.public_id])
    assert created.json()["member_count"] == 2
    assert "Secret" not in created.content.decode()
    address = f"{HOUSEHOLDS}{created.json()['public_id']}/"

    renamed = partner_app.patch(address, {"code": "H-2"}, format="json")

    assert renamed.status_code == 200, renamed.json()
    household = Household.objects.get()
    assert (household.code, household.address, household.members.count()) == ("H-2", "Secret lane 1", 2)
    newcomer = new_person(staff, thai_partner, "S-1")
    assert partner_app.patch(address, {"members": ["nobody-here"]}, format="json").status_code == 400
    assert partner_app.patch(address, {"members": [newcomer.public_id]}, format="json").status_code == 200
    assert list(Household.objects.get().members.values_list("code", flat=True)) == ["S-1"]


def test_services_hide_provider_and_outcome_and_serve_people_of_their_organisation(
    partner_app, role_users, organisations, thai_partner
) -> None:
    staff = role_users.partner_staff
    child = new_person(staff, thai_partner, "S-CHILD", birth_year_estimated=2008)
    someone_else = new_person(role_users.me_officer, organisations.partners["TH2"], "S-OTHER")
    service = {
        "organisation": thai_partner.pk,
        "kind": "legal_aid",
        "person": child.public_id,
        "start": "2017-03-01",
        "provider": "Lawyer Example",
        "outcome": "Outcome text",
    }

    created = partner_app.post(SERVICES, service, format="json")
    other = partner_app.post(SERVICES, service | {"person": someone_else.public_id}, format="json")
    both = partner_app.post(SERVICES, service | {"household": "x"}, format="json")
    neither = partner_app.post(SERVICES, service | {"person": None}, format="json")
    school = partner_app.post(SERVICES, service | {"kind": "education_support"}, format="json")

    assert created.status_code == 201, created.json()
    assert "Lawyer" not in created.content.decode() and "Outcome" not in created.content.decode()
    assert created.json()["person"] == child.public_id
    assert other.status_code == 400 and "person" in other.json()
    assert both.status_code == 400 and "household" in both.json()
    assert neither.status_code == 400 and "person" in neither.json()
    assert school.status_code == 400 and "education_support" in school.json()
    saved = Service.objects.get()
    assert (saved.provider, saved.outcome) == ("Lawyer Example", "Outcome text")
    ended = partner_app.patch(f"{SERVICES}{saved.public_id}/", {"end": "2017-04-01"}, format="json")
    assert ended.status_code == 200, ended.json()
    saved.refresh_from_db()
    assert (saved.end, saved.outcome) == (date(2017, 4, 1), "Outcome text")
    assert partner_app.get(SERVICES, {"person": child.public_id}).json()["count"] == 1


def test_a_case_service_is_listed_as_on_the_services_page_without_its_case(
    partner_app, make_user, role_users, thai_partner
) -> None:
    worker = make_user("case_worker", organisation=thai_partner)
    case = case_register(
        registered_by=worker,
        organisation=thai_partner,
        intake=Case.Intake.HOTLINE,
        exploitation=Case.Exploitation.ONLINE_ABUSE,
        opened_on=DAY,
        child_role="victim",
        case_worker=worker,
        new_child=NewChild(code="CASE-CHILD", sex="female", birth_year_estimated=2009),
    )
    case_service_add(case=case, added_by=worker, kind="psychosocial", start=DAY, outcome="Confidential progress")

    listed = partner_app.get(SERVICES)

    assert listed.json()["count"] == service_list(user=role_users.partner_staff).count() == 1
    row = listed.json()["results"][0]
    assert "case" not in row and "Confidential" not in listed.content.decode()
    assert row["person"] == case.person.public_id


def test_organisations_reached_and_reach_estimates(partner_app, role_users, thai_partner) -> None:
    school = partner_app.post(
        "/api/external-organisations/",
        {"recorded_by": thai_partner.pk, "name": "Example School", "kind": "school"},
        format="json",
    )
    company = partner_app.post(
        "/api/external-organisations/",
        {"recorded_by": thai_partner.pk, "name": "Example Ltd", "kind": "company"},
        format="json",
    )
    assert school.status_code == 201, school.json()
    assert company.status_code == 400 and "sector" in company.json()
    assert school.json()["country"] == "TH"
    campaign = partner_app.post(
        ACTIVITIES,
        {
            "organisation": thai_partner.pk,
            "kind": "campaign",
            "campaign_kind": "media",
            "title": "Radio",
            "date": "2017-03-01",
            "reached_organisations": [school.json()["id"]],
        },
        format="json",
    )
    assert campaign.status_code == 201, campaign.json()
    assert campaign.json()["reached_organisations"] == [school.json()["id"]]

    reach = partner_app.post(
        "/api/aggregate-reach/",
        {"activity": campaign.json()["public_id"], "audience": "adults", "estimate": 5000, "method": "Listeners"},
        format="json",
    )
    zero = partner_app.post(
        "/api/aggregate-reach/",
        {"activity": campaign.json()["public_id"], "audience": "adults", "estimate": 0},
        format="json",
    )

    assert reach.status_code == 201, reach.json()
    assert zero.status_code == 400 and "estimate" in zero.json()
    changed = partner_app.patch(f"/api/aggregate-reach/{reach.json()['id']}/", {"estimate": 6000}, format="json")
    assert changed.status_code == 200 and changed.json()["estimate"] == 6000
    assert AggregateReach.objects.get().estimate == 6000
    assert ExternalOrganisation.objects.count() == 1


def test_organisations_are_those_the_caller_sees(token_client, role_users, organisations) -> None:
    nepal = token_client(role_users.country_coordinator)
    partner = token_client(role_users.partner_staff)

    nepal_names = {row["name"] for row in nepal.get("/api/organisations/", {"page_size": 100}).json()["results"]}
    partner_rows = partner.get("/api/organisations/").json()["results"]

    assert nepal_names == {"Test Office NP", "Test Partner NP"}
    assert [row["name"] for row in partner_rows] == ["Test Partner TH"]
    assert partner.get(f"/api/organisations/{organisations.partners['NP'].pk}/").status_code == 404
