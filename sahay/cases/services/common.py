"""What every case service shares: the policy check, the version check and the audit entry."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import HttpRequest
from django.utils.translation import gettext as _

from sahay.accounts.models import User
from sahay.audit.models import AuditAction
from sahay.audit.services import audit_record
from sahay.cases.errors import StaleCaseError
from sahay.cases.models import Case
from sahay.cases.policy import CaseAccess, CaseAction


def require(user: User, case: Case, action: CaseAction) -> CaseAccess:
    access = CaseAccess.of(user, case)
    if not access.may(action):
        raise PermissionDenied
    return access


def require_open(case: Case) -> None:
    """A closed case is a record of what happened: reopen it to add to it. (Withdrawing a consent, late
    services dated before the closure and the legal case, which outlives the care, stay possible.)"""
    if case.status != Case.Status.OPEN:
        raise ValidationError(_("This case is closed: reopen it to change it."))


def claim_version(case: Case, version: int) -> None:
    """Move the case to its next version, only from the version the user saw (optimistic locking).

    The conditional UPDATE is atomic in SQLite and PostgreSQL alike: of concurrent saves from the same
    version exactly one matches the row.
    """
    if not Case.objects.filter(pk=case.pk, version=version).update(version=F("version") + 1):
        raise StaleCaseError
    case.version = version + 1


def audit_case(
    case: Case,
    action: AuditAction,
    actor: User,
    request: HttpRequest | None,
    *,
    reason: str = "",
    detail: dict[str, object] | None = None,
    kind: str = "case",
) -> None:
    audit_record(
        action=action,
        actor=actor,
        request=request,
        target_kind=kind,
        # The opaque id only: the trail cannot be erased, so it must not hold the child's code.
        target_id=case.public_id,
        organisation=case.organisation,
        reason=reason,
        detail=detail,
    )
