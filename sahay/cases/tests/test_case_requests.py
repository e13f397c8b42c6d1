"""A case worker reaches a child only through an assignment, a share or a referral (issue 15, item 5).

Opening a case on a child the organisation already registered is a request that a case supervisor of the
organisation grants; until then the requester sees nothing of the child, and the form answers the same
whether the code exists or not.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from sahay.cases.models import Case
from sahay.cases.policy import CaseAction, visible_cases
from sahay.cases.services.cases import case_close
from sahay.cases.tests.conftest import CHILD_NAME, CaseWorld

ITEM_5 = "Issue 15, item 5: a case worker opens a case on any child of the organisation and sees their identity"
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


@pytest.mark.xfail(strict=True, reason=ITEM_5)
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


@pytest.mark.xfail(strict=True, reason=ITEM_5)
def test_the_form_answers_the_same_whether_the_code_exists_or_not(case_world, client_for) -> None:
    case = close(case_world)
    newcomer = case_world.colleague
    client = client_for(newcomer)
    existing = client.post(reverse("case_register"), register_form(case.code, newcomer.pk))
    missing = client.post(reverse("case_register"), register_form(NO_SUCH_CODE, newcomer.pk))
    assert (existing.status_code, existing.get("Location")) == (missing.status_code, missing.get("Location"))
    answers = message_of(client.get(reverse("case_list")))
    assert len(answers) == 2 and answers[0] == answers[1] and SENT in answers[0]
