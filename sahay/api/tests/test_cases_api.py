"""The cases endpoints hold to the same need-to-know table as the case pages.

Expectations come from the hand-written `access_spec` tables, never from the policy. Failures are reported
by relation and kind of data, never with a response body, so no marker text ends up in the test output.
"""

from __future__ import annotations

import json

import pytest

from sahay.api.tests.conftest import TokenClient
from sahay.audit.models import AuditAction, AuditEntry
from sahay.cases.models import Case
from sahay.cases.policy import CaseAction
from sahay.cases.tests import access_spec
from sahay.cases.tests import conftest as case_fixtures
from sahay.cases.tests.conftest import CHILD_NAME, NEPAL_CHILD_NAME, SUMMARY_TEXT, CaseWorld
from sahay.core.models import Country

# The cases' world of users in every relation to a case, registered here by this name.
case_world = case_fixtures.case_world

CASES = "/api/cases/"
# Roles that hold none of the rights a case page needs: refused outright (403), whatever the case.
NO_CASE_RIGHTS = {"donor_viewer", "system_administrator"}
# Closed data the API never gives, to anyone: legal details and documents.
NEVER = {"legal details": "SYN-REF-1", "documents": "Medical report"}

PAIRS = [("thai", relation) for relation in access_spec.THAI_CASE] + [
    ("nepal", relation) for relation in access_spec.NEPAL_CASE
]


def detail_url(case: Case) -> str:
    return f"{CASES}{case.public_id}/"


def views_of(case: Case) -> int:
    return AuditEntry.objects.filter(action=AuditAction.CASE_VIEWED, target_id=case.public_id).count()


def pick(world: CaseWorld, which: str) -> tuple[Case, dict[str, frozenset[CaseAction]], str]:
    if which == "thai":
        return world.case, access_spec.THAI_CASE, CHILD_NAME
    return world.nepal_case, access_spec.NEPAL_CASE, NEPAL_CHILD_NAME


@pytest.mark.parametrize(("which", "relation"), PAIRS)
def test_each_relation_reads_exactly_what_the_table_allows(
    which: str, relation: str, case_world: CaseWorld, token_client: TokenClient
) -> None:
    case, table, child_name = pick(case_world, which)
    allowed = table[relation]
    client = token_client(case_world.users[relation])
    before = views_of(case)
    response = client.get(detail_url(case))
    body = response.content.decode()
    problems = []
    if CaseAction.SEE_SUMMARY not in allowed:
        expected = 403 if relation in NO_CASE_RIGHTS else 404
        if response.status_code != expected:
            problems.append(f"status {response.status_code}, expected {expected}")
        if case.code in body:
            problems.append("the case code leaks in a refusal")
    elif response.status_code != 200:
        problems.append(f"status {response.status_code}, expected 200")
    else:
        data = response.json()
        if data["public_id"] != case.public_id or data["code"] != case.code:
            problems.append("not the case asked for")
        shows_identity = child_name in body
        if shows_identity != (CaseAction.SEE_IDENTITY in allowed):
            problems.append(f"identity shown: {shows_identity}")
        if (data["child"] is None) != (CaseAction.SEE_IDENTITY not in allowed):
            problems.append("child object present or missing against the table")
        elif data["child"] is not None and data["child"]["name"] != child_name:
            problems.append("the child object is not the child's")
        shows_care = SUMMARY_TEXT in body
        if shows_care != (CaseAction.SEE_CARE in allowed):
            problems.append(f"care shown: {shows_care}")
        if (data["care"] is None) != (CaseAction.SEE_CARE not in allowed):
            problems.append("care object present or missing against the table")
        elif data["care"] is not None and not (data["care"]["consents"] and data["care"]["follow_ups"]):
            problems.append("care misses the consents or the follow-ups")
        problems += [f"shows {what}" for what, text in NEVER.items() if text in body]
    # Audited exactly as the case page: a read that shows identity or care, and only such a read.
    audited = response.status_code == 200 and bool(allowed & {CaseAction.SEE_IDENTITY, CaseAction.SEE_CARE})
    if views_of(case) - before != int(audited):
        problems.append(f"{views_of(case) - before} audit entries, expected {int(audited)}")
    assert not problems, f"{relation} on the {which} case: " + "; ".join(problems)


