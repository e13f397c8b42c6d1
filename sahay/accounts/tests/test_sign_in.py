"""Signing in and out is written to the audit trail (figure 7): successes, failures and sign-outs."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sahay.audit.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db
TEST_PASSWORD = "correct horse battery staple"  # as in conftest.py


def test_a_successful_sign_in_is_recorded(client, role_users):
    response = client.post(
        reverse("login"), {"username": "partner-th", "password": TEST_PASSWORD}, REMOTE_ADDR="203.0.113.5"
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get()
    assert entry.action == AuditAction.LOGIN
    assert entry.actor == role_users.partner_staff
    assert entry.ip == "203.0.113.5"
    assert entry.organisation == role_users.partner_staff.organisation


def test_a_failed_sign_in_is_recorded_with_the_name_typed_and_the_address(client, role_users):
    response = client.post(reverse("login"), {"username": "partner-th", "password": "wrong"}, REMOTE_ADDR="203.0.113.6")
    assert response.status_code == 200
    assert "not right" in response.content.decode()
    entry = AuditEntry.objects.get()
    assert entry.action == AuditAction.LOGIN_FAILED
    assert entry.actor is None
    assert entry.detail == {"username": "partner-th"}
    assert entry.ip == "203.0.113.6"
    assert entry.at.utcoffset().total_seconds() == 0


def test_an_unknown_name_is_recorded_cut_to_length(client, db):
    client.post(reverse("login"), {"username": "x" * 500, "password": "whatever"})
    entry = AuditEntry.objects.get()
    assert entry.action == AuditAction.LOGIN_FAILED
    assert entry.detail["username"] == "x" * 150


def test_sign_out_is_recorded_before_the_session_ends(role_users, client_for):
    client = client_for(role_users.me_officer)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor) == (AuditAction.LOGOUT, role_users.me_officer)
    assert client.get(reverse("indicator_reference")).status_code == 302


def test_sign_out_takes_only_post(role_users, client_for):
    assert client_for(role_users.me_officer).get(reverse("logout")).status_code == 405
    assert not AuditEntry.objects.filter(action=AuditAction.LOGOUT).exists()
