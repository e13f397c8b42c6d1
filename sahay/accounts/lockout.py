"""The sign-in lock: too many failed sign-ins for one user name, or from one address, in a short window.

Counted from the audit trail, where every failure is already written (LOGIN_FAILED, with the user name
typed and the client's address): no cache server, the same on SQLite and PostgreSQL. While locked, even
the right password is refused with the same answer as a wrong one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings

from sahay.audit.models import AuditAction, AuditEntry


def sign_in_locked(*, username: str, ip: str | None) -> bool:
    """Whether a sign-in for this user name, or from this address, is refused for now."""
    window: timedelta = timedelta(minutes=settings.SAHAY_SIGN_IN_LOCK_MINUTES)
    failures = AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED, at__gte=datetime.now(UTC) - window)
    if username and failures.filter(detail__username__iexact=username).count() >= settings.SAHAY_SIGN_IN_MAX_FAILURES:
        return True
    return ip is not None and failures.filter(ip=ip).count() >= settings.SAHAY_SIGN_IN_MAX_FAILURES_PER_ADDRESS
