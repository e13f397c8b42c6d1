"""The audit page (who reads which entries, filters, paging) and the audited 403 (figure 7)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from conftest import sign_in_verified
from sahay.audit.models import AuditAction, AuditEntry
from sahay.audit.services import audit_record
from sahay.core.pages import PAGE_SIZE

pytestmark = pytest.mark.django_db


def record(**kwargs) -> AuditEntry:
    with transaction.atomic():
        return audit_record(**{"action": AuditAction.CASE_VIEWED, "actor": None, **kwargs})


@pytest.fixture
def supervisors(make_user, organisations):
    return {
        "TH": make_user("case_supervisor", organisation=organisations.partners["TH"], username="supervisor-th"),
        "NP": make_user("case_supervisor", organisation=organisations.partners["NP"], username="supervisor-np"),
    }


@pytest.fixture
def trail(supervisors, organisations) -> None:
    record(
        actor=supervisors["TH"], target_kind="case", target_label="TH-0001", organisation=organisations.partners["TH"]
    )
    record(
        actor=supervisors["NP"], target_kind="case", target_label="NP-0007", organisation=organisations.partners["NP"]
    )
    record(
        action=AuditAction.BREAK_GLASS,
        actor=supervisors["TH"],
        target_kind="case",
        target_label="TH-0002",
        organisation=organisations.partners["TH"],
        reason="the child called the hotline at night",
    )
    record(action=AuditAction.LOGIN_FAILED, target_kind="user", detail={"username": "mallory"})


def filtered(client, query: dict):
    """Filter as the page does: the filters are posted, kept in the session, and the page shown again."""
    return client.post(reverse("audit_log"), query, follow=True)


def labels_on(response) -> set[str]:
    return {entry.target_label for entry in response.context["page"].object_list if entry.target_label}


def test_the_administrator_reads_the_whole_trail(role_users, trail, client_for):
    response = client_for(role_users.system_administrator).get(reverse("audit_log"))
    assert response.status_code == 200
    assert labels_on(response) == {"TH-0001", "NP-0007", "TH-0002"}
    assert len(response.context["page"].object_list) == AuditEntry.objects.count()


def test_a_case_supervisor_reads_only_their_organisation(supervisors, trail, client_for):
    response = client_for(supervisors["TH"]).get(reverse("audit_log"))
    assert response.status_code == 200
    assert labels_on(response) == {"TH-0001", "TH-0002"}
    assert "NP-0007" not in response.content.decode()
    assert "mallory" not in response.content.decode()


@pytest.mark.parametrize("role", ["programme_manager", "me_officer", "partner_staff", "donor_viewer", "case_worker"])
def test_roles_without_the_audit_right_are_refused(role, make_user, organisations, trail, client_for):
    user = make_user(role, organisation=organisations.partners["TH"])
    assert client_for(user).get(reverse("audit_log")).status_code == 403


def test_newest_first_and_the_reason_is_shown_as_given(role_users, trail, client_for):
    response = client_for(role_users.system_administrator).get(reverse("audit_log"))
    positions = [entry.position for entry in response.context["page"].object_list]
    assert positions == sorted(positions, reverse=True)
    page = response.content.decode()
    assert "Reason given:" in page
    assert "the child called the hotline at night" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"user": "SUPERVISOR-th"}, {"TH-0001", "TH-0002"}),
        ({"case": "np-0007"}, {"NP-0007"}),
        ({"case": "NP-000"}, set()),
        ({"user": "mallory"}, set()),
    ],
)
def test_filters(role_users, trail, client_for, query, expected):
    response = filtered(client_for(role_users.system_administrator), query)
    assert labels_on(response) == expected


def test_a_failed_sign_in_is_found_by_the_name_typed(role_users, trail, client_for):
    response = filtered(client_for(role_users.system_administrator), {"user": "mallory"})
    actions = [entry.action for entry in response.context["page"].object_list]
    assert actions == [AuditAction.LOGIN_FAILED]


def test_date_filters_take_whole_utc_days(role_users, trail, client_for):
    today = datetime.now(UTC).date()
    client = client_for(role_users.system_administrator)
    assert len(filtered(client, {"from": today, "to": today}).context["page"].object_list) == 4
    assert not filtered(client, {"to": today - timedelta(days=1)}).context["page"].object_list
    assert not filtered(client, {"from": today + timedelta(days=1)}).context["page"].object_list
    # An unreadable date filters on nothing rather than failing.
    response = filtered(client, {"from": "yesterday"})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 4


def test_empty_state_and_paging(role_users, client_for):
    client = client_for(role_users.system_administrator)
    assert "No entries yet." in client.get(reverse("audit_log")).content.decode()
    assert "No entries match" in filtered(client, {"case": "XX-1"}).content.decode()
    client.get(reverse("audit_log"), {"clear": "1"})
    for number in range(PAGE_SIZE + 3):
        record(target_kind="case", target_label=f"TH-{number:04d}")
    first = client.get(reverse("audit_log"))
    assert len(first.context["page"].object_list) == PAGE_SIZE
    second = client.get(reverse("audit_log"), {"page": 2})
    assert {entry.position for entry in second.context["page"].object_list} == {1, 2, 3}


def test_the_page_speaks_dutch(role_users, client_for):
    client = client_for(role_users.system_administrator)
    response = client.get(reverse("audit_log"), headers={"accept-language": "nl"})
    assert response.status_code == 200
    assert '<html lang="nl">' in response.content.decode()


def test_the_navigation_links_the_trail_for_those_who_may_read_it(role_users, supervisors, client_for):
    link = f'href="{reverse("audit_log")}"'
    assert link in client_for(role_users.system_administrator).get(reverse("user_list")).content.decode()
    assert link not in client_for(role_users.programme_manager).get(reverse("indicator_reference")).content.decode()


def test_every_refusal_is_audited_with_user_address_target_and_utc_time(role_users, client_for):
    """Figure 7: a 403 carries who, from where, which page and when (UTC)."""
    before = datetime.now(UTC)
    client = client_for(role_users.donor_viewer)
    response = client.get(reverse("user_list"), REMOTE_ADDR="198.51.100.23")

    assert response.status_code == 403
    assert "not open to your role" in response.content.decode()
    entry = AuditEntry.objects.get(action=AuditAction.ACCESS_DENIED)
    assert entry.actor == role_users.donor_viewer
    assert entry.actor_name == role_users.donor_viewer.username
    assert entry.ip == "198.51.100.23"
    assert entry.target_kind == "page"
    assert entry.detail["path"] == reverse("user_list")
    assert entry.detail["method"] == "GET"
    assert entry.at.utcoffset() == timedelta(0)
    assert before <= entry.at <= datetime.now(UTC)


def test_a_refused_post_is_audited_too(role_users, client_for):
    client = client_for(role_users.partner_staff)
    response = client.post(reverse("user_create"), {"username": "sneaky"})
    assert response.status_code == 403
    entry = AuditEntry.objects.get(action=AuditAction.ACCESS_DENIED)
    assert (entry.actor, entry.detail["method"]) == (role_users.partner_staff, "POST")


def test_a_refused_forged_form_is_audited(role_users):
    client = sign_in_verified(Client(enforce_csrf_checks=True), role_users.system_administrator)
    response = client.post(reverse("user_create"), {"username": "forged"})
    assert response.status_code == 403
    entry = AuditEntry.objects.get(action=AuditAction.ACCESS_DENIED)
    assert entry.detail["why"] == "csrf"
    assert entry.actor == role_users.system_administrator


def test_a_refused_sign_in_form_is_audited_without_a_user(db):
    response = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "someone", "password": "x"})
    assert response.status_code == 403
    entry = AuditEntry.objects.get(action=AuditAction.ACCESS_DENIED)
    assert (entry.actor, entry.actor_name, entry.ip) == (None, "", "127.0.0.1")
    assert entry.detail == {"path": reverse("login"), "method": "POST", "why": "csrf"}


def test_filtering_by_a_case_code_keeps_the_code_out_of_every_url(role_users, trail, client_for):
    client = client_for(role_users.system_administrator)
    page = client.get(reverse("audit_log")).content.decode()
    assert re.search(r'<form class="search" method="post"', page)
    answer = client.post(reverse("audit_log"), {"case": "np-0007"}, follow=True)
    assert answer.status_code == 200
    assert labels_on(answer) == {"NP-0007"}
    urls = [url for url, _status in answer.redirect_chain] + re.findall(
        r'(?:href|action)="([^"]*)"', answer.content.decode()
    )
    assert answer.redirect_chain and not [url for url in urls if "0007" in url]
    # The filter stays while paging, and "Clear" ends it.
    assert labels_on(client.get(reverse("audit_log"))) == {"NP-0007"}
    assert labels_on(client.get(reverse("audit_log"), {"clear": "1"}, follow=True)) == {"TH-0001", "NP-0007", "TH-0002"}
