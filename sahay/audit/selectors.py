"""Reading the audit trail: who may read which entries, and the filters of the audit page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Q, QuerySet

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
        entries = entries.filter(target_label__iexact=filters.case)
    if filters.date_from is not None:
        entries = entries.filter(at__gte=datetime.combine(filters.date_from, time.min, tzinfo=UTC))
    if filters.date_to is not None:
        entries = entries.filter(at__lt=datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=UTC))
    return entries.order_by("-position")