@pytest.mark.parametrize("relation", sorted(access_spec.THAI_CASE))
def test_the_list_shows_exactly_the_visible_cases_and_never_a_name(
    relation: str, case_world: CaseWorld, token_client: TokenClient
) -> None:
    user = case_world.users[relation]
    expected = {
        case.public_id
        for case, table in ((case_world.case, access_spec.THAI_CASE), (case_world.nepal_case, access_spec.NEPAL_CASE))
        if CaseAction.SEE_SUMMARY in table[relation]
    }
    before = AuditEntry.objects.filter(action=AuditAction.CASE_VIEWED).count()
    response = token_client(user).get(CASES)
    if relation in NO_CASE_RIGHTS:
        assert response.status_code == 403, relation
        return
    assert response.status_code == 200, relation
    body = response.content.decode()
    listed = {row["public_id"] for row in response.json()["results"]}
    assert listed == expected, relation
    markers = {"the Thai child's name": CHILD_NAME, "the Nepali child's name": NEPAL_CHILD_NAME, "care": SUMMARY_TEXT}
    leaked = [what for what, text in markers.items() if text in body]
    assert not leaked, f"{relation}: the list shows {leaked}"
    assert all(row["child"] is None and row["care"] is None for row in response.json()["results"]), relation
    # A de-identified list is not an audited read.
    assert AuditEntry.objects.filter(action=AuditAction.CASE_VIEWED).count() == before


def test_the_list_row_is_the_de_identified_summary(case_world: CaseWorld, token_client: TokenClient) -> None:
    response = token_client(case_world.worker).get(CASES)
    (row,) = response.json()["results"]
    assert set(row) == {
        "public_id",
        "code",
        "age_band",
        "sex",
        "organisation",
        "case_worker",
        "status",
        "opened_on",
        "closed_on",
        "closure_reason",
        "service_count",
        "next_visit",
        "child",
        "care",
    }
    assert row["code"] == case_world.case.code
    assert (row["status"], row["sex"], row["service_count"]) == ("open", "female", 1)
    assert row["organisation"] == case_world.case.organisation.name


def test_a_token_limited_elsewhere_does_not_see_the_case(
    case_world: CaseWorld, organisations, token_client: TokenClient
) -> None:
    thai = case_world.case
    # Programme staff who see every case, through a token limited to Nepal.
    nepal_only = token_client(case_world.programme_manager, countries=[Country.objects.get(code="NP")])
    assert nepal_only.get(detail_url(thai)).status_code == 404
    assert {row["public_id"] for row in nepal_only.get(CASES).json()["results"]} == {case_world.nepal_case.public_id}
    assert nepal_only.get(detail_url(case_world.nepal_case)).status_code == 200
    # An emergency access opens the Thai case to a user of the second partner, but not through a token
    # limited to that partner's own organisation.
    own_only = token_client(case_world.glass_user, organisations=[organisations.partners["TH2"]])
    before = views_of(thai)
    assert own_only.get(detail_url(thai)).status_code == 404
    assert own_only.get(CASES).json()["results"] == []
    assert views_of(thai) == before
    # ... while the case worker's token limited to the case's organisation still opens it.
    assert token_client(case_world.worker, organisations=[thai.organisation]).get(detail_url(thai)).status_code == 200


def test_an_unknown_case_is_a_404_like_a_hidden_one(case_world: CaseWorld, token_client: TokenClient) -> None:
    client = token_client(case_world.colleague)
    missing = client.get(f"{CASES}no-such-case/")
    hidden = client.get(detail_url(case_world.case))
    assert missing.status_code == hidden.status_code == 404
    assert missing.json() == hidden.json()


def test_a_case_is_never_cached_and_cannot_be_written(case_world: CaseWorld, token_client: TokenClient) -> None:
    client = token_client(case_world.worker)
    response = client.get(detail_url(case_world.case))
    assert "no-store" in response.headers["Cache-Control"]
    assert client.get(CASES).headers["Cache-Control"].count("no-store") == 1
    assert client.delete(detail_url(case_world.case)).status_code in (403, 405)
    assert Case.objects.filter(pk=case_world.case.pk).exists()


def test_no_answer_without_its_audit_entry(
    case_world: CaseWorld, token_client: TokenClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("audit trail unavailable")

    monkeypatch.setattr("sahay.cases.services.cases.audit_case", broken)
    client = token_client(case_world.worker)
    with pytest.raises(RuntimeError):
        client.get(detail_url(case_world.case))
    # A de-identified read needs no entry and is still answered.
    programme = token_client(case_world.programme_manager)
    assert programme.get(detail_url(case_world.case)).status_code == 200


def test_a_session_of_the_pages_reads_the_same(case_world: CaseWorld) -> None:
    from rest_framework.test import APIClient

    from conftest import sign_in_verified

    client = sign_in_verified(APIClient(), case_world.receiver_worker)
    data = client.get(detail_url(case_world.case)).json()
    assert data["child"] is not None and data["care"] is None
    assert json.dumps(data).count(case_world.case.code) >= 1
