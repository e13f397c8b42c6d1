"""Who may do what to a case: the one policy every case page, list, notice and test asks.

A user's relation to a case is a set of *reaches* (the case worker, a supervisor of the organisation,
a receiver of an accepted referral, an emergency access, programme staff in scope). `POLICY` says
which reaches allow which action; `CaseAccess` answers for one case and `visible_cases` for a list,
both from the same conditions, so a list never shows what a page would refuse. Deny by default: an
action missing from `POLICY` is allowed to nobody.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db.models import BooleanField, DateTimeField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from sahay.accounts.models import User
from sahay.accounts.rights import Right
from sahay.accounts.scope import NOTHING, scope_of
from sahay.cases.models import Case, CaseShare, Consent, GlassAccess, Referral
from sahay.records.models import Person


class Reach(StrEnum):
    ASSIGNED = "assigned"  # the case worker of the case, or one it is shared with
    SUPERVISOR = "supervisor"  # a case supervisor of the organisation that owns the case
    RECEIVER = "receiver"  # a case worker or supervisor of an organisation that accepted a referral of it
    RECEIVER_IDENTITY = "receiver_identity"  # ... of a referral that shares the child's identity (not RECEIVER)
    GLASS = "glass"  # the user's own unexpired emergency access
    PROGRAMME = "programme"  # programme staff whose scope covers the case: de-identified only


class CaseAction(StrEnum):
    SEE_SUMMARY = "see_summary"  # code, age band, sex, services, status: de-identified
    SEE_IDENTITY = "see_identity"  # name, contact, address
    SEE_CARE = "see_care"  # narratives: summary, consents, assessments, plan, follow-ups, referrals
    SEE_ATTACHMENTS = "see_attachments"
    SEE_LEGAL = "see_legal"
    CHANGE = "change"  # details, consents, assessments, plan, follow-ups, documents, closing, reopening
    CHANGE_LEGAL = "change_legal"
    ADD_SERVICE = "add_service"
    REFER = "refer"
    MANAGE = "manage"  # reassign and share


POLICY: dict[CaseAction, frozenset[Reach]] = {
    CaseAction.SEE_SUMMARY: frozenset(Reach),
    CaseAction.SEE_IDENTITY: frozenset({Reach.ASSIGNED, Reach.SUPERVISOR, Reach.RECEIVER_IDENTITY, Reach.GLASS}),
    CaseAction.SEE_CARE: frozenset({Reach.ASSIGNED, Reach.SUPERVISOR, Reach.GLASS}),
    CaseAction.SEE_ATTACHMENTS: frozenset({Reach.ASSIGNED, Reach.SUPERVISOR, Reach.GLASS}),
    # Closed data: never through the glass, never to a receiver.
    CaseAction.SEE_LEGAL: frozenset({Reach.ASSIGNED, Reach.SUPERVISOR}),
    CaseAction.CHANGE: frozenset({Reach.ASSIGNED, Reach.SUPERVISOR}),
    CaseAction.CHANGE_LEGAL: frozenset({Reach.ASSIGNED, Reach.SUPERVISOR}),
    CaseAction.ADD_SERVICE: frozenset({Reach.ASSIGNED, Reach.SUPERVISOR, Reach.RECEIVER, Reach.RECEIVER_IDENTITY}),
    CaseAction.REFER: frozenset({Reach.ASSIGNED, Reach.SUPERVISOR}),
    CaseAction.MANAGE: frozenset({Reach.SUPERVISOR}),
}
# Actions that also need a right of the user's role, whatever their reach.
ACTION_RIGHTS: dict[CaseAction, Right] = {
    CaseAction.SEE_LEGAL: Right.VIEW_LEGAL_DATA,
    CaseAction.CHANGE_LEGAL: Right.VIEW_LEGAL_DATA,
}


def permits(user: User, action: CaseAction, reaches: frozenset[Reach]) -> bool:
    right = ACTION_RIGHTS.get(action)
    if right is not None and not user.has_perm(right.permission):
        return False
    return bool(POLICY.get(action, frozenset()) & reaches)


def sharing_identity() -> Q:
    """On referrals: those that share the child's identity now.

    A referral shares it only while the consent behind it holds (goal 10): a consent for referral is held
    on the case (or the referral was made without consent by an override), and no consent for referral was
    withdrawn since it was made, whoever else's consent stays recorded. A withdrawal ends the sharing at once,
    for accepted referrals too and on closed cases; the receiver keeps the de-identified summary and the
    services it gives. A consent given again does not reopen it: that takes a new referral made on it.
    """
    referral_consents = Consent.objects.filter(case=OuterRef("case"), purpose=Consent.Purpose.REFERRAL)
    consent_held = Exists(referral_consents.filter(withdrawn_on__isnull=True))
    # Since the referral: recorded after it, or (for withdrawals recorded before that time was kept) dated on
    # or after its day.
    referred_on = TruncDate(ExpressionWrapper(OuterRef("referred_at"), output_field=DateTimeField()))
    withdrawn_since = Exists(
        referral_consents.filter(
            Q(withdrawn_at__gte=OuterRef("referred_at")) | Q(withdrawn_at__isnull=True, withdrawn_on__gte=referred_on)
        )
    )
    overridden = ~Q(consent_override_reason="")
    return Q(shares_identity=True) & (consent_held | overridden) & Q(~withdrawn_since)


def identity_referrals(case: Case) -> QuerySet[Referral]:
    """The accepted referrals of the case through which a receiver sees the child's identity now."""
    return Referral.objects.filter(case=case, status=Referral.Status.ACCEPTED).filter(sharing_identity())


