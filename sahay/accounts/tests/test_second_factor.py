"""The second factor (figure 12): every sign-in needs a TOTP code or a recovery code; a used code is refused."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from sahay.accounts.second_factor import device_code, recovery_digest
from sahay.audit.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db
TEST_PASSWORD = "correct horse battery staple"  # as in conftest.py


def password_step(client: Client, username: str) -> None:
    response = client.post(reverse("login"), {"username": username, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("second_factor"))


def with_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def test_a_right_password_alone_reaches_no_page(client, role_users):
    password_step(client, "manager")
    for name in ("dashboard", "indicator_reference", "user_list"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("second_factor"))


def test_without_a_device_the_user_sets_one_up_and_gets_ten_recovery_codes(client, role_users):
    password_step(client, "manager")
    response = client.get(reverse("second_factor"))
    assert response["Location"].startswith(reverse("second_factor_enrol"))
    page = client.get(response["Location"])
    body = page.content.decode()
    assert "<svg" in body  # an inline QR code: nothing loaded from another host
    assert 'src="data:' not in body
    assert page["Cache-Control"].find("no-store") >= 0
    device = TOTPDevice.objects.get(user=role_users.programme_manager)
    assert not device.confirmed
    assert "otpauth://" not in body

    wrong = client.post(
        reverse("second_factor_enrol"), {"code": "000000" if device_code(device) != "000000" else "111111"}
    )
    assert wrong.status_code == 200
    assert "not right" in wrong.content.decode()
    failure = AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).get()
    assert failure.detail["step"] == "second_factor"

    device.refresh_from_db()
    device.throttle_reset()
    done = client.post(reverse("second_factor_enrol"), {"code": device_code(device), "next": "/framework/indicators/"})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", done.content.decode())
    assert len(codes) == 10
    # Only their hashes are kept.
    assert set(StaticToken.objects.values_list("token", flat=True)) == {recovery_digest(code) for code in codes}
    assert not set(StaticToken.objects.values_list("token", flat=True)) & set(codes)
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("indicator_reference")).status_code == 200
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN, detail__step="second_factor").exists()


def test_a_user_with_a_device_cannot_set_up_another_to_skip_it(client, role_users):
    with_device(role_users.programme_manager)
    password_step(client, "manager")
    response = client.get(reverse("second_factor_enrol"))
    assert response["Location"].startswith(reverse("second_factor"))
    assert client.post(reverse("second_factor_enrol"), {"code": "123456"})["Location"].startswith(
        reverse("second_factor")
    )
    assert TOTPDevice.objects.filter(user=role_users.programme_manager).count() == 1


def test_a_right_code_signs_in_and_goes_where_the_user_was_going(client, role_users):
    device = with_device(role_users.me_officer)
    response = client.post(
        reverse("login"), {"username": "me", "password": TEST_PASSWORD, "next": "/framework/indicators/"}
    )
    page = client.get(response["Location"])
    assert page.status_code == 200
    done = client.post(response["Location"], {"code": device_code(device), "next": "/framework/indicators/"})
    assert done.status_code == 302
    assert done["Location"] == "/framework/indicators/"
    assert client.get(reverse("indicator_reference")).status_code == 200


def test_a_code_from_another_host_is_not_followed(client, role_users):
    device = with_device(role_users.me_officer)
    password_step(client, "me")
    done = client.post(reverse("second_factor"), {"code": device_code(device), "next": "https://elsewhere.example/"})
    assert done["Location"] == reverse("dashboard")


def test_a_used_code_is_refused_the_second_time(role_users):
    device = with_device(role_users.me_officer)
    code = device_code(device)
    first, second = Client(), Client()
    password_step(first, "me")
    password_step(second, "me")
    assert first.post(reverse("second_factor"), {"code": code}).status_code == 302
    device.refresh_from_db()
    assert device.last_t >= 0
    refused = second.post(reverse("second_factor"), {"code": code})
    assert refused.status_code == 200
    assert "not right" in refused.content.decode()
    assert second.get(reverse("indicator_reference")).status_code == 302
    failure = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    assert failure.detail == {"step": "second_factor", "username": "me"}
    assert failure.actor == role_users.me_officer


def test_a_recovery_code_works_once(role_users):
    from django_otp.plugins.otp_static.models import StaticDevice

    with_device(role_users.me_officer)
    recovery = StaticDevice.objects.create(user=role_users.me_officer, name="Recovery codes", confirmed=True)
    recovery.token_set.create(token=recovery_digest("abcdefgh"))
    first, second = Client(), Client()
    password_step(first, "me")
    password_step(second, "me")
    assert first.post(reverse("second_factor"), {"code": "ABCD EFGH"}).status_code == 302
    assert first.get(reverse("indicator_reference")).status_code == 200
    assert second.post(reverse("second_factor"), {"code": "abcdefgh"}).status_code == 200
    assert second.get(reverse("indicator_reference")).status_code == 302


def test_signing_out_works_before_the_second_step(client, role_users):
    password_step(client, "me")
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("second_factor"))["Location"].startswith(reverse("login"))
