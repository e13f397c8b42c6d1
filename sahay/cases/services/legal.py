"""A child's legal case: closed data, changed only by the case's own workers with the legal right."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from sahay.accounts.models import User
from sahay.audit.models import AuditAction
from sahay.cases.models import Case, Hearing, LegalCase
from sahay.cases.policy import CaseAction
from sahay.cases.services.common import audit_case, claim_version, require
from sahay.records.models import TrackedItem


def legal_case_save(
    *,
    case: Case,
    saved_by: User,
    version: int,
    complaint_filed_on: date,
    authority: str,
    authority_reference: str,
    stage: str,
    verdict: str = "",
    verdict_on: date | None = None,
    offender: TrackedItem | None = None,
    measures: list[str] | None = None,
    notes: str = "",
    request: HttpRequest | None = None,
) -> LegalCase:
    require(saved_by, case, CaseAction.CHANGE_LEGAL)
    today = timezone.localdate()
    errors: dict[str, str] = {}
    if complaint_filed_on > today:
        errors["complaint_filed_on"] = _("%(date)s is in the future.") % {"date": complaint_filed_on}
    if not authority_reference.strip():
        errors["authority_reference"] = _("Give the authority's reference number: evidence stays with them.")
    if (stage == LegalCase.Stage.VERDICT) != bool(verdict):
        errors["verdict"] = _("A verdict goes with the stage 'verdict', and the other way round.")
    if bool(verdict) != (verdict_on is not None):
        errors["verdict_on"] = _("Give the date of the verdict.")
    elif verdict_on is not None and (verdict_on < complaint_filed_on or verdict_on > today):
        errors["verdict_on"] = _("The verdict falls between the complaint and today.")
    if offender is not None and (
        offender.kind != TrackedItem.Kind.OFFENDER or offender.country_id != case.organisation.country_id
    ):
        errors["offender"] = _("Choose an offender record of the case's country.")
    unknown = set(measures or []) - set(LegalCase.Measure.values)
    if unknown:
        errors["measures"] = _("Unknown measure: %(measure)s.") % {"measure": ", ".join(sorted(unknown))}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        claim_version(case, version)
        legal_case = LegalCase.objects.filter(case=case).first() or LegalCase(case=case)
        legal_case.complaint_filed_on, legal_case.authority = complaint_filed_on, authority.strip()
        legal_case.authority_reference, legal_case.stage = authority_reference.strip(), stage
        legal_case.verdict, legal_case.verdict_on, legal_case.offender = verdict, verdict_on, offender
        legal_case.measures, legal_case.notes = sorted(measures or []), notes.strip()
        legal_case.save()
        audit_case(case, AuditAction.LEGAL_CHANGED, saved_by, request, kind="legal_case")
    return legal_case


def hearing_add(
    *, legal_case: LegalCase, added_by: User, held_on: date, note: str = "", request: HttpRequest | None = None
) -> Hearing:
    case = legal_case.case
    require(added_by, case, CaseAction.CHANGE_LEGAL)
    if held_on < legal_case.complaint_filed_on:
        raise ValidationError(
            {"held_on": _("A hearing comes after the complaint (%(date)s).") % {"date": legal_case.complaint_filed_on}}
        )
    with transaction.atomic():
        hearing = Hearing.objects.create(legal_case=legal_case, held_on=held_on, note=note.strip())
        audit_case(case, AuditAction.LEGAL_CHANGED, added_by, request, kind="legal_case", detail={"added": "hearing"})
    return hearing
