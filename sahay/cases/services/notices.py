"""In-app notices: sending them, follow-ups falling due, and marking notices read."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from sahay.accounts.models import User
from sahay.accounts.rights import Right
from sahay.accounts.selectors import users_holding
from sahay.cases.models import Case, FollowUp, Notice
from sahay.core.models import Organisation

# A visit is announced this many days before it is due.
DUE_SOON_DAYS = 2


def supervisors_of(organisation: Organisation) -> QuerySet[User]:
    return users_holding(Right.SUPERVISE_CASES).filter(organisation=organisation)


def notify(recipients: Iterable[User], kind: str, case: Case | None, **links: object) -> None:
    """One notice per recipient, however often they are named."""
    Notice.objects.bulk_create(
        [
            Notice(recipient=user, kind=kind, case=case, **links)
            for user in {user.pk: user for user in recipients}.values()
        ]
    )


def follow_up_notices_send(*, today: date | None = None, user: User | None = None) -> int:
    """Tell whoever visits (and the case worker) of each open case's visit that falls due; once per visit.

    With `user`, only that user's notices (what their notices page needs); without, everyone's.
    """
    today = today or timezone.localdate()
    due = FollowUp.objects.filter(
        done_on__isnull=True, due_on__lte=today + timedelta(days=DUE_SOON_DAYS), case__status=Case.Status.OPEN
    )
    if user is not None:
        due = due.filter(Q(visited_by=user) | Q(case__case_worker=user))
    wanted = {
        (recipient, follow_up, case)
        for follow_up, case, visitor, case_worker in due.values_list("pk", "case", "visited_by", "case__case_worker")
        for recipient in (visitor, case_worker)
        if recipient is not None and (user is None or recipient == user.pk)
    }
    sent = set(
        Notice.objects.filter(follow_up__in={follow_up for _recipient, follow_up, _case in wanted}).values_list(
            "recipient", "follow_up"
        )
    )
    new = [
        Notice(recipient_id=recipient, follow_up_id=follow_up, case_id=case, kind=Notice.Kind.FOLLOW_UP_DUE)
        for recipient, follow_up, case in sorted(wanted)
        if (recipient, follow_up) not in sent
    ]
    with transaction.atomic():
        Notice.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def notices_mark_read(*, user: User) -> int:
    return Notice.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
