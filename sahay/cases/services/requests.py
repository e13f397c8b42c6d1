"""Requests to open a case on a child the organisation already registered, and a supervisor's answer.

A case worker reaches a child's identity only through an assignment, a share or a referral. Opening a case
on a child already registered would give them one on any child of the organisation, so for a case worker it
is a request that a case supervisor of the organisation grants (opening the case) or refuses. Asking looks
the code up nowhere: the answer is the same whether a child has it or not.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from sahay.accounts.models import User
from sahay.accounts.rights import Right
from sahay.audit.models import AuditAction
from sahay.audit.services import audit_record
from sahay.cases.models import CaseRequest, Notice
from sahay.cases.selectors import may_open_registered_child
from sahay.cases.services.cases import CHILD_ROLES, case_register, case_workers_of
from sahay.cases.services.notices import notify, supervisors_of
from sahay.core.models import Organisation
from sahay.records.models import Person
from sahay.reports.locks import CORRECTION_FIELD


def case_request_make(
    *,
    requested_by: User,
    organisation: Organisation,
    code: str,
    intake: str,
    exploitation: str,
    opened_on: date,
    child_role: str,
    case_worker: User | None,
    summary: str = "",
    request: HttpRequest | None = None,
) -> CaseRequest:
    """Ask the organisation's case supervisors to open a case on a registered child. Only what does not depend
    on the code is checked here, so the answer tells nothing about whether a child has it."""
    if not (requested_by.has_perm(Right.WORK_CASES.permission) and requested_by.organisation_id == organisation.pk):
        raise PermissionDenied
    errors: dict[str, str] = {}
    if not code.strip():
        errors["code"] = _("Give the child's code.")
    if child_role not in CHILD_ROLES:
        errors["child_role"] = _("A case is for a victim or a child at risk.")
    if opened_on > timezone.localdate():
        errors["opened_on"] = _("%(date)s is in the future.") % {"date": opened_on}
    if case_worker is not None and case_worker not in case_workers_of(organisation):
        errors["case_worker"] = _("%(user)s is not a case worker of %(organisation)s.") % {
            "user": case_worker,
            "organisation": organisation,
        }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        case_request = CaseRequest.objects.create(
            organisation=organisation,
            requested_by=requested_by,
            code=code.strip(),
            intake=intake,
            exploitation=exploitation,
            opened_on=opened_on,
            child_role=child_role,
            case_worker=case_worker,
            summary=summary.strip(),
        )
        notify(supervisors_of(organisation), Notice.Kind.CASE_REQUESTED, None, case_request=case_request)
        # The request, not the code: the trail tells no more than the form did.
        audit_record(
            action=AuditAction.CASE_REQUESTED,
            actor=requested_by,
            request=request,
            target_kind="case_request",
            target_id=case_request.public_id,
            organisation=organisation,
        )
    return case_request


def case_request_answer(
    *,
    case_request: CaseRequest,
    answered_by: User,
    grant: bool,
    note: str = "",
    request: HttpRequest | None = None,
    correction_reason: str = "",
) -> CaseRequest:
    """A case supervisor of the organisation grants the request (the case opens, with the requested case worker)
    or refuses it; either is audited, and the requester is told. Granting a back-dated case that changes an
    approved half year's figures needs `correction_reason`, as registering it directly would."""
    if not (may_open_registered_child(answered_by) and answered_by.organisation_id == case_request.organisation_id):
        raise PermissionDenied
    if case_request.status != CaseRequest.Status.PENDING:
        raise ValidationError(_("This request was already answered."))
    if not grant and not note.strip():
        raise ValidationError({"note": _("Say why you refuse, so the case worker knows what to do.")})
    with transaction.atomic():
        case = None
        if grant:
            person = Person.objects.filter(
                organisation=case_request.organisation, code=case_request.code, merged_into__isnull=True
            ).first()
            if person is None:
                raise ValidationError(
                    _("No child of your organisation has this code: refuse the request and say so in the note.")
                )
            try:
                case = case_register(
                    registered_by=answered_by,
                    organisation=case_request.organisation,
                    intake=case_request.intake,
                    exploitation=case_request.exploitation,
                    opened_on=case_request.opened_on,
                    child_role=case_request.child_role,
                    case_worker=case_request.case_worker or case_request.requested_by,
                    person=person,
                    summary=case_request.summary,
                    request=request,
                    correction_reason=correction_reason,
                )
            except ValidationError as error:
                # The lock's question is answered in the supervisor's own reason field; the rest concerns the
                # request as a whole.
                asked = getattr(error, "error_dict", {}).get(CORRECTION_FIELD)
                raise ValidationError({CORRECTION_FIELD: asked} if asked else error.messages) from error
        case_request.status = CaseRequest.Status.GRANTED if grant else CaseRequest.Status.REFUSED
        case_request.answered_by, case_request.answered_at = answered_by, timezone.now()
        case_request.answer_note, case_request.case = note.strip(), case
        # The summary lives on in the case, under its retention; the request keeps no copy of it.
        case_request.summary = ""
        case_request.save(update_fields=["status", "answered_by", "answered_at", "answer_note", "case", "summary"])
        audit_record(
            # Granted: the requester's reach grows by one child. Refused: their access is denied.
            action=AuditAction.PERMISSION_CHANGED if grant else AuditAction.ACCESS_DENIED,
            actor=answered_by,
            request=request,
            target_kind="case_request",
            target_id=case_request.public_id,
            organisation=case_request.organisation,
            detail={
                "granted": grant,
                "requested_by": case_request.requested_by.username,
                "case": case.public_id if case else None,
            },
        )
        # Answered for the organisation: the notice of it is done for every supervisor who got it.
        Notice.objects.filter(case_request=case_request, kind=Notice.Kind.CASE_REQUESTED, read_at__isnull=True).update(
            read_at=case_request.answered_at
        )
        notify([case_request.requested_by], Notice.Kind.CASE_REQUEST_ANSWERED, case, case_request=case_request)
    return case_request
