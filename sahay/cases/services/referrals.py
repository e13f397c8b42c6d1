"""Referring a case to another organisation, and that organisation's answer."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from sahay.accounts.models import User
from sahay.accounts.rights import Right
from sahay.audit.models import AuditAction
from sahay.cases.models import Case, Consent, Notice, Referral
from sahay.cases.policy import CaseAction
from sahay.cases.services.care import has_consent
from sahay.cases.services.cases import case_workers_of
from sahay.cases.services.common import audit_case, require
from sahay.cases.services.notices import notify, supervisors_of
from sahay.core.models import Organisation


def case_refer(
    *,
    case: Case,
    referred_by: User,
    to_organisation: Organisation,
    needs: str,
    shares_identity: bool,
    override_reason: str = "",
    request: HttpRequest | None = None,
) -> Referral:
    """Refer the case. Without a held consent for referral it is refused, unless the user holds the
    override right and types a reason, which is audited."""
    require(referred_by, case, CaseAction.REFER)
    errors: dict[str, str] = {}
    if to_organisation.pk == case.organisation_id:
        errors["to_organisation"] = _("Choose another organisation than the case's own.")
    elif not supervisors_of(to_organisation).exists():
        errors["to_organisation"] = _("%(organisation)s has no case supervisor in Sahay to answer a referral.") % {
            "organisation": to_organisation
        }
    elif case.referrals.filter(to_organisation=to_organisation, status=Referral.Status.PENDING).exists():
        errors["to_organisation"] = _("A referral to %(organisation)s is waiting for an answer.") % {
            "organisation": to_organisation
        }
    if not needs.strip():
        errors["needs"] = _("Say what the child needs from them.")
    if case.status != Case.Status.OPEN:
        errors["needs"] = _("Reopen the case to refer it.")
    override_reason = override_reason.strip()
    consented = has_consent(case, Consent.Purpose.REFERRAL)
    if not consented:
        if not referred_by.has_perm(Right.OVERRIDE_CONSENT.permission):
            errors["override_reason"] = _(
                "There is no consent for referral on record. Record the consent first, or ask a case "
                "supervisor to refer without it."
            )
        elif not override_reason:
            errors["override_reason"] = _(
                "There is no consent for referral on record: type why the child must be referred without it."
            )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        referral = Referral.objects.create(
            case=case,
            to_organisation=to_organisation,
            referred_by=referred_by,
            needs=needs.strip(),
            shares_identity=shares_identity,
            consent_override_reason="" if consented else override_reason,
        )
        detail: dict[str, object] = {"to": to_organisation.pk, "shares_identity": shares_identity}
        audit_case(case, AuditAction.REFERRAL_MADE, referred_by, request, detail=detail)
        if not consented:
            audit_case(case, AuditAction.CONSENT_OVERRIDE, referred_by, request, reason=override_reason, detail=detail)
        notify(supervisors_of(to_organisation), Notice.Kind.REFERRAL_RECEIVED, case, referral=referral)
    return referral


def referral_answer(
    *,
    referral: Referral,
    answered_by: User,
    accept: bool,
    assigned_to: User | None = None,
    note: str = "",
    request: HttpRequest | None = None,
) -> Referral:
    """The receiving organisation's supervisor accepts (naming its case worker) or declines."""
    if not (
        answered_by.has_perm(Right.SUPERVISE_CASES.permission)
        and answered_by.organisation_id == referral.to_organisation_id
    ):
        raise PermissionDenied
    errors: dict[str, str] = {}
    if referral.status != Referral.Status.PENDING:
        errors["accept"] = _("This referral was already answered.")
    if accept and (assigned_to is None or assigned_to not in case_workers_of(referral.to_organisation)):
        errors["assigned_to"] = _("Choose who of your organisation will work with the child.")
    if not accept and not note.strip():
        errors["note"] = _("Say why you decline, so the referring organisation can look elsewhere.")
    if errors:
        raise ValidationError(errors)
    case = referral.case
    with transaction.atomic():
        referral.status = Referral.Status.ACCEPTED if accept else Referral.Status.DECLINED
        referral.answered_by, referral.answered_at = answered_by, timezone.now()
        referral.assigned_to = assigned_to if accept else None
        referral.answer_note = note.strip()
        referral.save(update_fields=["status", "answered_by", "answered_at", "assigned_to", "answer_note"])
        audit_case(case, AuditAction.REFERRAL_ANSWERED, answered_by, request, detail={"accepted": accept})
        # Answered for the organisation: the notice of it is done for every supervisor who got it.
        Notice.objects.filter(referral=referral, kind=Notice.Kind.REFERRAL_RECEIVED, read_at__isnull=True).update(
            read_at=referral.answered_at
        )
        notify(
            [referral.referred_by, *supervisors_of(case.organisation)],
            Notice.Kind.REFERRAL_ANSWERED,
            case,
            referral=referral,
        )
    return referral
