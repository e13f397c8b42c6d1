"""A case worker reaches a child only through an assignment, a share or a referral (issue 15, item 5).

Opening a case on a child the organisation already registered is a request that a case supervisor of the
organisation grants; until then the requester sees nothing of the child, and the form answers the same
whether the code exists or not.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from sahay.audit.models import AuditAction, AuditEntry
from sahay.cases.models import Case, CaseRequest, Notice
from sahay.cases.policy import CaseAccess, CaseAction, visible_cases
from sahay.cases.services.cases import case_close, case_register
from sahay.cases.services.requests import case_request_answer, case_request_make
from sahay.cases.tests.conftest import CHILD_NAME, CaseWorld

SENT = "Your request was sent to your supervisor"
NO_SUCH_CODE = "TH-NOBODY-9"


def register_form(code: str, case_worker: int) -> dict[str, object]:
    return {
        "code": code,
        "already_registered": "on",
        "sex": "female",
        "child_role": "victim",
        "intake": "outreach",
        "exploitation": "online_abuse",
        "opened_on": "2017-07-01",
        "case_worker": case_worker,
    }


def close(case_world: CaseWorld) -> Case:
    case = case_world.case
    case_close(
        case=case, closed_by=case_world.worker, version=case.version, closed_on=date(2017, 6, 1), reason="goals_met"
    )
    return case


def message_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


def test_a_new_case_worker_cannot_open_a_case_to_reach_a_colleagues_child(case_world, client_for) -> None:
    case = close(case_world)
    newcomer = case_world.colleague  # a case worker of the organisation with no case
    client = client_for(newcomer)
    assert client.get(reverse("case_detail", args=[case.public_id])).status_code == 404
    existing = client.post(reverse("case_register"), register_form(case.code, newcomer.pk), follow=True)
    named = CHILD_NAME in existing.content.decode()
    assert not named, "the answer shows the child's name"
    assert not Case.objects.filter(person=case.person, status=Case.Status.OPEN).exists()
    assert not visible_cases(newcomer, CaseAction.SEE_SUMMARY).filter(person=case.person).exists()
    assert SENT in " ".join(message_of(existing))


def test_the_form_answers_the_same_whether_the_code_exists_or_not(case_world, client_for) -> None:
    case = close(case_world)
    newcomer = case_world.colleague
    client = client_for(newcomer)
    existing = client.post(reverse("case_register"), register_form(case.code, newcomer.pk))
    missing = client.post(reverse("case_register"), register_form(NO_SUCH_CODE, newcomer.pk))
    assert (existing.status_code, existing.get("Location")) == (missing.status_code, missing.get("Location"))
    answers = message_of(client.get(reverse("case_list")))
    assert len(answers) == 2 and answers[0] == answers[1] and SENT in answers[0]


def test_a_supervisor_grants_the_request_and_the_requester_then_reaches_the_child(case_world, client_for) -> None:
    case = close(case_world)
    newcomer, supervisor = case_world.colleague, case_world.supervisor
    client_for(newcomer).post(reverse("case_register"), register_form(case.code, newcomer.pk))
    request = CaseRequest.objects.get()
    told = Notice.objects.filter(kind="case_requested", case_request=request).values_list("recipient", flat=True)
    assert set(told) == {supervisor.pk}
    boss = client_for(supervisor)
    inbox = boss.get(reverse("case_request_inbox")).content.decode()
    found = [case.code in inbox, "found" in inbox]
    assert found == [True, True]
    url = reverse("case_request_answer", args=[request.public_id])
    assert boss.get(url).status_code == 200
    assert boss.post(url, {"grant": "yes"}).status_code == 302
    request.refresh_from_db()
    opened = request.case
    assert (request.status, opened.person_id, opened.case_worker, opened.status) == (
        CaseRequest.Status.GRANTED,
        case.person_id,
        newcomer,
        Case.Status.OPEN,
    )
    assert CaseAccess.of(newcomer, opened).may(CaseAction.SEE_IDENTITY)
    answered = Notice.objects.get(recipient=newcomer, kind="case_request_answered")
    assert answered.case == opened
    asked, audit = AuditEntry.objects.filter(target_kind="case_request")
    assert (asked.action, asked.actor, asked.detail) == (AuditAction.CASE_REQUESTED, newcomer, {})
    assert (audit.action, audit.actor, audit.detail["granted"]) == (AuditAction.PERMISSION_CHANGED, supervisor, True)
    assert AuditEntry.objects.filter(action=AuditAction.CASE_CREATED, target_id=opened.public_id).exists()
    notices = client_for(newcomer).get(reverse("notice_list")).content.decode()
    assert "was answered" in notices


def test_a_request_on_a_code_no_child_has_can_only_be_refused(case_world, client_for) -> None:
    newcomer, supervisor = case_world.colleague, case_world.supervisor
    client_for(newcomer).post(reverse("case_register"), register_form(NO_SUCH_CODE, newcomer.pk))
    request = CaseRequest.objects.get()
    boss = client_for(supervisor)
    assert "no child has this code" in boss.get(reverse("case_request_inbox")).content.decode()
    url = reverse("case_request_answer", args=[request.public_id])
    refused = boss.post(url, {"grant": "yes"})
    assert refused.status_code == 200 and "No child of your organisation has this code" in refused.content.decode()
    assert boss.post(url, {"grant": "no", "note": ""}).status_code == 200  # a refusal says why
    assert boss.post(url, {"grant": "no", "note": "Check the code on the attendance sheet."}).status_code == 302
    request.refresh_from_db()
    assert request.status == CaseRequest.Status.REFUSED and request.case is None
    assert Notice.objects.filter(recipient=newcomer, kind="case_request_answered", case=None).count() == 1
    asked, audit = AuditEntry.objects.filter(target_kind="case_request")
    assert asked.action == AuditAction.CASE_REQUESTED
    assert (audit.action, audit.detail["granted"]) == (AuditAction.ACCESS_DENIED, False)


def test_only_a_supervisor_of_the_organisation_answers(case_world, client_for) -> None:
    newcomer = case_world.colleague
    request = case_request_make(
        requested_by=newcomer,
        organisation=newcomer.organisation,
        code=case_world.case.code,
        intake="outreach",
        exploitation="other",
        opened_on=date(2017, 7, 1),
        child_role="victim",
        case_worker=None,
    )
    for user in (newcomer, case_world.worker, case_world.receiver_supervisor):
        with pytest.raises(PermissionDenied):
            case_request_answer(case_request=request, answered_by=user, grant=True)
    url = reverse("case_request_answer", args=[request.public_id])
    assert client_for(case_world.worker).get(url).status_code == 403
    assert client_for(case_world.receiver_supervisor).get(url).status_code == 404
    assert client_for(case_world.partner_staff).get(reverse("case_request_inbox")).status_code == 403


def test_a_supervisor_still_opens_a_case_on_a_registered_child_directly(case_world, client_for) -> None:
    case = close(case_world)
    supervisor = case_world.supervisor
    response = client_for(supervisor).post(reverse("case_register"), register_form(case.code, supervisor.pk))
    assert response.status_code == 302
    assert Case.objects.filter(person=case.person, status=Case.Status.OPEN).count() == 1
    assert not CaseRequest.objects.exists()


def test_the_register_service_itself_refuses_a_case_worker_a_registered_child(case_world) -> None:
    case = close(case_world)
    newcomer = case_world.colleague
    with pytest.raises(PermissionDenied):
        case_register(
            registered_by=newcomer,
            organisation=newcomer.organisation,
            intake="outreach",
            exploitation="other",
            opened_on=date(2017, 7, 1),
            child_role="victim",
            case_worker=newcomer,
            person=case.person,
        )
    assert not Case.objects.filter(person=case.person, status=Case.Status.OPEN).exists()
