"""Key rotation over the whole demo: interrupted half-way, resumed, every value under the new key only,
every figure as it was."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet, InvalidToken

from sahay.audit.chain import audit_verify
from sahay.cases.tests.erasure_helpers import figure_snapshot
from sahay.cases.tests.test_key_rotation import stored_tokens, token
from sahay.core import key_rotation

pytestmark = pytest.mark.django_db


def test_rotating_the_demo_keys_interrupted_and_resumed(demo: str, settings, monkeypatch) -> None:
    before = figure_snapshot()
    old = settings.SAHAY_ENCRYPTION_KEYS[0]
    new = Fernet.generate_key().decode()
    settings.SAHAY_ENCRYPTION_KEYS = [new, old]
    total = sum(result.values_left for result in key_rotation.keys_check())
    assert total > 30_000  # names, addresses and narratives of the demo

    real, batches = key_rotation._rotate_batch, {"done": 0}

    def power_cut(item, rows, newest_key):
        batches["done"] += 1
        if batches["done"] > 20:
            raise RuntimeError("the server went down")
        return real(item, rows, newest_key)

    monkeypatch.setattr(key_rotation, "_rotate_batch", power_cut)
    with pytest.raises(RuntimeError):
        key_rotation.keys_rotate(batch_size=500)
    halfway = sum(result.values_left for result in key_rotation.keys_check())
    assert 0 < halfway < total

    monkeypatch.setattr(key_rotation, "_rotate_batch", real)
    key_rotation.keys_rotate(batch_size=500)
    assert sum(result.values_left for result in key_rotation.keys_check()) == 0
    newest, retired = Fernet(new.encode()), Fernet(old.encode())
    for _where, value in stored_tokens():
        newest.decrypt(token(value))
        with pytest.raises(InvalidToken):
            retired.decrypt(token(value))
    settings.SAHAY_ENCRYPTION_KEYS = [new]
    assert figure_snapshot() == before
    assert audit_verify().ok
