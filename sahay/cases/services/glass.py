"""Break the glass: emergency access to a case outside one's organisation, with a reason, for a while."""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from sahay.accounts.models import User
from sahay.audit.models import AuditAction
from sahay.cases.models import Case, GlassAccess, Notice
from sahay.cases.policy import CaseAccess
from sahay.cases.services.common import audit_case
from sahay.cases.services.notices import notify, supervisors_of

MINIMUM_REASON_LENGTH = 15
# A reason must say something: at least this many different words of two letters or more. A word is a run of
# letters in any script (scripts written without spaces, such as Thai, give several runs between their marks).
MINIMUM_REASON_WORDS = 3
WORD = re.compile(r"[^\W\d_]{2,}")


def reason_says_something(reason: str) -> bool:
    """At least 15 characters and 3 different words, none of them one letter repeated ("aaaa")."""
    words = {word.casefold() for word in WORD.findall(reason) if len(set(word.casefold())) > 1}
    return len(reason.strip()) >= MINIMUM_REASON_LENGTH and len(words) >= MINIMUM_REASON_WORDS


def break_glass(*, case: Case, user: User, reason: str, request: HttpRequest | None = None) -> GlassAccess:
    """Grant the user alone access to the case's protected data until the limit; the case's organisation
    is told. Legal and offender details stay closed (see policy.POLICY)."""
    if not CaseAccess.of(user, case).may_break_glass:
        raise PermissionDenied
    reason = reason.strip()
    if not reason_says_something(reason):
        raise ValidationError(
            {
                "reason": _(
                    "Say in your own words why you must open this case now: at least 3 different words and "
                    "15 characters."
                )
            }
        )
    now = timezone.now()
    with transaction.atomic():
        access = GlassAccess.objects.create(
            case=case,
            user=user,
            reason=reason,
            granted_at=now,
            expires_at=now + timedelta(minutes=settings.SAHAY_BREAK_GLASS_MINUTES),
        )
        audit_case(
            case,
            AuditAction.BREAK_GLASS,
            user,
            request,
            reason=reason,
            detail={"minutes": settings.SAHAY_BREAK_GLASS_MINUTES},
        )
        recipients = [*supervisors_of(case.organisation), *([case.case_worker] if case.case_worker else [])]
        notify(recipients, Notice.Kind.BREAK_GLASS, case)
    return access
