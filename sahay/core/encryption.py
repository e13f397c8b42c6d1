"""Authenticated encryption of identifying fields at rest, with keys from the environment.

Values are Fernet tokens (AES-128-CBC with HMAC-SHA256). Several keys may be configured, newest
first: values are written with the newest and read with any, which is what a key rotation needs.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from cryptography.fernet import InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    from cryptography.fernet import Fernet

    if not keys:
        raise ImproperlyConfigured("No encryption key is configured (SAHAY_ENCRYPTION_KEYS).")
    return MultiFernet([Fernet(key.encode()) for key in keys])


def encrypt(text: str) -> str:
    return _fernet(tuple(settings.SAHAY_ENCRYPTION_KEYS)).encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _fernet(tuple(settings.SAHAY_ENCRYPTION_KEYS)).decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as error:
        # Never fall back to showing the stored token or a partial value.
        raise ImproperlyConfigured("An encrypted value cannot be read with the configured keys.") from error


def encrypt_bytes(data: bytes) -> bytes:
    """Attachments: the file's bytes as one Fernet token."""
    return _fernet(tuple(settings.SAHAY_ENCRYPTION_KEYS)).encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    try:
        return _fernet(tuple(settings.SAHAY_ENCRYPTION_KEYS)).decrypt(bytes(token))
    except InvalidToken as error:
        raise ImproperlyConfigured("An encrypted file cannot be read with the configured keys.") from error


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """A text field stored encrypted; the empty string stays empty so blank fields cost nothing."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))
