"""Writes of the exports: the audit entry of each export, and the identity archive's creation and one download."""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from datetime import timedelta

import pyzipper
from django.core import signing
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from sahay.accounts.models import User
from sahay.audit.models import AuditAction
from sahay.audit.services import audit_record
from sahay.core.encryption import decrypt_bytes, encrypt_bytes
from sahay.exports.models import IdentityExport
from sahay.exports.selectors import identity_people, identity_table
from sahay.exports.tabular import csv_bytes

# A download link works this long after the archive is made; then the archive is thrown away.
DOWNLOAD_SECONDS = 60
SIGNING_SALT = "sahay.exports.identity-download"
ARCHIVE_MEMBER = "people.csv"


def export_audit(
    *, user: User, what: str, file_format: str, rows: int, request: HttpRequest | None = None, **facts: str
) -> None:
    """One audit entry for an export of figures or de-identified records: who, what, which format."""
    with transaction.atomic():
        audit_record(
            action=AuditAction.EXPORT,
            actor=user,
            request=request,
            target_kind=what,
            organisation=user.organisation,
            detail={"format": file_format, "rows": rows, **facts},
        )


@dataclass(frozen=True)
class CreatedExport:
    export: IdentityExport
    passphrase: str  # shown once, never stored
    token: str
    people: int


def identity_export_create(*, owner: User, request: HttpRequest | None = None) -> CreatedExport | None:
    """Put the names and contacts the owner may see in an AES-256 ZIP, stored encrypted until its one download.

    None when there is no identity to export.
    """
    identity_exports_discard_expired()
    people = identity_people(user=owner)
    table = identity_table(people)
    if not table.rows:
        return None
    passphrase = secrets.token_urlsafe(18)
    archive = _encrypted_zip(csv_bytes(table.header, table.rows), passphrase)
    with transaction.atomic():
        export = IdentityExport.objects.create(owner=owner, archive=encrypt_bytes(archive))
        # Reading identities is audited: which people (by opaque id), not their names.
        audit_record(
            action=AuditAction.EXPORT,
            actor=owner,
            request=request,
            target_kind="identity_export",
            target_id=str(export.pk),
            organisation=owner.organisation,
            detail={
                "kind": "identities",
                "step": "created",
                "people": len(table.rows),
                "person_ids": [person.public_id for person in people],
            },
        )
    token = signing.TimestampSigner(salt=SIGNING_SALT).sign(str(export.pk))
    return CreatedExport(export=export, passphrase=passphrase, token=token, people=len(table.rows))


def _encrypted_zip(content: bytes, passphrase: str) -> bytes:
    buffer = io.BytesIO()
    with pyzipper.AESZipFile(buffer, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES) as archive:
        archive.setpassword(passphrase.encode())
        archive.setencryption(pyzipper.WZ_AES, nbits=256)
        archive.writestr(ARCHIVE_MEMBER, content)
    return buffer.getvalue()


def identity_export_take(*, token: str, user: User, request: HttpRequest | None = None) -> bytes | None:
    """The archive, once, to its owner within the minute; afterwards it is gone. None for anything else."""
    identity_exports_discard_expired()
    try:
        export_id = signing.TimestampSigner(salt=SIGNING_SALT).unsign(token, max_age=DOWNLOAD_SECONDS)
    except signing.BadSignature:  # expired links included
        return None
    with transaction.atomic():
        export = (
            IdentityExport.objects.select_for_update()
            .filter(
                pk=int(export_id) if export_id.isdigit() else 0,
                owner=user,
                downloaded_at__isnull=True,
                created_at__gte=timezone.now() - timedelta(seconds=DOWNLOAD_SECONDS),
            )
            .exclude(archive=b"")
            .first()
        )
        if export is None:
            return None
        archive = decrypt_bytes(bytes(export.archive))
        export.archive = b""
        export.downloaded_at = timezone.now()
        export.save(update_fields=["archive", "downloaded_at"])
        audit_record(
            action=AuditAction.EXPORT,
            actor=user,
            request=request,
            target_kind="identity_export",
            target_id=str(export.pk),
            organisation=user.organisation,
            detail={"kind": "identities", "step": "downloaded"},
        )
    return archive


def identity_exports_discard_expired() -> int:
    """Throw away every archive whose link has expired (run on each export; a nightly job may call it too)."""
    cutoff = timezone.now() - timedelta(seconds=DOWNLOAD_SECONDS)
    return IdentityExport.objects.filter(created_at__lt=cutoff).exclude(archive=b"").update(archive=b"")
