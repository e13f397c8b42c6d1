"""audit_record: one chained entry per act, in the act's transaction, with the request's address."""

from __future__ import annotations

from datetime import UTC

import pytest
from django.db import connection, transaction
from django.test import RequestFactory

from sahay.audit.chain import GENESIS_HASH, audit_verify, digest_of
from sahay.audit.models import AuditAction, AuditAppendOnlyError, AuditEntry
from sahay.audit.services import audit_record, client_ip

pytestmark = pytest.mark.django_db


def record(**kwargs):
    with transaction.atomic():
        return audit_record(**{"action": AuditAction.CASE_VIEWED, "actor": None, **kwargs})


def test_entries_are_chained_from_position_one(make_user, organisations):
    worker = make_user("system_administrator", username="chain-admin")
    partner = organisations.partners["TH"]
    first = record(actor=worker, target_kind="case", target_id="c-1", target_label="TH-0001", organisation=partner)
    second = record(action=AuditAction.EXPORT, actor=worker, detail={"fields": ("a", "b")})

    assert (first.position, second.position) == (1, 2)
    assert first.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.entry_hash
    assert first.actor_name == "chain-admin"
    assert first.at.tzinfo is not None and first.at.utcoffset() == UTC.utcoffset(None)
    stored = AuditEntry.objects.get(position=2)
    assert stored.detail == {"fields": ["a", "b"]}
    assert digest_of(stored) == stored.entry_hash
    assert audit_verify().ok


def test_outside_a_transaction_nothing_is_recorded(committed_db):
    with pytest.raises(RuntimeError, match=r"transaction\.atomic"):
        audit_record(action=AuditAction.CASE_VIEWED, actor=None)
    assert not AuditEntry.objects.exists()


def test_a_rolled_back_act_leaves_no_entry():
    record(action=AuditAction.LOGIN)
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        audit_record(action=AuditAction.CASE_CHANGED, actor=None, target_label="TH-0001")
        _ = 1 / 0

    assert list(AuditEntry.objects.values_list("action", flat=True)) == [AuditAction.LOGIN]
    assert audit_verify().entries_checked == 1


def test_the_reason_is_encrypted_at_rest_and_hashed_as_plain_text():
    entry = record(action=AuditAction.BREAK_GLASS, reason="child in danger tonight")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reason FROM audit_auditentry WHERE id = %s", [entry.pk])
        (stored,) = cursor.fetchone()
    assert "danger" not in stored
    assert AuditEntry.objects.get(pk=entry.pk).reason == "child in danger tonight"
    assert audit_verify().ok


def test_the_application_cannot_change_or_remove_entries():
    entry = record()
    entry.action = AuditAction.EXPORT
    with pytest.raises(AuditAppendOnlyError):
        entry.save()
    with pytest.raises(AuditAppendOnlyError):
        entry.delete()
    with pytest.raises(AuditAppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action=AuditAction.EXPORT)
    with pytest.raises(AuditAppendOnlyError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == AuditAction.CASE_VIEWED


def request_from(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_the_address_is_the_peer_unless_proxies_are_trusted(settings):
    settings.SAHAY_TRUSTED_PROXIES = 0
    assert client_ip(request_from("203.0.113.9", forwarded="198.51.100.1")) == "203.0.113.9"

    settings.SAHAY_TRUSTED_PROXIES = 1
    # The client may write anything at the left; only the address our proxy added is believed.
    assert client_ip(request_from("10.0.0.2", forwarded="6.6.6.6, 198.51.100.1")) == "198.51.100.1"
    assert client_ip(request_from("10.0.0.2")) == "10.0.0.2"

    settings.SAHAY_TRUSTED_PROXIES = 2
    assert client_ip(request_from("10.0.0.3", forwarded="6.6.6.6, 198.51.100.1, 10.0.0.2")) == "198.51.100.1"
    assert client_ip(request_from("10.0.0.3", forwarded="not an address, 10.0.0.2")) is None


def test_the_entry_keeps_the_address_of_the_request(settings):
    settings.SAHAY_TRUSTED_PROXIES = 0
    entry = record(request=request_from("2001:DB8::0:1"))
    assert AuditEntry.objects.get(pk=entry.pk).ip == "2001:db8::1"
    assert audit_verify().ok