def reach_conditions(user: User) -> dict[Reach, Any]:
    """Each reach as a condition on cases (a Q or an Exists), for this user. A reach the user cannot have
    is `NOTHING`."""
    conditions: dict[Reach, Any] = dict.fromkeys(Reach, NOTHING)
    if not user.is_active or user.role is None:
        return conditions
    works_cases = user.has_perm(Right.WORK_CASES.permission) and user.organisation_id is not None
    supervises = works_cases and user.has_perm(Right.SUPERVISE_CASES.permission)
    if works_cases:
        shared = Exists(CaseShare.objects.filter(case=OuterRef("pk"), user=user))
        conditions[Reach.ASSIGNED] = Q(organisation=user.organisation_id) & (Q(case_worker=user) | shared)
        accepted = Referral.objects.filter(
            case=OuterRef("pk"), to_organisation=user.organisation_id, status=Referral.Status.ACCEPTED
        )
        if not supervises:
            accepted = accepted.filter(assigned_to=user)
        # The two receiver reaches exclude each other, so each can be tested alone. A referral whose identity
        # sharing the consent no longer covers gives the de-identified reach only.
        conditions[Reach.RECEIVER] = Exists(accepted.filter(~sharing_identity()))
        conditions[Reach.RECEIVER_IDENTITY] = Exists(accepted.filter(sharing_identity()))
    if supervises:
        conditions[Reach.SUPERVISOR] = Q(organisation=user.organisation_id)
    conditions[Reach.GLASS] = Exists(
        GlassAccess.objects.filter(case=OuterRef("pk"), user=user, expires_at__gt=timezone.now())
    )
    if user.has_perm(Right.VIEW_FIGURES.permission):
        in_scope = scope_of(user).condition(country_field="organisation__country", organisation_field="organisation")
        # An all-countries scope has no condition; spell "every case" out so it can be annotated.
        conditions[Reach.PROGRAMME] = in_scope if in_scope else Q(pk__isnull=False)
    return conditions


def may_break_glass(user: User, case: Case, reaches: frozenset[Reach]) -> bool:
    """Emergency access: for a holder of the right, outside the case's organisation but in its country,
    who cannot already see the child's identity."""
    return (
        isinstance(user, User)
        and user.has_perm(Right.BREAK_GLASS.permission)
        and user.organisation_id is not None
        and user.organisation_id != case.organisation_id
        and user.country_id == case.organisation.country_id
        and not permits(user, CaseAction.SEE_IDENTITY, reaches)
    )


def visible_cases(user: User, action: CaseAction = CaseAction.SEE_SUMMARY) -> QuerySet[Case]:
    """The cases on which the user may take the action: what lists, counts and searches show."""
    if not isinstance(user, User):
        return Case.objects.none()
    conditions = reach_conditions(user)
    allowed = NOTHING
    for reach in Reach:
        if permits(user, action, frozenset({reach})):
            allowed |= conditions[reach]
    return Case.objects.filter(allowed)


def may_change_children(user: User, people: Iterable[Person]) -> bool:
    """A write to a person record (merging it, undoing a merge) reaches the child of every case of that person:
    it needs the right to change each of those cases, open or closed. People without a case are not asked."""
    cases = Case.objects.filter(person__in=[person.pk for person in people])
    return not cases.exclude(pk__in=visible_cases(user, CaseAction.CHANGE).values("pk")).exists()


def reaches_of(user: User, case: Case) -> frozenset[Reach]:
    """The user's reaches to one case, in one query."""
    if not isinstance(user, User):
        return frozenset()
    flags = {
        f"reach_{reach.value}": ExpressionWrapper(condition, output_field=BooleanField())
        for reach, condition in reach_conditions(user).items()
        if condition is not NOTHING
    }
    if not flags:
        return frozenset()
    row = Case.objects.filter(pk=case.pk).annotate(**flags).values(*flags).first() or {}
    return frozenset(Reach(name.removeprefix("reach_")) for name, value in row.items() if value)


@dataclass(frozen=True)
class CaseAccess:
    """What one user may do to one case; templates ask `access.may_see_identity` and the like."""

    user: User
    case: Case
    reaches: frozenset[Reach]

    @classmethod
    def of(cls, user: User, case: Case) -> CaseAccess:
        return cls(user, case, reaches_of(user, case))

    def may(self, action: CaseAction) -> bool:
        return permits(self.user, action, self.reaches)

    def __getattr__(self, name: str) -> bool:
        # `may_see_identity` -> may(CaseAction.SEE_IDENTITY), for templates.
        if name.startswith("may_"):
            return self.may(CaseAction(name.removeprefix("may_")))
        raise AttributeError(name)

    @property
    def may_break_glass(self) -> bool:
        return may_break_glass(self.user, self.case, self.reaches)

    @property
    def through_glass(self) -> bool:
        """Open only because of an emergency access: the page says so."""
        return Reach.GLASS in self.reaches and not (self.reaches & {Reach.ASSIGNED, Reach.SUPERVISOR})
