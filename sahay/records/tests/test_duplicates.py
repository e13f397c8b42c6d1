"""Duplicate people: found across scripts, merged with every figure right, and the merge undone exactly."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from sahay.audit.models import AuditEntry
from sahay.cases.models import Case
from sahay.core.periods import Period
from sahay.records.duplicates import duplicate_candidates, name_similarity
from sahay.records.merging import people_merge, people_merge_undo
from sahay.records.models import HouseholdMember, Participation, PersonMerge, PersonRole, Service
from sahay.records.selectors import person_list
from sahay.records.services import (
    Attendance,
    RoleSpec,
    activity_save,
    household_save,
    participations_record,
    person_save,
    service_save,
)
from sahay.reports.figureset import CellKey, Window, figure_set
from sahay.reports.models import PeriodReview

pytestmark = pytest.mark.django_db

SAME_PERSON_ACROSS_SCRIPTS = [
    ("Rahim Uddin", "রহিম উদ্দিন"),  # Bengali
    ("Sita Sharma", "सीता शर्मा"),  # Devanagari
    ("Somchai", "สมชาย"),  # Thai
    ("Sok Dara", "សុខ ដារា"),  # Khmer
    ("Sophea Chan", "សុភា ចាន់"),  # Khmer
    ("ကျော် အောင်", "အောင် ကျော်"),  # Burmese, words in another order
    ("မောင် မောင်", "မောင်မောင်"),  # Burmese, written together
    ("Kamal Perera", "කමල් පෙරේරා"),  # Sinhala
    ("Murugan Selvam", "முருகன் செல்வம்"),  # Tamil
    ("Nguyen Van An", "Nguyễn Văn An"),  # Latin with and without diacritics
    ("Mohammed Ali", "Muhammad Ali"),  # two Latin spellings
    ("रहीम उद्दीन", "রহিম উদ্দিন"),  # Devanagari and Bengali
]
DIFFERENT_PEOPLE = [
    ("Rahim Uddin", "Karim Uddin"),
    ("Rahim Uddin", "করিম উদ্দিন"),
    ("Sita Sharma", "Sunita Verma"),
    ("Sita Sharma", "Gita Sharma"),
    ("Somchai", "สมศักดิ์"),
    ("Anil Kumar", "Sunil Kumar"),
    ("Kamal Perera", "නිමල් පෙරේරා"),
    ("Murugan Selvam", "முருகன் ராஜா"),
]


@pytest.fixture
def nepal(organisations):
    return organisations.partners["NP"]


@pytest.fixture
def nepal_staff(make_user, nepal):
    return make_user("partner_staff", organisation=nepal, username="staff-np")


@pytest.fixture
def nepal_supervisor(make_user, nepal):
    """Merging a child who has a case needs the right to change the case (issue 15, item 2)."""
    return make_user("case_supervisor", organisation=nepal, username="supervisor-np")


def child(user, organisation, code, *, name="", sex="female", born=date(2008, 5, 1), year=None):
    return person_save(
        saved_by=user,
        organisation=organisation,
        code=code,
        sex=sex,
        birth_date=None if year else born,
        birth_year_estimated=year,
        name=name,
    )


def pair_codes(pairs):
    return {(pair.first.code, pair.second.code) for pair in pairs}


@pytest.mark.parametrize(("one", "other"), SAME_PERSON_ACROSS_SCRIPTS)
def test_the_same_name_in_two_scripts_is_a_probable_duplicate(one, other, programme, nepal_staff, nepal) -> None:
    child(nepal_staff, nepal, "A", name=one)
    child(nepal_staff, nepal, "B", name=other, born=date(2008, 9, 1))
    pairs = duplicate_candidates(organisation=nepal, user=nepal_staff)
    assert pair_codes(pairs) == {("A", "B")}
    assert pairs[0].days_apart == 123 and pairs[0].same_sex
    assert pairs[0].reasons[1] == "birth dates 123 days apart"


@pytest.mark.parametrize(("one", "other"), DIFFERENT_PEOPLE)
def test_similar_looking_but_different_names_are_not_paired(one, other, programme, nepal_staff, nepal) -> None:
    child(nepal_staff, nepal, "A", name=one)
    child(nepal_staff, nepal, "B", name=other)
    assert duplicate_candidates(organisation=nepal, user=nepal_staff) == []
    assert name_similarity(one, other) < 87


def test_pairs_are_blocked_by_sex_and_birth_date(programme, nepal_staff, nepal, organisations, make_user) -> None:
    child(nepal_staff, nepal, "F1", name="Sita Sharma", born=date(2008, 5, 1))
    child(nepal_staff, nepal, "M1", name="Sita Sharma", sex="male", born=date(2008, 5, 1))  # other sex
    child(nepal_staff, nepal, "F2", name="सीता शर्मा", born=date(2010, 5, 1))  # two years after F1
    child(nepal_staff, nepal, "U1", name="Sita Sharma", sex="unknown", year=2009)  # 1 July 2009
    child(nepal_staff, nepal, "F3", name="Sita  Sharma!", year=2008)  # 1 July 2008
    child(nepal_staff, nepal, "N1", name="Sita Sharma", born=None)  # no birth date: a very close name only
    child(nepal_staff, nepal, "R1", name="Ramesh Thapa", sex="male", born=date(2008, 6, 1))
    child(nepal_staff, nepal, "R2", name="Ram Thapa", sex="male", born=date(2008, 6, 1))  # 89% alike
    child(nepal_staff, nepal, "R3", name="Ram Thapa", sex="male", born=None)
    child(nepal_staff, nepal, "X1", born=date(2008, 5, 1))  # no name: never compared
    thailand = organisations.partners["TH"]
    child(make_user("partner_staff", organisation=thailand), thailand, "T1", name="Sita Sharma")
    assert pair_codes(duplicate_candidates(organisation=nepal, user=nepal_staff)) == {
        ("F1", "F3"),  # 61 days apart
        ("F1", "N1"),
        ("F2", "N1"),
        ("F3", "N1"),
        ("U1", "N1"),
        ("F2", "U1"),  # sex unknown, 304 days apart
        ("U1", "F3"),  # sex unknown, 365 days apart
        ("R1", "R2"),  # 89% alike with the same birth date
        ("R2", "R3"),  # R1 and R3: 89% alike is not enough without a birth date
    }


def test_a_partner_may_not_list_another_organisations_duplicates(programme, nepal_staff, organisations) -> None:
    with pytest.raises(PermissionDenied):
        duplicate_candidates(organisation=organisations.partners["TH"], user=nepal_staff)


def prev1(programme, organisation):
    """PREV-1 (children under 18 at an awareness activity, each once) for the organisation in 2017-H1."""
    figures = figure_set(programme=programme, period=Period.parse("2017-H1"), organisation=organisation)
    return figures.value(CellKey("PREV-1", organisation.country.code, Window.PERIOD))


def awareness(user, organisation, on=date(2017, 3, 1), title="Session"):
    return activity_save(saved_by=user, organisation=organisation, kind="awareness_session", title=title, date=on)


@pytest.fixture
def ten_children(programme, nepal_staff, nepal):
    """Ten records at one awareness session; C9 is C0 recorded again under another code and script."""
    records = [child(nepal_staff, nepal, f"C{n}", name=f"Child {n}", born=date(2008, 1, 1 + n)) for n in range(9)]
    records[0].name = "Rahim Uddin"
    records[0].save()
    again = child(nepal_staff, nepal, "C9", name="রহিম উদ্দিন", born=date(2008, 1, 1))
    records.append(again)
    session = awareness(nepal_staff, nepal)
    participations_record(saved_by=nepal_staff, activity=session, attendances=[Attendance(p) for p in records])
    return records, session


def snapshot(*people):
    ids = [person.pk for person in people]
    return {
        "participations": sorted(
            Participation.objects.filter(person__in=ids).values_list(
                "pk", "activity", "person", "attended", "completed"
            )
        ),
        "services": sorted(Service.objects.filter(person__in=ids).values_list("pk", "person")),
        "roles": sorted(PersonRole.objects.filter(person__in=ids).values_list("pk", "person", "role")),
        "memberships": sorted(HouseholdMember.objects.filter(person__in=ids).values_list("pk", "household", "person")),
        "cases": sorted(Case.objects.filter(person__in=ids).values_list("pk", "person", "status")),
    }


def test_merging_the_same_child_at_the_same_session_counts_them_once(
    programme, nepal_staff, nepal, ten_children
) -> None:
    records, session = ten_children
    kept, twin = records[0], records[9]
    assert pair_codes(duplicate_candidates(organisation=nepal, user=nepal_staff)) == {("C0", "C9")}
    assert prev1(programme, nepal) == 10  # hand-computed: ten records, ten "children"
    merge = people_merge(keep=kept, merge=twin, merged_by=nepal_staff, reason="Same child, same mother.")
    assert prev1(programme, nepal) == 9  # one child recorded twice: nine children
    assert session.participations.count() == 9
    assert merge.removed["participations"][0]["activity"] == session.pk
    assert merge.moved["participations"] == []
    twin.refresh_from_db()
    assert twin.merged_into == kept
    assert not person_list(user=nepal_staff).filter(pk=twin.pk).exists()
    assert duplicate_candidates(organisation=nepal, user=nepal_staff) == []


def test_merging_two_records_from_different_sessions_keeps_the_figure_and_moves_everything(
    programme, nepal_staff, nepal, nepal_supervisor
) -> None:
    kept = child(nepal_staff, nepal, "K", name="Sita Sharma")
    twin = person_save(
        saved_by=nepal_staff,
        organisation=nepal,
        code="T",
        sex="female",
        birth_date=date(2008, 5, 2),
        name="सीता शर्मा",
        roles=[RoleSpec(role="at_risk_child", start=date(2016, 1, 1))],
    )
    first, second = awareness(nepal_staff, nepal), awareness(nepal_staff, nepal, date(2017, 4, 1), "Second")
    participations_record(saved_by=nepal_staff, activity=first, attendances=[Attendance(kept)])
    participations_record(saved_by=nepal_staff, activity=second, attendances=[Attendance(twin, completed=True)])
    service = service_save(
        saved_by=nepal_staff, organisation=nepal, kind="medical", start=date(2017, 2, 1), person=twin
    )
    household = household_save(saved_by=nepal_staff, organisation=nepal, code="H", members=[kept, twin])
    household_save(saved_by=nepal_staff, organisation=nepal, code="H2", members=[twin])
    case = Case.objects.create(
        person=twin, organisation=nepal, intake="outreach", exploitation="other", opened_on=date(2017, 2, 1)
    )
    before = snapshot(kept, twin)
    twin_in_h = HouseholdMember.objects.get(household=household, person=twin).pk
    assert prev1(programme, nepal) == 2  # two records, two sessions: counted as two children
    merge = people_merge(keep=kept, merge=twin, merged_by=nepal_supervisor, reason="Same child.")
    # Hand-computed: one child at two sessions counts once, as two records each at one session counted twice.
    assert prev1(programme, nepal) == 1
    assert Participation.objects.get(activity=second).person == kept
    assert Service.objects.get(pk=service.pk).person == kept
    assert Case.objects.get(pk=case.pk).person == kept
    assert set(kept.roles.values_list("role", flat=True)) == {"at_risk_child"}
    assert set(kept.memberships.values_list("household__code", flat=True)) == {"H", "H2"}
    assert merge.removed["memberships"] == [{"id": twin_in_h, "household": household.pk}]
    assert not any(rows for rows in snapshot(twin).values()), "the merged record keeps no events"

    people_merge_undo(merge=merge, undone_by=nepal_supervisor)
    assert snapshot(kept, twin) == before
    assert prev1(programme, nepal) == 2
    merge.refresh_from_db()
    twin.refresh_from_db()
    assert merge.undone_by == nepal_supervisor and twin.merged_into is None
    with pytest.raises(ValidationError, match="already undone"):
        people_merge_undo(merge=merge, undone_by=nepal_supervisor)


def test_undoing_a_merge_recreates_the_removed_participation_exactly(
    programme, nepal_staff, nepal, ten_children
) -> None:
    records, _session = ten_children
    Participation.objects.filter(person=records[0]).update(completed=False)
    Participation.objects.filter(person=records[9]).update(completed=True)
    before = snapshot(*records)
    merge = people_merge(keep=records[0], merge=records[9], merged_by=nepal_staff, reason="Same child.")
    assert Participation.objects.get(person=records[0]).completed  # completed by either record
    people_merge_undo(merge=merge, undone_by=nepal_staff)
    assert snapshot(*records) == before
    assert prev1(programme, nepal) == 10


def test_two_open_cases_are_refused(programme, nepal_staff, nepal, nepal_supervisor) -> None:
    one, other = child(nepal_staff, nepal, "A"), child(nepal_staff, nepal, "B")
    for person in (one, other):
        Case.objects.create(
            person=person, organisation=nepal, intake="outreach", exploitation="other", opened_on=date(2017, 2, 1)
        )
    with pytest.raises(ValidationError, match="Both have an open case"):
        people_merge(keep=one, merge=other, merged_by=nepal_supervisor, reason="Same child.")
    assert not PersonMerge.objects.exists()


def test_a_merge_touching_an_approved_half_year_asks_a_reason(programme, nepal_staff, nepal, ten_children) -> None:
    records, _session = ten_children
    PeriodReview.objects.create(
        programme=programme, country=nepal.country, period_code="2017-H1", status=PeriodReview.Status.APPROVED
    )
    with pytest.raises(ValidationError) as refused:
        people_merge(keep=records[0], merge=records[9], merged_by=nepal_staff, reason="Same child.")
    assert "2017-H1" in refused.value.message_dict["correction_reason"][0]
    merge = people_merge(
        keep=records[0],
        merge=records[9],
        merged_by=nepal_staff,
        reason="Same child.",
        correction_reason="Recorded twice at the March session.",
    )
    with pytest.raises(ValidationError):
        people_merge_undo(merge=merge, undone_by=nepal_staff)
    people_merge_undo(merge=merge, undone_by=nepal_staff, correction_reason="The merge was a mistake.")


def test_merges_are_audited_without_names_or_codes(programme, nepal_staff, nepal, ten_children) -> None:
    records, _session = ten_children
    merge = people_merge(keep=records[0], merge=records[9], merged_by=nepal_staff, reason="Rahim, same mother.")
    people_merge_undo(merge=merge, undone_by=nepal_staff)
    entries = list(AuditEntry.objects.filter(action__in=["person_merged", "person_merge_undone"]).order_by("position"))
    assert [entry.action for entry in entries] == ["person_merged", "person_merge_undone"]
    for entry in entries:
        text = f"{entry.target_id} {entry.target_label} {entry.reason} {entry.detail}"
        assert "Rahim" not in text and "রহিম" not in text
        # A code as a word of its own: a random public id may hold the letters "C0" by chance.
        assert not re.search(r"(?<![\w-])C[09](?![\w-])", text), text
    assert entries[0].detail["merged"] == records[9].public_id


def test_a_partner_may_not_merge_another_organisations_people(
    programme, nepal_staff, organisations, make_user, client_for
) -> None:
    thailand = organisations.partners["TH"]
    thai_staff = make_user("partner_staff", organisation=thailand)
    one, other = child(thai_staff, thailand, "A", name="Somchai"), child(thai_staff, thailand, "B", name="สมชาย")
    with pytest.raises(PermissionDenied):
        people_merge(keep=one, merge=other, merged_by=nepal_staff, reason="Same.")
    client = client_for(nepal_staff)
    url = reverse("person_merge", args=[one.public_id, other.public_id])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "Same."}).status_code == 404
    merge = people_merge(keep=one, merge=other, merged_by=thai_staff, reason="Same.")
    assert client.post(reverse("person_merge_undo", args=[merge.pk])).status_code == 404
    assert client.get(reverse("duplicate_list")).status_code == 200
    assert "B" not in pair_codes(duplicate_candidates(organisation=thailand, user=thai_staff))


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("me_officer", 200),
        ("country_coordinator", 404),  # Nepal's coordinator: a Thai partner's people are out of scope
        ("partner_staff", 200),
        ("programme_manager", 403),
        ("donor_viewer", 403),
        ("system_administrator", 403),
    ],
)
def test_the_pages_follow_the_recording_rights(role, status, role_users, organisations, client_for) -> None:
    thailand = organisations.partners["TH"]
    staff = role_users.partner_staff
    one, other = child(staff, thailand, "A", name="Somchai"), child(staff, thailand, "B", name="สมชาย")
    client = client_for(getattr(role_users, role))
    listing = client.get(reverse("duplicate_list"))
    confirm = client.get(reverse("person_merge", args=[one.public_id, other.public_id]))
    assert listing.status_code == (403 if status == 403 else 200)
    assert confirm.status_code == status
    assert client.get(reverse("person_merge_undo", args=[1])).status_code in {403, 405}


def test_a_merge_through_the_pages_is_confirmed_then_undone(
    programme, client_for, nepal_staff, nepal, ten_children
) -> None:
    records, _session = ten_children
    kept, twin = records[0], records[9]
    client = client_for(nepal_staff)
    listing = client.get(reverse("duplicate_list")).content.decode()
    assert "C0" in listing and "C9" in listing and "Rahim Uddin" in listing  # their own organisation sees names
    url = reverse("person_merge", args=[kept.public_id, twin.public_id])
    page = client.get(url).content.decode()
    assert "Merge C9 into C0?" in page
    assert client.post(url, {"reason": ""}).status_code == 200  # a reason is needed
    assert not PersonMerge.objects.exists()
    response = client.post(url, {"reason": "Same child."}, follow=True)
    assert "C9 is merged into C0" in response.content.decode()
    merge = PersonMerge.objects.get()
    assert client.get(url).status_code == 404  # C9 is merged: not offered again
    response = client.post(reverse("person_merge_undo", args=[merge.pk]), follow=True)
    assert "two records again" in response.content.decode()
    assert Participation.objects.filter(person=twin).count() == 1


def test_identities_are_not_shown_to_those_who_may_not_see_them(
    programme, role_users, organisations, client_for
) -> None:
    thailand = organisations.partners["TH"]
    staff = role_users.partner_staff
    child(staff, thailand, "A", name="Somchai"), child(staff, thailand, "B", name="สมชาย")
    page = client_for(role_users.me_officer).get(reverse("duplicate_list") + f"?organisation={thailand.pk}")
    content = page.content.decode()
    assert "A" in content and "Somchai" not in content and "สมชาย" not in content
