"""Writes that reach a case's child through their person record ask the case policy (issue 15, item 2).

Merging moves a child's case onto another record (or another record's events onto the child): whoever
merges must be allowed to change every case of both records, open or closed, or the merge is refused
with a clear message and nothing changes. Undoing a merge asks the same.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from sahay.cases.models import Case
from sahay.cases.services.cases import case_close
from sahay.cases.tests.conftest import CHILD_NAME, CaseWorld
from sahay.records.merging import people_merge, people_merge_undo
from sahay.records.models import Person, PersonMerge
from sahay.records.services import person_save

DECOY_NAME = "Decoy Adult"
DECOY_CONTACT = "+66 2 999 9999 (decoy)"


def decoy(case_world: CaseWorld) -> Person:
    """An adult record of the case's organisation, made by its partner staff, who hold no case right."""
    return person_save(
        saved_by=case_world.partner_staff,
        organisation=case_world.case.organisation,
        code="TH-DECOY-1",
        sex="female",
        birth_year_estimated=1990,
        name=DECOY_NAME,
        contact=DECOY_CONTACT,
    )


def close(case_world: CaseWorld) -> None:
    case = case_world.case
    case_close(
        case=case, closed_by=case_world.worker, version=case.version, closed_on=date(2017, 6, 1), reason="goals_met"
    )


def test_a_partner_cannot_move_an_open_childs_case_onto_a_decoy_through_the_page(case_world, client_for) -> None:
    case, child = case_world.case, case_world.case.person
    fake = decoy(case_world)
    url = reverse("person_merge", args=[fake.public_id, child.public_id])
    response = client_for(case_world.partner_staff).post(url, {"reason": "Checked: the same person."})
    assert response.status_code == 200
    assert "child of a case you may not change" in response.content.decode()
    assert not PersonMerge.objects.exists()
    assert Case.objects.get(pk=case.pk).person == child
    page = client_for(case_world.worker).get(reverse("case_detail", args=[case.public_id])).content.decode()
    shown = {
        label
        for label, text in (("child", CHILD_NAME), ("decoy", DECOY_NAME), ("contact", DECOY_CONTACT))
        if text in page
    }
    assert shown == {"child"}  # labels only: no name in the test output


@pytest.mark.parametrize("closed", [False, True], ids=["open case", "closed case"])
@pytest.mark.parametrize("child_side", ["merged", "kept"])
def test_the_merge_service_refuses_whoever_may_not_change_the_case(case_world, closed, child_side) -> None:
    if closed:
        close(case_world)
    child, fake = case_world.case.person, decoy(case_world)
    keep, merge = (fake, child) if child_side == "merged" else (child, fake)
    for user in (case_world.partner_staff, case_world.colleague, case_world.me_officer):
        with pytest.raises(PermissionDenied):
            people_merge(keep=keep, merge=merge, merged_by=user, reason="Checked: the same person.")
    assert not PersonMerge.objects.exists()
    assert Case.objects.get(pk=case_world.case.pk).person == child


def test_undoing_a_merge_of_a_case_child_asks_the_case_policy_too(case_world) -> None:
    child, fake = case_world.case.person, decoy(case_world)
    # The case's supervisor may change the case: the merge goes through.
    merge = people_merge(keep=child, merge=fake, merged_by=case_world.supervisor, reason="The same girl, checked.")
    with pytest.raises(PermissionDenied):
        people_merge_undo(merge=merge, undone_by=case_world.partner_staff)
    merge.refresh_from_db()
    assert merge.undone_at is None
    people_merge_undo(merge=merge, undone_by=case_world.supervisor)
    merge.refresh_from_db()
    assert merge.undone_by == case_world.supervisor


def test_those_who_may_change_the_case_may_merge_its_child(case_world) -> None:
    case, child, fake = case_world.case, case_world.case.person, decoy(case_world)
    people_merge(keep=child, merge=fake, merged_by=case_world.worker, reason="The same girl, checked.")
    assert Case.objects.get(pk=case.pk).person == child


def test_a_partner_cannot_write_a_case_childs_identity_through_the_person_page(case_world, client_for) -> None:
    """The other write that reaches the child's identity: the person page hides the identity fields from
    those the case policy does not let see the child, and keeps the stored values whatever is posted."""
    child = case_world.case.person
    client = client_for(case_world.partner_staff)
    url = reverse("person_edit", args=[child.public_id])
    client.post(
        url,
        {
            "save_person": "1",
            "organisation": child.organisation_id,
            "code": child.code,
            "sex": child.sex,
            "birth_year_estimated": child.birth_year_estimated,
            "name": DECOY_NAME,
            "contact": DECOY_CONTACT,
        },
    )
    child.refresh_from_db()
    unchanged = [child.name == CHILD_NAME, child.contact == ""]
    assert unchanged == [True, True]  # compared here, so no name is in the test output


def test_a_partner_cannot_change_what_is_recorded_of_a_case_child(case_world) -> None:
    """Code, sex, birth date and roles of a case's child are the case's: record staff without a right to change
    the case cannot change them; saving the record unchanged (a re-import) still passes."""
    child = case_world.case.person
    recorded = {
        "organisation": child.organisation,
        "code": child.code,
        "sex": child.sex,
        "birth_date": child.birth_date,
        "birth_year_estimated": child.birth_year_estimated,
        "area": child.area,
    }
    person_save(saved_by=case_world.partner_staff, person=child, **recorded)
    changes = {"code": "TH-DECOY-2", "sex": "male" if child.sex != "male" else "female"}
    for field, value in changes.items():
        with pytest.raises(ValidationError) as refusal:
            person_save(saved_by=case_world.partner_staff, person=child, **{**recorded, field: value})
        assert "child of a case you may not change" in str(refusal.value)
    child.refresh_from_db()
    assert (child.code, child.sex) == (recorded["code"], recorded["sex"])
