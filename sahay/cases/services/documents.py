"""Documents of a case: checked, encrypted at rest, and every download audited."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest

from sahay.accounts.models import User
from sahay.audit.models import AuditAction
from sahay.cases.models import Attachment, Case
from sahay.cases.policy import CaseAccess, CaseAction
from sahay.cases.services.common import audit_case, require, require_open
from sahay.cases.uploads import RefusedFileError, document_type
from sahay.core.encryption import decrypt_bytes, encrypt_bytes


def attachment_add(
    *, case: Case, added_by: User, title: str, filename: str, content: bytes, request: HttpRequest | None = None
) -> Attachment:
    require(added_by, case, CaseAction.CHANGE)
    require_open(case)
    try:
        content_type = document_type(content, settings.SAHAY_ATTACHMENT_MAX_BYTES)
    except RefusedFileError as error:
        raise ValidationError({"file": str(error)}) from error
    with transaction.atomic():
        attachment = Attachment.objects.create(
            case=case,
            title=title.strip() or filename,
            filename=filename,
            content_type=content_type,
            size=len(content),
            content=encrypt_bytes(content),
            uploaded_by=added_by,
        )
        audit_case(
            case,
            AuditAction.ATTACHMENT_ADDED,
            added_by,
            request,
            detail={"attachment": attachment.public_id, "type": content_type},
        )
    return attachment


def attachment_open(*, attachment: Attachment, user: User, request: HttpRequest | None = None) -> bytes:
    """The document's bytes for a download, audited in the caller's transaction."""
    case = attachment.case
    if not CaseAccess.of(user, case).may(CaseAction.SEE_ATTACHMENTS):
        raise PermissionDenied
    audit_case(case, AuditAction.ATTACHMENT_DOWNLOADED, user, request, detail={"attachment": attachment.public_id})
    return decrypt_bytes(bytes(attachment.content))
