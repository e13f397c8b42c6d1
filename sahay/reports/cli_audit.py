"""The commands that write reports and IATI files on the server leave an audit entry, as downloads do."""

from __future__ import annotations

from django.db import transaction

from sahay.audit.models import AuditAction
from sahay.audit.services import audit_record


def audit_command_export(*, what: str, label: str, detail: dict[str, object]) -> None:
    with transaction.atomic():
        audit_record(action=AuditAction.EXPORT, actor=None, target_kind=what, target_label=label, detail=detail)
