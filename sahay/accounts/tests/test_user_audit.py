"""User management is written to the audit trail inside each service's transaction."""

from __future__ import annotations

import pytest

from sahay.accounts.models import Role
from sahay.accounts.services import user_create, user_set_active, user_update
from sahay.audit.chain import audit_verify
from sahay.audit.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db


def actions() -> list[str]:
    return list(AuditEntry.objects.values_list("action", flat=True))


def test_creating_a_user_is_recorded(role_users, organisations):
    admin = role_users.system_administrator
    created = user_create(
        actor=admin,
        username="worker-th",
        email="worker-th@example.org",
        role=Role.objects.get(code="case_worker"),
        organisation=organisations.partners["TH"],
    )
    entry = AuditEntry.objects.get()
    assert entry.action == AuditAction.USER_CREATED
    assert (entry.actor, entry.target_kind, entry.target_id) == (admin, "user", str(created.pk))
    assert entry.organisation == organisations.partners["TH"]
    # Invited (nobody chose its password), and its rights over identities wait for a second person.
    assert entry.detail == {
        "role": "case_worker",
        "invitation": "sent",
        "identity_access": "asked",
        "rights": ["break_glass", "view_legal_data", "work_cases"],
    }


def test_a_refused_creation_leaves_no_entry(role_users):
    with pytest.raises(Exception, match="taken"):
        user_create(
            actor=role_users.system_administrator,
            username="manager",
            email="manager@example.org",
            role=Role.objects.get(code="programme_manager"),
        )
    assert not AuditEntry.objects.exists()


def update(actor, user, **changes):
    values = {
        "role": user.role,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "country": user.country,
        "organisation": user.organisation,
        **changes,
    }
    return user_update(actor=actor, user=user, **values)


def test_a_change_of_name_is_a_user_change_only(role_users):
    update(role_users.system_administrator, role_users.partner_staff, first_name="Somchai")
    entry = AuditEntry.objects.get()
    assert entry.action == AuditAction.USER_CHANGED
    assert entry.detail == {"fields": ["first_name"]}
    assert "Somchai" not in str(entry.detail)


def test_a_change_of_role_or_scope_is_also_a_permission_change(role_users, organisations):
    update(
        role_users.system_administrator,
        role_users.partner_staff,
        role=Role.objects.get(code="case_supervisor"),
        organisation=organisations.partners["TH2"],
    )
    assert actions() == [AuditAction.USER_CHANGED, AuditAction.PERMISSION_CHANGED]
    permission = AuditEntry.objects.get(action=AuditAction.PERMISSION_CHANGED)
    assert permission.detail == {
        "fields": ["role", "organisation"],
        "identity_access": "asked",
        "rights": ["break_glass", "override_consent", "supervise_cases", "view_audit", "view_legal_data", "work_cases"],
    }
    assert permission.organisation == organisations.partners["TH2"]
    assert audit_verify().ok


def test_deactivation_and_reactivation_are_permission_changes(role_users):
    admin, user = role_users.system_administrator, role_users.donor_viewer
    user_set_active(actor=admin, user=user, active=False)
    user_set_active(actor=admin, user=user, active=False)  # no change, nothing to record
    user_set_active(actor=admin, user=user, active=True)
    assert actions() == [AuditAction.USER_CHANGED, AuditAction.PERMISSION_CHANGED] * 2
    assert AuditEntry.objects.filter(detail__fields=["is_active"]).count() == 4


def test_a_refused_self_change_leaves_no_entry(role_users):
    admin = role_users.system_administrator
    with pytest.raises(Exception, match="own role"):
        update(admin, admin, role=Role.objects.get(code="donor_viewer"))
    assert not AuditEntry.objects.exists()
