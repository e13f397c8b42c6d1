"""Reads of case management, always through the case policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sahay.accounts.models import User
from sahay.accounts.rights import Right
from sahay.cases.models import Case, CaseRequest, FollowUp, Notice, Referral
from sahay.cases.policy import visible_cases
from sahay.records.models import Person, TrackedItem


@dataclass(frozen=True)
class CaseFilters:
    code: str = ""
    status: str = ""
    case_worker: int | None = None
    follow_up_due: bool = False


def case_list(*, user: User, filters: CaseFilters | None = None, today: date | None = None) -> QuerySet[Case]:
    """The cases the user may see, with the next visit due and whether a visit is overdue."""
    filters = filters or CaseFilters()
    today = today or timezone.localdate()
    open_visits = FollowUp.objects.filter(case=OuterRef("pk"), done_on__isnull=True)
    cases = (
        visible_cases(user)
        .select_related("person", "organisation", "case_worker")
        .annotate(
            next_visit=Min("follow_ups__due_on", filter=Q(follow_ups__done_on__isnull=True)),
            overdue=Exists(open_visits.filter(due_on__lt=today)),
            service_count=Count("services", distinct=True),
        )
    )
    if filters.code:
        cases = cases.filter(person__code__icontains=filters.code.strip())
    if filters.status:
        cases = cases.filter(status=filters.status)
    if filters.case_worker:
        cases = cases.filter(case_worker=filters.case_worker)
    if filters.follow_up_due:
        cases = cases.filter(Exists(open_visits.filter(due_on__lte=today)), status=Case.Status.OPEN)
    return cases


def case_get(*, user: User, public_id: str) -> Case | None:
    """The case if the user may see it at all; otherwise None, exactly as for a case that does not exist."""
    return (
        visible_cases(user).select_related("person", "organisation", "case_worker").filter(public_id=public_id).first()
    )


def case_find_for_emergency(*, user: User, code: str) -> Case | None:
    """Search scope for breaking the glass: one case of the user's country, by its exact code. It
    returns the case for its de-identified summary only; the policy decides what opens."""
    if not (user.has_perm(Right.BREAK_GLASS.permission) and user.country_id and code.strip()):
        return None
    return (
        Case.objects.select_related("person", "organisation")
        .filter(organisation__country=user.country_id, person__code__iexact=code.strip())
        .exclude(organisation=user.organisation_id)
        .order_by("status", "-opened_on")
        .first()
    )


def incoming_referrals(*, user: User) -> QuerySet[Referral]:
    """Referrals to the supervisor's organisation, open ones first."""
    if not (user.has_perm(Right.SUPERVISE_CASES.permission) and user.organisation_id):
        return Referral.objects.none()
    return (
        Referral.objects.filter(to_organisation=user.organisation_id)
        .select_related("case__person", "case__organisation", "assigned_to")
        .order_by("-status", "-referred_at")
    )


def referral_for_answer(*, user: User, public_id: str) -> Referral | None:
    return incoming_referrals(user=user).filter(public_id=public_id).first()


def may_open_registered_child(user: User) -> bool:
    """Case supervisors open a case on a child already registered themselves; case workers ask them."""
    return user.has_perm(Right.SUPERVISE_CASES.permission)


def case_requests_for(*, user: User) -> QuerySet[CaseRequest]:
    """The requests to open a case a supervisor answers: their organisation's, waiting ones first; each says
    whether a child of the organisation has the code."""
    if not (may_open_registered_child(user) and user.organisation_id):
        return CaseRequest.objects.none()
    registered = Person.objects.filter(
        organisation=OuterRef("organisation"), code=OuterRef("code"), merged_into__isnull=True
    )
    return (
        CaseRequest.objects.filter(organisation=user.organisation_id)
        .select_related("requested_by", "case_worker", "case")
        .annotate(child_found=Exists(registered))
        .order_by("-status", "-requested_at", "-pk")
    )


def notice_list(*, user: User) -> QuerySet[Notice]:
    return Notice.objects.filter(recipient=user).select_related("case__person", "referral", "case_request")


def unread_notice_count(user: User) -> int:
    return Notice.objects.filter(recipient=user, read_at__isnull=True).count()


def offender_choices(*, case: Case) -> QuerySet[TrackedItem]:
    """Offender records a legal case may link: those of the case's organisation, which holds them."""
    return TrackedItem.objects.filter(kind=TrackedItem.Kind.OFFENDER, organisation=case.organisation)


def age_band(case: Case) -> str:
    """The de-identified age: the child's age band on the day the case opened, never the date of birth."""
    person, on = case.person, case.opened_on
    if person.turns_12_on is None or person.turns_18_on is None:
        return _("age unknown")
    if on < person.turns_12_on:
        return _("under 12")
    if on < person.turns_18_on:
        return _("12 to 17")
    return _("18 or over")
