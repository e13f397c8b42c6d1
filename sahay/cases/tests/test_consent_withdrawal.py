"""Withdrawing the referral consent ends, at once, what the referral gave the receiver (issue 15, item 4).

The world's case was referred to the second Thai partner with the child's identity, on the consent of the
caregiver. After the consent is withdrawn, that partner keeps the de-identified summary and the services
it gives, and loses the child's identity, the care narratives and the documents, also once the case is
closed; its case worker and supervisor are told.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from sahay.cases.models import Case, Consent, Notice
from sahay.cases.policy import CaseAccess, CaseAction
from sahay.cases.services.care import case_service_add, consent_record, consent_withdraw
from sahay.cases.services.cases import NewChild, case_close, case_register
from sahay.cases.services.referrals import case_refer, referral_answer
from sahay.cases.tests.conftest import CHILD_NAME, SUMMARY_TEXT, CaseWorld
from sahay.records.selectors import sees_identity

MARKERS = {"identity": CHILD_NAME, "care": SUMMARY_TEXT, "documents": "Medical report"}


def withdraw(case_world: CaseWorld) -> Case:
    case = case_world.case
    consent = case.consents.get(purpose=Consent.Purpose.REFERRAL)
    consent_withdraw(consent=consent, withdrawn_by=case_world.worker, withdrawn_on=timezone.localdate())
    return Case.objects.get(pk=case.pk)


@pytest.mark.parametrize("closed", [False, True], ids=["open case", "closed case"])
def test_the_receiver_loses_the_identity_at_once_and_keeps_the_summary(case_world, client_for, closed) -> None:
    case = case_world.case
    case_service_add(case=case, added_by=case_world.receiver_worker, kind="shelter", start=date(2017, 3, 5))
    if closed:
        case_close(
            case=case, closed_by=case_world.worker, version=case.version, closed_on=date(2017, 6, 1), reason="moved"
        )
    for user in (case_world.receiver_worker, case_world.receiver_supervisor):  # they see her before
        assert CaseAccess.of(user, case).may(CaseAction.SEE_IDENTITY)
    case = withdraw(case_world)
    for user in (case_world.receiver_worker, case_world.receiver_supervisor):
        access = CaseAccess.of(user, case)
        assert access.may(CaseAction.SEE_SUMMARY) and access.may(CaseAction.ADD_SERVICE)
        for action in (CaseAction.SEE_IDENTITY, CaseAction.SEE_CARE, CaseAction.SEE_ATTACHMENTS):
            assert not access.may(action), action
        assert not sees_identity(user, case.person)
        client = client_for(user)
        page = client.get(reverse("case_detail", args=[case.public_id]))
        body = page.content.decode()
        summary = [page.status_code, case.code in body, "shelter" in body]  # the summary and the service it gave
        assert summary == [200, True, True]
        shown = [label for label, text in MARKERS.items() if text in body]
        assert shown == []  # labels only: no name in the test output
        answer = client.get(f"/api/cases/{case.public_id}/").json()
        assert answer["child"] is None and answer["care"] is None
    # The referring organisation still works on the case as before.
    assert CaseAccess.of(case_world.worker, case).may(CaseAction.SEE_IDENTITY)


def test_the_receivers_case_worker_and_supervisor_are_told(case_world, client_for) -> None:
    withdraw(case_world)
    told = set(
        Notice.objects.filter(case=case_world.case, kind="consent_withdrawn").values_list("recipient", flat=True)
    )
    assert told == {case_world.receiver_worker.pk, case_world.receiver_supervisor.pk}
    page = client_for(case_world.receiver_worker).get(reverse("notice_list")).content.decode()
    told_of = ["no longer shared" in page, case_world.case.code in page, CHILD_NAME in page]
    assert told_of == [True, True, False]  # compared here, so no code or name is in the test output


def test_a_referral_without_consent_shares_until_a_referral_consent_is_withdrawn(case_world) -> None:
    """An override (a supervisor's typed reason) shares the identity without consent; once a consent for
    referral is recorded and then withdrawn, the child has said no, and the sharing ends."""
    worker, receiver = case_world.worker, case_world.receiver_worker
    case = case_register(
        registered_by=worker,
        organisation=worker.organisation,
        intake="police_referral",
        exploitation="child_sex_tourism",
        opened_on=date(2017, 3, 1),
        child_role="victim",
        case_worker=worker,
        new_child=NewChild(code="TH-C-003", sex="male", birth_year_estimated=2007),
    )
    referral = case_refer(
        case=case,
        referred_by=case_world.supervisor,
        to_organisation=receiver.organisation,
        needs="Shelter tonight.",
        shares_identity=True,
        override_reason="The child is in danger at home tonight.",
    )
    referral_answer(referral=referral, answered_by=case_world.receiver_supervisor, accept=True, assigned_to=receiver)
    assert CaseAccess.of(receiver, case).may(CaseAction.SEE_IDENTITY)
    consent = consent_record(
        case=case, recorded_by=worker, purpose="referral", given_by="adolescent", given_on=date(2017, 3, 2)
    )
    assert CaseAccess.of(receiver, case).may(CaseAction.SEE_IDENTITY)
    consent_withdraw(consent=consent, withdrawn_by=worker, withdrawn_on=date(2017, 3, 3))
    assert not CaseAccess.of(receiver, case).may(CaseAction.SEE_IDENTITY)
    assert Notice.objects.filter(recipient=receiver, case=case, kind="consent_withdrawn").count() == 1
    # A consent given again does not reopen what the withdrawal ended: sharing takes a referral made on it.
    consent_record(case=case, recorded_by=worker, purpose="referral", given_by="adolescent", given_on=date(2017, 3, 4))
    assert not CaseAccess.of(receiver, case).may(CaseAction.SEE_IDENTITY)


def test_withdrawing_another_consent_changes_nothing_for_the_receiver(case_world) -> None:
    case = case_world.case
    photos = consent_record(
        case=case, recorded_by=case_world.worker, purpose="photos", given_by="caregiver", given_on=date(2017, 2, 2)
    )
    consent_withdraw(consent=photos, withdrawn_by=case_world.worker, withdrawn_on=date(2017, 2, 3))
    assert CaseAccess.of(case_world.receiver_worker, case).may(CaseAction.SEE_IDENTITY)
    assert not Notice.objects.filter(kind="consent_withdrawn").exists()


def test_one_withdrawal_ends_the_sharing_though_another_referral_consent_is_held(case_world) -> None:
    """The caregiver withdraws while the child's assent stays recorded: the withdrawal still ends what the
    referral gave, and the receiver is told (a new referral on the remaining consent would share again)."""
    case = case_world.case
    consent_record(
        case=case,
        recorded_by=case_world.worker,
        purpose=Consent.Purpose.REFERRAL,
        given_by=Consent.GivenBy.CHILD_ASSENT,
        given_on=date(2017, 1, 20),
    )
    caregiver = case.consents.get(purpose=Consent.Purpose.REFERRAL, given_by=Consent.GivenBy.CAREGIVER)
    consent_withdraw(consent=caregiver, withdrawn_by=case_world.worker, withdrawn_on=timezone.localdate())
    case = Case.objects.get(pk=case.pk)
    assert not CaseAccess.of(case_world.receiver_worker, case).may(CaseAction.SEE_IDENTITY)
    assert Notice.objects.filter(case=case, kind="consent_withdrawn", recipient=case_world.receiver_worker).exists()
