"""In-app notices: follow-ups falling due, and marking notices read."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from sahay.accounts.models import User
from sahay.cases.models import Case, FollowUp, Notice

# A visit is announced this many days before it is due.
DUE_SOON_DAYS = 2


def follow_up_notices_send(*, today: date | None = None) -> int:
    """Tell whoever visits (and the case worker) of each open case's visit that falls due; once per visit."""
    today = today or timezone.localdate()
    due = FollowUp.objects.filter(
        done_on__isnull=True, due_on__lte=today + timedelta(days=DUE_SOON_DAYS), case__status=Case.Status.OPEN
    ).select_related("case")
    created = 0
    with transaction.atomic():
        for follow_up in due:
            recipients = {follow_up.visited_by_id, follow_up.case.case_worker_id} - {None}
            for recipient in recipients:
                _notice, new = Notice.objects.get_or_create(
                    recipient_id=recipient,
                    follow_up=follow_up,
                    defaults={"kind": Notice.Kind.FOLLOW_UP_DUE, "case": follow_up.case},
                )
                created += new
    return created


def notices_mark_read(*, user: User) -> int:
    return Notice.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
