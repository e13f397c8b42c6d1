"""Audit entries about a user account: sign-ins, changes, sessions. One shape, written in one place."""

from __future__ import annotations

from django.http import HttpRequest

from sahay.accounts.models import User
from sahay.audit.models import AuditAction
from sahay.audit.services import audit_record
from sahay.core.models import Organisation


def audit_user(
    action: AuditAction,
    user: User,
    *,
    actor: User | None,
    request: HttpRequest | None = None,
    detail: dict[str, object] | None = None,
    organisation: Organisation | None = None,
) -> None:
    """Record an act on (or by) the user, under the user's organisation unless another is given."""
    audit_record(
        action=action,
        actor=actor,
        request=request,
        target_kind="user",
        target_id=str(user.pk),
        organisation=organisation or user.organisation,
        detail=detail,
    )
