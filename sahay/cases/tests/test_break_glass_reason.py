"""A reason to break the glass must say something (issue 15, item 17)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sahay.audit.models import AuditAction, AuditEntry
from sahay.cases.models import GlassAccess
from sahay.cases.services.glass import break_glass
from sahay.cases.tests.conftest import CaseWorld

EMPTY_REASONS = [
    "aaaaaaaaaaaaaaa",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "aa aa aa aa aa aa aa",
    "asdf asdf asdf asdf",
    "x y z x y z x y z x y z",
    "1234567890123456",
    "...............!!!",
]


@pytest.mark.parametrize("reason", EMPTY_REASONS)
def test_a_reason_that_says_nothing_is_refused(case_world: CaseWorld, reason: str) -> None:
    with pytest.raises(ValidationError) as refused:
        break_glass(case=case_world.case, user=case_world.other_receiver_worker, reason=reason)
    assert "reason" in refused.value.message_dict
    assert not GlassAccess.objects.filter(case=case_world.case, user=case_world.other_receiver_worker).exists()


def test_the_page_says_why_and_keeps_what_was_typed(case_world: CaseWorld, client_for) -> None:
    case = case_world.case
    client = client_for(case_world.other_receiver_worker)
    url = reverse("case_break_glass", args=[case.public_id])
    response = client.post(url, {"reason": "aaaaaaaaaaaaaaa"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "at least 3 different words" in body
    assert "aaaaaaaaaaaaaaa" in body
    assert not AuditEntry.objects.filter(action=AuditAction.BREAK_GLASS).exists()


@pytest.mark.parametrize(
    "reason",
    [
        "The police found her at the bus station tonight.",
        "Hospital needs her caregiver's contact now",
        "เด็กอยู่ที่ด่านตรวจคนเข้าเมือง ตำรวจถามว่าเธอคือใคร และต้องติดต่อผู้ปกครอง",
    ],
)
def test_a_reason_in_words_opens_the_case(case_world: CaseWorld, reason: str) -> None:
    access = break_glass(case=case_world.case, user=case_world.other_receiver_worker, reason=reason)
    assert access.reason == reason
