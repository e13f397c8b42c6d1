"""Reading the audit trail: who may read which entries, and the filters of the audit page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery

from sahay.accounts.models import User
from sahay.accounts.rights import Right
from sahay.audit.models import AuditEntry


@dataclass(frozen=True)
class AuditFilters:
    """What the reader narrows the trail to; dates are whole UTC days, both ends included."""

    user: str = ""
    case: str = ""
    date_from: date | None = None
    date_to: date | None = None


def audit_entry_list(*, user: User, filters: AuditFilters | None = None) -> QuerySet[AuditEntry]:
    """Entries the user may read, newest first.

    Administrators (who manage users) read the whole trail; anyone else with the audit right reads
    the entries about their own organisation's cases and people; everyone else reads nothing.
    """
    if not user.is_active or not user.has_perm(Right.VIEW_AUDIT.permission):
        return AuditEntry.objects.none()
    entries = AuditEntry.objects.select_related("organisation")
    if not user.has_perm(Right.MANAGE_USERS.permission):
        if user.organisation_id is None:
            return AuditEntry.objects.none()
        entries = entries.filter(organisation_id=user.organisation_id)
    filters = filters or AuditFilters()
    if filters.user:
        # A failed sign-in has no user, only the name that was typed.
        entries = entries.filter(Q(actor_name__icontains=filters.user) | Q(detail__username__icontains=filters.user))
    if filters.case:
        entries = entries.filter(Q(target_label__iexact=filters.case) | Q(target_id__in=_case_ids(filters.case)))
    if filters.date_from is not None:
        entries = entries.filter(at__gte=datetime.combine(filters.date_from, time.min, tzinfo=UTC))
    if filters.date_to is not None:
        entries = entries.filter(at__lt=datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=UTC))
    if user.has_perm(Right.SUPERVISE_CASES.permission):
        # Entries hold a case's opaque id; its own supervisors read the current case code beside it.
        entries = entries.annotate(case_code=Subquery(_case_codes().filter(public_id=OuterRef("target_id"))[:1]))
    return entries.order_by("-position")


def _case_codes() -> QuerySet[Any]:
    # Imported here: cases write to the audit trail, so the audit app must not import cases at load time.
    from sahay.cases.models import Case

    return Case.objects.values("person__code")


def _case_ids(code: str) -> QuerySet[Any]:
    from sahay.cases.models import Case

    return Case.objects.filter(person__code__iexact=code.strip()).values("public_id")
