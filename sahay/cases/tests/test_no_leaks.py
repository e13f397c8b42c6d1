"""What must never leak: narratives stored in clear, children's names or codes in logs, closed data read
without an audit entry (goal figures 6 and 25)."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse

from sahay.accounts.access import TEST_SET_UP, access_confirm_at_set_up
from sahay.accounts.models import Role
from sahay.audit.models import AuditAction, AuditEntry
from sahay.cases.tests.conftest import CHILD_NAME, CaseWorld
from sahay.core.encryption import EncryptedTextField
from sahay.records.models import OffenderDetails
from sahay.records.services import tracked_item_save, tracked_item_status_set


def test_every_free_text_of_a_case_is_encrypted_at_rest() -> None:
    clear = [
        f"{model.__name__}.{field.name}"
        for model in apps.get_app_config("cases").get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.TextField) and not isinstance(field, EncryptedTextField)
    ]
    assert clear == []


def test_logs_carry_no_childs_name_or_code(case_world: CaseWorld, client_for, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    case = case_world.case
    for user in (case_world.worker, case_world.colleague, case_world.programme_manager, case_world.donor_viewer):
        client = client_for(user)
        for name in ("case_detail", "case_edit", "legal_case", "case_refer"):
            client.get(reverse(name, args=[case.public_id]))
        client.post(reverse("case_edit", args=[case.public_id]), {"version": "stale", "summary": CHILD_NAME})
        client.get(reverse("case_detail", args=["no-such-case"]))
        client.post(reverse("case_list"), {"code": case.code})
    assert caplog.records, "the requests above log refusals and missing pages"
    assert CHILD_NAME not in caplog.text
    assert case.code not in caplog.text


@pytest.fixture
def offender(case_world: CaseWorld):
    """An offender record of the Thai partner, and a legal officer of that partner who may read it."""
    officer_role = Role.objects.get(code="partner_staff")
    officer_role.pk, officer_role.code = None, "legal_officer"
    officer_role.rights = [*officer_role.rights, "record_data", "view_legal_data"]
    officer_role.save()
    thai = case_world.worker.organisation
    officer = case_world.users["partner_staff"]
    officer.role = officer_role
    officer.save()
    access_confirm_at_set_up(user=officer, by=TEST_SET_UP)
    item = tracked_item_save(saved_by=officer, organisation=thai, kind="offender", title="Offender TH-O-1")
    OffenderDetails.objects.create(item=item, nationality="NL", offender_kind="travelling")
    return officer, item


def test_reading_an_offender_record_writes_one_audit_entry(case_world, offender, client_for) -> None:
    officer, item = offender
    before = AuditEntry.objects.filter(action=AuditAction.OFFENDER_VIEWED).count()
    response = client_for(officer).get(reverse("item_edit", args=[item.public_id]))
    assert response.status_code == 200 and b"Offender TH-O-1" in response.content
    assert AuditEntry.objects.filter(action=AuditAction.OFFENDER_VIEWED).count() == before + 1
    # Without the legal right the record shows no details, and so no read is recorded.
    manager = client_for(case_world.programme_manager).get(reverse("item_edit", args=[item.public_id]))
    assert manager.status_code == 200 and b"Offender TH-O-1" not in manager.content
    assert AuditEntry.objects.filter(action=AuditAction.OFFENDER_VIEWED).count() == before + 1


def test_a_change_to_an_offender_record_is_audited(offender) -> None:
    officer, item = offender
    tracked_item_status_set(saved_by=officer, item=item, status="traced", reached_on=date(2017, 5, 1))
    entry = AuditEntry.objects.get(action=AuditAction.OFFENDER_CHANGED)
    assert (entry.actor, entry.target_id, entry.detail) == (officer, item.public_id, {"status": "traced"})
