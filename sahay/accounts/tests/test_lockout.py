"""The sign-in lock (figure 11): 5 failures in 15 minutes lock the user name and, separately, the address."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from sahay.audit.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db
TEST_PASSWORD = "correct horse battery staple"  # as in conftest.py


def attempt(client: Client, username: str, password: str, ip: str = "203.0.113.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def answer(response) -> str:
    """The page without its per-response CSRF token, to compare two answers."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_five_failures_lock_the_account_and_the_right_password_fails(client, role_users):
    for _ in range(5):
        assert attempt(client, "me", "wrong password").status_code == 200
    locked = attempt(client, "me", TEST_PASSWORD, ip="203.0.113.99")
    assert locked.status_code == 200
    assert "not right" in locked.content.decode()
    assert answer(locked) == answer(attempt(client, "me", "wrong again", ip="203.0.113.98"))
    assert not AuditEntry.objects.filter(action=AuditAction.LOGIN).exists()
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED, detail__locked=True).count() == 2
    # Another user is not locked (from another address).
    assert attempt(client, "manager", TEST_PASSWORD, ip="203.0.113.50").status_code == 302


def test_four_failures_do_not_lock(client, role_users):
    for _ in range(4):
        attempt(client, "me", "wrong password")
    assert attempt(client, "me", TEST_PASSWORD).status_code == 302


def test_the_lock_is_per_user_name_whatever_the_case(client, role_users):
    for number in range(5):
        attempt(client, "ME" if number % 2 else "me", "wrong password", ip=f"203.0.113.{number + 10}")
    assert attempt(client, "me", TEST_PASSWORD, ip="203.0.113.60").status_code == 200


def test_five_failures_from_one_address_lock_it_for_every_user_name(client, role_users):
    for name in ("a", "b", "c", "d", "e"):
        attempt(client, name, "wrong password", ip="198.51.100.7")
    assert attempt(client, "me", TEST_PASSWORD, ip="198.51.100.7").status_code == 200
    assert attempt(client, "me", TEST_PASSWORD, ip="198.51.100.8").status_code == 302


def test_the_lock_ends_after_the_window(client, role_users, settings):
    for _ in range(5):
        attempt(client, "me", "wrong password")
    assert attempt(client, "me", TEST_PASSWORD).status_code == 200
    settings.SAHAY_SIGN_IN_LOCK_MINUTES = 0
    assert attempt(client, "me", TEST_PASSWORD).status_code == 302


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(role_users):
    known = attempt(Client(), "me", "wrong password", ip="192.0.2.1")
    unknown = attempt(Client(), "nobody-here", "wrong password", ip="192.0.2.2")
    assert known.status_code == unknown.status_code == 200
    assert answer(known).replace('value="me"', 'value="nobody-here"') == answer(unknown)


def test_an_unknown_user_is_locked_the_same_way(client, db):
    for _ in range(5):
        attempt(client, "nobody-here", "wrong password")
    entries = AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED)
    assert entries.count() == 5
    attempt(client, "nobody-here", "wrong password")
    assert AuditEntry.objects.filter(detail__locked=True).count() == 1


def test_second_factor_failures_count_towards_the_lock(client, role_users):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from sahay.accounts.second_factor import device_code

    device = TOTPDevice.objects.create(user=role_users.me_officer, name="phone", confirmed=True)
    assert attempt(client, "me", TEST_PASSWORD).status_code == 302
    wrong = "000000" if device_code(device) != "000000" else "111111"
    for _ in range(5):
        client.post(reverse("second_factor"), {"code": wrong}, REMOTE_ADDR="203.0.113.1")
    device.refresh_from_db()
    device.throttle_reset()
    refused = client.post(reverse("second_factor"), {"code": device_code(device)}, REMOTE_ADDR="203.0.113.1")
    assert refused.status_code == 200
    assert client.get(reverse("indicator_reference")).status_code == 302


FULLWIDTH_C = "\uff43"  # "ｃ": NFKC makes it a plain "c", as sign-in does before it authenticates


def test_a_look_alike_user_name_shares_the_lock_and_the_right_password_tells_nothing(client, make_user, organisations):
    make_user("case_worker", organisation=organisations.partners["TH"], username="caseworker.mm")
    for number in range(5):
        attempt(client, "caseworker.mm", "wrong password", ip=f"203.0.113.{number + 20}")
    right = attempt(client, FULLWIDTH_C + "aseworker.mm", TEST_PASSWORD, ip="203.0.113.70")
    wrong = attempt(client, FULLWIDTH_C + "aseworker.mm", "wrong again", ip="203.0.113.71")
    # Not on to the second factor, and the same page as for a wrong password.
    assert right.status_code == wrong.status_code == 200
    assert answer(right) == answer(wrong)
    assert not AuditEntry.objects.filter(action=AuditAction.LOGIN).exists()


def test_failures_under_a_look_alike_name_lock_the_name_itself(client, make_user, organisations):
    make_user("case_worker", organisation=organisations.partners["TH"], username="caseworker.mm")
    for number in range(5):
        attempt(client, FULLWIDTH_C + "aseworker.mm", "wrong password", ip=f"203.0.113.{number + 30}")
    assert attempt(client, "caseworker.mm", TEST_PASSWORD, ip="203.0.113.80").status_code == 200
