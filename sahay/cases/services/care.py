"""Consent, assessments, the case plan, follow-up visits and services within a case."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from sahay.accounts.models import User
from sahay.audit.models import AuditAction
from sahay.cases.models import Assessment, Case, Consent, FollowUp, Notice, PlanGoal
from sahay.cases.policy import CaseAction, identity_referrals
from sahay.cases.services.cases import case_workers_of
from sahay.cases.services.common import audit_case, require, require_open
from sahay.cases.services.notices import notify, supervisors_of
from sahay.records.models import Household, Service
from sahay.records.services import service_save


def _on_or_after_opening(case: Case, day: date, field: str, errors: dict[str, str]) -> None:
    if day > timezone.localdate():
        errors[field] = _("%(date)s is in the future.") % {"date": day}
    elif day < case.opened_on:
        errors[field] = _("%(date)s is before the case opened (%(opened)s).") % {"date": day, "opened": case.opened_on}


def consent_record(
    *, case: Case, recorded_by: User, purpose: str, given_by: str, given_on: date, request: HttpRequest | None = None
) -> Consent:
    require(recorded_by, case, CaseAction.CHANGE)
    require_open(case)
    errors: dict[str, str] = {}
    if given_on > timezone.localdate():
        errors["given_on"] = _("%(date)s is in the future.") % {"date": given_on}
    if case.consents.filter(purpose=purpose, given_by=given_by, withdrawn_on__isnull=True).exists():
        errors["purpose"] = _("This consent is already recorded and not withdrawn.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        consent = Consent.objects.create(
            case=case, purpose=purpose, given_by=given_by, given_on=given_on, recorded_by=recorded_by
        )
        audit_case(
            case, AuditAction.CONSENT_RECORDED, recorded_by, request, detail={"purpose": purpose, "given_by": given_by}
        )
    return consent


def consent_withdraw(
    *, consent: Consent, withdrawn_by: User, withdrawn_on: date, request: HttpRequest | None = None
) -> Consent:
    """A withdrawal takes effect at once: from now on the consent no longer counts for anything.

    What it granted ends with it, through the case policy: a referral's receiver no longer sees the child's
    identity (policy.sharing_identity). The receivers who lose it, its case worker and supervisors, are told.
    """
    case = consent.case
    require(withdrawn_by, case, CaseAction.CHANGE)
    if consent.withdrawn_on is not None:
        raise ValidationError(_("This consent was already withdrawn."))
    if withdrawn_on < consent.given_on or withdrawn_on > timezone.localdate():
        raise ValidationError({"withdrawn_on": _("Give a date from %(given)s to today.") % {"given": consent.given_on}})
    with transaction.atomic():
        sharing = set(identity_referrals(case))
        consent.withdrawn_on, consent.withdrawn_by, consent.withdrawn_at = withdrawn_on, withdrawn_by, timezone.now()
        consent.save(update_fields=["withdrawn_on", "withdrawn_by", "withdrawn_at"])
        audit_case(case, AuditAction.CONSENT_WITHDRAWN, withdrawn_by, request, detail={"purpose": consent.purpose})
        for referral in sorted(sharing - set(identity_referrals(case)), key=lambda referral: referral.pk):
            receivers = [
                *([referral.assigned_to] if referral.assigned_to else []),
                *supervisors_of(referral.to_organisation),
            ]
            notify(receivers, Notice.Kind.CONSENT_WITHDRAWN, case, referral=referral)
    return consent


def has_consent(case: Case, purpose: str) -> bool:
    return case.consents.filter(purpose=purpose, withdrawn_on__isnull=True).exists()


def assessment_add(
    *,
    case: Case,
    assessed_by: User,
    assessed_on: date,
    risk_level: str,
    risks: str = "",
    needs: str = "",
    safety: str = "",
    request: HttpRequest | None = None,
) -> Assessment:
    require(assessed_by, case, CaseAction.CHANGE)
    require_open(case)
    errors: dict[str, str] = {}
    _on_or_after_opening(case, assessed_on, "assessed_on", errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        assessment = Assessment.objects.create(
            case=case,
            assessed_on=assessed_on,
            risk_level=risk_level,
            risks=risks.strip(),
            needs=needs.strip(),
            safety=safety.strip(),
            assessed_by=assessed_by,
        )
        audit_case(case, AuditAction.CASE_CHANGED, assessed_by, request, detail={"added": "assessment"})
    return assessment


def goal_add(
    *,
    case: Case,
    added_by: User,
    goal: str,
    responsible: str,
    service_kind: str = "",
    due_on: date | None = None,
    request: HttpRequest | None = None,
) -> PlanGoal:
    require(added_by, case, CaseAction.CHANGE)
    require_open(case)
    if not goal.strip():
        raise ValidationError({"goal": _("Say what the goal is.")})
    with transaction.atomic():
        plan_goal = PlanGoal.objects.create(
            case=case, goal=goal.strip(), responsible=responsible.strip(), service_kind=service_kind, due_on=due_on
        )
        audit_case(case, AuditAction.CASE_CHANGED, added_by, request, detail={"added": "goal"})
    return plan_goal


def goal_achieved(
    *, goal: PlanGoal, marked_by: User, achieved_on: date, request: HttpRequest | None = None
) -> PlanGoal:
    require(marked_by, goal.case, CaseAction.CHANGE)
    require_open(goal.case)
    errors: dict[str, str] = {}
    _on_or_after_opening(goal.case, achieved_on, "achieved_on", errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        goal.achieved_on = achieved_on
        goal.save(update_fields=["achieved_on"])
        audit_case(goal.case, AuditAction.CASE_CHANGED, marked_by, request, detail={"achieved": "goal"})
    return goal


def follow_up_plan(
    *, case: Case, planned_by: User, due_on: date, visited_by: User, request: HttpRequest | None = None
) -> FollowUp:
    require(planned_by, case, CaseAction.CHANGE)
    errors: dict[str, str] = {}
    if case.status != Case.Status.OPEN:
        errors["due_on"] = _("Reopen the case to plan a visit.")
    if due_on < case.opened_on:
        errors["due_on"] = _("%(date)s is before the case opened.") % {"date": due_on}
    if visited_by not in case_workers_of(case.organisation):
        errors["visited_by"] = _("Choose a case worker of %(organisation)s.") % {"organisation": case.organisation}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        follow_up = FollowUp.objects.create(case=case, due_on=due_on, visited_by=visited_by)
        audit_case(case, AuditAction.CASE_CHANGED, planned_by, request, detail={"added": "follow_up"})
    return follow_up


def follow_up_done(
    *, follow_up: FollowUp, recorded_by: User, done_on: date, notes: str = "", request: HttpRequest | None = None
) -> FollowUp:
    case = follow_up.case
    require(recorded_by, case, CaseAction.CHANGE)
    require_open(case)
    errors: dict[str, str] = {}
    if follow_up.done_on is not None:
        errors["done_on"] = _("This visit is already recorded.")
    else:
        _on_or_after_opening(case, done_on, "done_on", errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        follow_up.done_on, follow_up.notes = done_on, notes.strip()
        follow_up.save(update_fields=["done_on", "notes"])
        audit_case(case, AuditAction.CASE_CHANGED, recorded_by, request, detail={"done": "follow_up"})
    return follow_up


def case_service_add(
    *,
    case: Case,
    added_by: User,
    kind: str,
    start: date,
    end: date | None = None,
    for_household: Household | None = None,
    education_support: str = "",
    provider: str = "",
    outcome: str = "",
    request: HttpRequest | None = None,
    correction_reason: str = "",
) -> Service:
    """A service given within the case: the child's (or their household's) service record, provided by the
    user's own organisation, so a referral's receiver adds to the same child and the child counts once."""
    require(added_by, case, CaseAction.ADD_SERVICE)
    if added_by.organisation is None:
        raise ValidationError(_("Only staff of an organisation give services."))
    if case.closed_on is not None and start > case.closed_on:
        raise ValidationError({"start": _("The case closed on %(date)s: reopen it first.") % {"date": case.closed_on}})
    if for_household is not None and not for_household.memberships.filter(person=case.person).exists():
        raise ValidationError({"for_household": _("The child is not a member of this household.")})
    with transaction.atomic():
        service = service_save(
            saved_by=added_by,
            organisation=added_by.organisation,
            kind=kind,
            start=start,
            end=end,
            person=None if for_household else case.person,
            household=for_household,
            education_support=education_support,
            provider=provider,
            outcome=outcome,
            case=case,
            correction_reason=correction_reason,
        )
        audit_case(case, AuditAction.CASE_CHANGED, added_by, request, detail={"added": "service", "kind": kind})
    return service
