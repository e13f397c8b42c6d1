"""Need to know, proved over every case page x every user relation x every method, and the policy itself.

The pages are taken from the URL configuration: a case page missing from `access_spec.CASE_PAGES`
fails. Expectations come from the hand-written table in `access_spec`, never from the policy.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from conftest import sign_in_verified
from sahay.cases import policy
from sahay.cases.models import Attachment, Case, Consent, FollowUp, PlanGoal
from sahay.cases.policy import CaseAction, Reach, permits, reaches_of, visible_cases
from sahay.cases.tests import access_spec
from sahay.cases.tests.conftest import CHILD_NAME, NEPAL_CHILD_NAME, SUMMARY_TEXT, CaseWorld

METHODS = ("GET", "POST", "DELETE")
# Pages of case management that are not about one case, tested by role below.
CASE_LIST_PAGES = {
    "case_list",
    "case_register",
    "case_find",
    "caseload_reassign",
    "referral_inbox",
    "referral_answer",
    "notice_list",
    "case_break_glass",
    "case_request_inbox",
    "case_request_answer",
}


def case_url_names(patterns: list[URLPattern | URLResolver] | None = None, inside: bool = False) -> Iterator[str]:
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            yield from case_url_names(pattern.url_patterns, inside or str(pattern.pattern) == "cases/")
        elif inside and pattern.name:
            yield pattern.name


def test_every_case_page_is_in_the_matrix() -> None:
    names = set(case_url_names())
    assert names, "no case pages found under cases/"
    missing = names - set(access_spec.CASE_PAGES) - CASE_LIST_PAGES
    assert not missing, f"Case pages missing from the access matrix: {sorted(missing)}"


def url_for(name: str, case: Case) -> str:
    kwargs: dict[str, object] = {"public_id": case.public_id}
    if name == "consent_withdraw":
        kwargs["consent_id"] = Consent.objects.filter(case=case).first().pk
    elif name == "goal_achieved":
        kwargs["goal_id"] = PlanGoal.objects.filter(case=case).first().pk
    elif name == "follow_up_done":
        kwargs["follow_up_id"] = FollowUp.objects.filter(case=case).first().pk
    elif name == "attachment_download":
        kwargs["attachment_id"] = Attachment.objects.filter(case=case).first().public_id
    return reverse(name, kwargs=kwargs)


def expected_status(name: str, method: str, allowed: frozenset[CaseAction]) -> set[int]:
    """What the page must answer a user allowed these actions (empty POSTs change nothing)."""
    if method == "DELETE" or (method == "GET" and name in access_spec.POST_ONLY):
        return {405} if CaseAction.SEE_SUMMARY in allowed else {404, 405}
    if method == "POST" and name in access_spec.GET_ONLY:
        return {405} if CaseAction.SEE_SUMMARY in allowed else {404, 405}
    if CaseAction.SEE_SUMMARY not in allowed:
        return {404}
    if access_spec.CASE_PAGES[name] not in allowed:
        return {403}
    return {302} if name in access_spec.POST_ONLY else {200}


def markers(child_name: str) -> dict[CaseAction, bytes]:
    """Text on a page that only a user allowed the action may see (the world's synthetic values)."""
    return {
        CaseAction.SEE_IDENTITY: child_name.encode(),
        CaseAction.SEE_CARE: SUMMARY_TEXT.encode(),
        CaseAction.SEE_ATTACHMENTS: b"Medical report",
        CaseAction.SEE_LEGAL: b"SYN-REF-1",
    }


def leaks(body: bytes, allowed: frozenset[CaseAction], child_name: str, code: str, where: str) -> list[str]:
    found = [
        f"{where}: shows {action} data"
        for action, text in markers(child_name).items()
        if action not in allowed and text in body
    ]
    if CaseAction.SEE_SUMMARY not in allowed and code.encode() in body:
        found.append(f"{where}: the case code leaks in a refusal")
    return found


def omissions(body: bytes, allowed: frozenset[CaseAction], child_name: str, where: str) -> list[str]:
    """The case page shows each kind of data to those allowed it (legal details have their own page)."""
    return [
        f"{where}: misses {action} data"
        for action, text in markers(child_name).items()
        if action in allowed and action != CaseAction.SEE_LEGAL and text not in body
    ]


@pytest.mark.parametrize("name", sorted(access_spec.CASE_PAGES))
def test_each_relation_reaches_exactly_its_case_pages(name: str, case_world: CaseWorld) -> None:
    checked, unexpected = 0, []
    for case, table, child_name in (
        (case_world.case, access_spec.THAI_CASE, CHILD_NAME),
        (case_world.nepal_case, access_spec.NEPAL_CASE, NEPAL_CHILD_NAME),
    ):
        url = url_for(name, case)
        version = Case.objects.get(pk=case.pk).version
        for relation, allowed in table.items():
            client = sign_in_verified(Client(), case_world.users[relation])
            for method in METHODS:
                response = client.generic(method, url)
                checked += 1
                if response.status_code not in expected_status(name, method, allowed):
                    unexpected.append(f"{relation} {method} {name}: {response.status_code}")
                unexpected += leaks(response.content, allowed, child_name, case.code, f"{relation} {method} {name}")
                if name == "case_detail" and response.status_code == 200:
                    unexpected += omissions(response.content, allowed, child_name, f"{relation} {name}")
        # Empty or refused submissions change nothing.
        assert Case.objects.get(pk=case.pk).version == version
    print(f"{name}: {checked} requests checked")
    assert not unexpected, "\n".join(unexpected)


def test_the_matrix_is_large_enough(case_world: CaseWorld) -> None:
    """Goal figure 1: at least 2,000 role x scope x sensitivity x page x method checks."""
    relations = len(access_spec.THAI_CASE) + len(access_spec.NEPAL_CASE)
    size = len(access_spec.CASE_PAGES) * relations * len(METHODS)
    roles = {case_world.users[relation].role.code for relation in access_spec.THAI_CASE}
    # Three sensitivities: de-identified and protected data (both on the case page, told apart by its
    # content), and closed data on pages of their own.
    assert {CaseAction.SEE_SUMMARY, CaseAction.SEE_ATTACHMENTS, CaseAction.SEE_LEGAL} <= set(
        access_spec.CASE_PAGES.values()
    )
    print(f"access matrix: {size} page requests over {len(roles)} roles")
    assert size >= 2000
    assert len(roles) >= 6


def policy_mismatches(case_world: CaseWorld, reaches: dict[tuple[str, int], frozenset[Reach]]) -> list[str]:
    """Every (relation, case, action) where the policy disagrees with the hand-written table."""
    mismatches = []
    for case, table in ((case_world.case, access_spec.THAI_CASE), (case_world.nepal_case, access_spec.NEPAL_CASE)):
        for relation, allowed in table.items():
            user = case_world.users[relation]
            for action in CaseAction:
                if permits(user, action, reaches[(relation, case.pk)]) != (action in allowed):
                    mismatches.append(f"{relation} {action} on {case.code}")
    return mismatches


@pytest.fixture
def world_reaches(case_world: CaseWorld) -> dict[tuple[str, int], frozenset[Reach]]:
    return {
        (relation, case.pk): reaches_of(case_world.users[relation], case)
        for relation in access_spec.THAI_CASE
        for case in (case_world.case, case_world.nepal_case)
    }


def test_the_policy_gives_every_relation_exactly_its_actions(case_world, world_reaches) -> None:
    assert policy_mismatches(case_world, world_reaches) == []


def test_flipping_any_policy_entry_makes_a_test_fail(case_world, world_reaches, monkeypatch) -> None:
    """Goal figure 5: for every action and reach, granting or withdrawing it is caught."""
    original = dict(policy.POLICY)
    undetected = []
    for action in CaseAction:
        for reach in Reach:
            flipped = original[action] ^ {reach}
            monkeypatch.setitem(policy.POLICY, action, flipped)
            if not policy_mismatches(case_world, world_reaches):
                undetected.append(f"{action} {'+' if reach in flipped else '-'}{reach}")
            monkeypatch.setitem(policy.POLICY, action, original[action])
    for action in list(policy.ACTION_RIGHTS):
        right = policy.ACTION_RIGHTS[action]
        monkeypatch.delitem(policy.ACTION_RIGHTS, action)
        if not policy_mismatches(case_world, world_reaches):
            undetected.append(f"{action} without the right {right}")
        monkeypatch.setitem(policy.ACTION_RIGHTS, action, right)
    assert undetected == []


@pytest.mark.parametrize("action", list(CaseAction))
def test_lists_show_exactly_the_cases_a_page_would_open(case_world: CaseWorld, action: CaseAction) -> None:
    """Goal figure 2: the list query and the page check agree for every user and action."""
    for relation in access_spec.THAI_CASE:
        user = case_world.users[relation]
        listed = set(visible_cases(user, action).values_list("pk", flat=True))
        for case, table in (
            (case_world.case, access_spec.THAI_CASE),
            (case_world.nepal_case, access_spec.NEPAL_CASE),
        ):
            assert (case.pk in listed) == (action in table[relation]), f"{relation} {action} {case.code}"


def test_the_case_list_page_shows_each_user_exactly_the_cases_in_reach(case_world: CaseWorld, client_for) -> None:
    """Goal figure 2 on the page: the list and a search by code show in-scope cases only."""
    for relation in access_spec.THAI_CASE:
        client = client_for(case_world.users[relation])
        listed = client.get(reverse("case_list"))
        if listed.status_code == 403:
            assert not access_spec.THAI_CASE[relation] and not access_spec.NEPAL_CASE[relation], relation
            continue
        for case, table in ((case_world.case, access_spec.THAI_CASE), (case_world.nepal_case, access_spec.NEPAL_CASE)):
            shown = f">{case.code}</a>".encode() in listed.content
            assert shown == (CaseAction.SEE_SUMMARY in table[relation]), f"{relation} {case.code}"
            client.post(reverse("case_list"), {"code": case.code})
            searched = client.get(reverse("case_list")).content
            assert (f">{case.code}</a>".encode() in searched) == shown, f"{relation} searching {case.code}"
