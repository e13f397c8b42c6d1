"""Registering, changing, closing, reopening and reassigning cases, and the audited read of a case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from sahay.accounts.models import User
from sahay.accounts.rights import Right
from sahay.accounts.selectors import users_holding
from sahay.audit.models import AuditAction
from sahay.cases.models import Case, CaseShare
from sahay.cases.policy import CaseAccess, CaseAction
from sahay.cases.selectors import may_open_registered_child
from sahay.cases.services.common import audit_case, claim_version, require, require_open
from sahay.cases.services.roles import child_role_add
from sahay.core.models import Organisation
from sahay.records.models import Person, PersonRole
from sahay.records.services import RoleSpec, person_save

CHILD_ROLES = (PersonRole.Role.VICTIM, PersonRole.Role.AT_RISK_CHILD)


def case_workers_of(organisation: Organisation) -> QuerySet[User]:
    """The active users of the organisation who may hold a caseload."""
    return users_holding(Right.WORK_CASES).filter(organisation=organisation)


def _check_case_worker(case_worker: User | None, organisation: Organisation, errors: dict[str, str]) -> None:
    if case_worker is not None and case_worker not in case_workers_of(organisation):
        errors["case_worker"] = _("%(user)s is not a case worker of %(organisation)s.") % {
            "user": case_worker,
            "organisation": organisation,
        }


@dataclass(frozen=True)
class NewChild:
    """A child not yet known to Sahay, registered together with their case."""

    code: str
    sex: str
    birth_date: date | None = None
    birth_year_estimated: int | None = None
    name: str = ""
    contact: str = ""
    address: str = ""


def case_register(
    *,
    registered_by: User,
    organisation: Organisation,
    intake: str,
    exploitation: str,
    opened_on: date,
    child_role: str,
    case_worker: User | None,
    person: Person | None = None,
    new_child: NewChild | None = None,
    summary: str = "",
    request: HttpRequest | None = None,
    correction_reason: str = "",
) -> Case:
    """Open a case for a child of the organisation: a known person, or a new one registered with it.

    A case on a child already registered is opened by a case supervisor: a case worker asks one
    (services/requests.py), so that a case worker reaches a child only through an assignment, a share or a
    referral. The child's role from the opening day counts in the figures: a back-dated case that changes an
    approved half year needs `correction_reason`.
    """
    if not (registered_by.has_perm(Right.WORK_CASES.permission) and registered_by.organisation_id == organisation.pk):
        raise PermissionDenied
    if person is not None and not may_open_registered_child(registered_by):
        raise PermissionDenied
    errors: dict[str, str] = {}
    if (person is None) == (new_child is None):
        errors["person"] = _("Choose a registered child or register a new one, not both.")
    if person is not None and person.organisation_id != organisation.pk:
        errors["person"] = _("This child is registered by another organisation: refer the case instead.")
    if person is not None and Case.objects.filter(person=person, status=Case.Status.OPEN).exists():
        errors["person"] = _("%(code)s already has an open case.") % {"code": person.code}
    if child_role not in CHILD_ROLES:
        errors["child_role"] = _("A case is for a victim or a child at risk.")
    if opened_on > timezone.localdate():
        errors["opened_on"] = _("%(date)s is in the future.") % {"date": opened_on}
    _check_case_worker(case_worker, organisation, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if new_child is not None:
            # Someone new has nothing counted yet: the role comes with the record, through its own step.
            person = person_save(
                saved_by=registered_by,
                organisation=organisation,
                code=new_child.code,
                sex=new_child.sex,
                birth_date=new_child.birth_date,
                birth_year_estimated=new_child.birth_year_estimated,
                name=new_child.name,
                contact=new_child.contact,
                address=new_child.address,
                roles=[RoleSpec(role=child_role, start=opened_on)],
            )
        elif person is not None and not person.roles.filter(role=child_role, end__isnull=True).exists():
            child_role_add(
                person=person,
                role=child_role,
                start=opened_on,
                added_by=registered_by,
                organisation=organisation,
                correction_reason=correction_reason,
            )
        if person is None:  # cannot happen: one of the two was required above
            raise ValidationError({"person": _("Choose a registered child or register a new one.")})
        case = Case.objects.create(
            person=person,
            organisation=organisation,
            case_worker=case_worker,
            intake=intake,
            exploitation=exploitation,
            opened_on=opened_on,
            summary=summary.strip(),
        )
        audit_case(case, AuditAction.CASE_CREATED, registered_by, request)
    return case


def case_update(
    *,
    case: Case,
    changed_by: User,
    version: int,
    intake: str,
    exploitation: str,
    opened_on: date,
    summary: str,
    request: HttpRequest | None = None,
) -> Case:
    require(changed_by, case, CaseAction.CHANGE)
    require_open(case)
    if opened_on > timezone.localdate():
        raise ValidationError({"opened_on": _("%(date)s is in the future.") % {"date": opened_on}})
    if case.closed_on and opened_on > case.closed_on:
        raise ValidationError({"opened_on": _("A case cannot open after it closed.")})
    new = {"intake": intake, "exploitation": exploitation, "opened_on": opened_on, "summary": summary.strip()}
    changed = sorted(field for field, value in new.items() if getattr(case, field) != value)
    with transaction.atomic():
        claim_version(case, version)
        for field, value in new.items():
            setattr(case, field, value)
        case.save(update_fields=[*new, "version"])
        audit_case(case, AuditAction.CASE_CHANGED, changed_by, request, detail={"fields": changed})
    return case


def case_close(
    *,
    case: Case,
    closed_by: User,
    version: int,
    closed_on: date,
    reason: str,
    request: HttpRequest | None = None,
) -> Case:
    require(closed_by, case, CaseAction.CHANGE)
    errors: dict[str, str] = {}
    if case.status == Case.Status.CLOSED:
        errors["closed_on"] = _("This case is already closed.")
    elif closed_on < case.opened_on:
        errors["closed_on"] = _("A case cannot close before it opened (%(date)s).") % {"date": case.opened_on}
    elif closed_on > timezone.localdate():
        errors["closed_on"] = _("%(date)s is in the future.") % {"date": closed_on}
    if reason not in Case.ClosureReason.values:
        errors["reason"] = _("Choose why the case closes.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        claim_version(case, version)
        case.status, case.closed_on, case.closure_reason = Case.Status.CLOSED, closed_on, reason
        case.save(update_fields=["status", "closed_on", "closure_reason", "version"])
        audit_case(case, AuditAction.CASE_CLOSED, closed_by, request, detail={"reason": reason})
    return case


def case_reopen(*, case: Case, reopened_by: User, version: int, request: HttpRequest | None = None) -> Case:
    require(reopened_by, case, CaseAction.CHANGE)
    if case.status != Case.Status.CLOSED:
        raise ValidationError(_("This case is open."))
    if Case.objects.filter(person=case.person, status=Case.Status.OPEN).exists():
        raise ValidationError(_("%(code)s has another open case.") % {"code": case.code})
    with transaction.atomic():
        claim_version(case, version)
        case.status, case.closed_on, case.closure_reason = Case.Status.OPEN, None, ""
        case.save(update_fields=["status", "closed_on", "closure_reason", "version"])
        audit_case(case, AuditAction.CASE_REOPENED, reopened_by, request)
    return case


def caseload_reassign(
    *, supervisor: User, from_worker: User, to_worker: User, request: HttpRequest | None = None
) -> int:
    """Move every open case of a case worker (who leaves, say) to another; returns how many moved."""
    organisation = supervisor.organisation
    if organisation is None or not supervisor.has_perm(Right.SUPERVISE_CASES.permission):
        raise PermissionDenied
    errors: dict[str, str] = {}
    if from_worker.organisation_id != organisation.pk:
        errors["from_worker"] = _("%(user)s does not work for %(organisation)s.") % {
            "user": from_worker,
            "organisation": organisation,
        }
    _check_case_worker(to_worker, organisation, errors)
    if from_worker == to_worker:
        errors["to_worker"] = _("Choose another case worker.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        cases = list(
            Case.objects.select_for_update()
            .filter(organisation=organisation, case_worker=from_worker, status=Case.Status.OPEN)
            .select_related("person", "organisation")
        )
        for case in cases:
            case.case_worker = to_worker
            case.version += 1
            case.save(update_fields=["case_worker", "version"])
            audit_case(
                case,
                AuditAction.CASE_REASSIGNED,
                supervisor,
                request,
                detail={"from": from_worker.username, "to": to_worker.username},
            )
    return len(cases)


def case_assign(
    *, case: Case, assigned_by: User, version: int, case_worker: User, request: HttpRequest | None = None
) -> Case:
    require(assigned_by, case, CaseAction.MANAGE)
    errors: dict[str, str] = {}
    _check_case_worker(case_worker, case.organisation, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        claim_version(case, version)
        previous = case.case_worker.username if case.case_worker else ""
        case.case_worker = case_worker
        case.save(update_fields=["case_worker", "version"])
        audit_case(
            case,
            AuditAction.CASE_REASSIGNED,
            assigned_by,
            request,
            detail={"from": previous, "to": case_worker.username},
        )
    return case


def case_share(*, case: Case, shared_by: User, user: User, request: HttpRequest | None = None) -> CaseShare:
    """Let another case worker of the organisation work on the case beside its own case worker."""
    require(shared_by, case, CaseAction.MANAGE)
    errors: dict[str, str] = {}
    _check_case_worker(user, case.organisation, errors)
    if user == case.case_worker:
        errors["user"] = _("%(user)s is the case's own case worker.") % {"user": user}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        share, _created = CaseShare.objects.get_or_create(case=case, user=user, defaults={"shared_by": shared_by})
        audit_case(case, AuditAction.CASE_CHANGED, shared_by, request, detail={"shared_with": user.username})
    return share


def case_read(*, case: Case, user: User, request: HttpRequest | None = None) -> CaseAccess:
    """Open a case for reading. A read that shows the child's identity or care is audited; call it inside
    the transaction that renders the page, so the entry exists exactly when the page was produced."""
    access = CaseAccess.of(user, case)
    if not access.may(CaseAction.SEE_SUMMARY):
        raise PermissionDenied
    if access.may(CaseAction.SEE_IDENTITY) or access.may(CaseAction.SEE_CARE):
        audit_case(
            case,
            AuditAction.CASE_VIEWED,
            user,
            request,
            detail={"through_glass": access.through_glass},
        )
    return access


def legal_read(*, case: Case, user: User, request: HttpRequest | None = None) -> CaseAccess:
    """Open a case's legal details: closed data, on their own page, with their own audit entry."""
    access = CaseAccess.of(user, case)
    if not access.may(CaseAction.SEE_LEGAL):
        raise PermissionDenied
    audit_case(case, AuditAction.LEGAL_VIEWED, user, request, kind="legal_case")
    return access
