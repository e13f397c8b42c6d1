"""Pages that add to a case: consent, assessment, plan goals, follow-up visits, services, documents."""

from __future__ import annotations

from django.db import transaction
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from sahay.cases import forms as case_forms
from sahay.cases.models import Attachment, Consent, FollowUp, PlanGoal
from sahay.cases.policy import CaseAction
from sahay.cases.services.care import (
    assessment_add,
    case_service_add,
    consent_record,
    consent_withdraw,
    follow_up_done,
    follow_up_plan,
    goal_achieved,
    goal_add,
)
from sahay.cases.services.cases import case_workers_of
from sahay.cases.services.documents import attachment_add, attachment_open
from sahay.cases.views.common import case_form_page, case_page, fetch
from sahay.core.pages import AuthenticatedRequest


@case_page()
def consent_add_page(request: AuthenticatedRequest, public_id: str) -> HttpResponse:
    case, access = fetch(request, public_id, CaseAction.CHANGE)
    form = case_forms.ConsentForm(request.POST or None, initial={"given_on": timezone.localdate()})
    return case_form_page(
        request,
        case=case,
        access=access,
        form=form,
        save=lambda data: consent_record(case=case, recorded_by=request.user, request=request, **data),
        title=_("Record consent"),
        success=_("Consent recorded."),
        anchor="consent",
    )


@case_page()
def consent_withdraw_page(request: AuthenticatedRequest, public_id: str, consent_id: int) -> HttpResponse:
    case, access = fetch(request, public_id, CaseAction.CHANGE)
    consent = Consent.objects.filter(case=case, pk=consent_id).first()
    if consent is None:
        raise Http404
    form = case_forms.WithdrawForm(request.POST or None, initial={"withdrawn_on": timezone.localdate()})
    return case_form_page(
        request,
        case=case,
        access=access,
        form=form,
        save=lambda data: consent_withdraw(consent=consent, withdrawn_by=request.user, request=request, **data),
        title=_("Withdraw consent for %(purpose)s") % {"purpose": consent.get_purpose_display()},
        success=_("Consent withdrawn. It no longer counts, from now on."),
        anchor="consent",
    )


@case_page()
def assessment_add_page(request: AuthenticatedRequest, public_id: str) -> HttpResponse:
    case, access = fetch(request, public_id, CaseAction.CHANGE)
    form = case_forms.AssessmentForm(request.POST or None, initial={"assessed_on": timezone.localdate()})
    return case_form_page(
        request,
        case=case,
        access=access,
        form=form,
        save=lambda data: assessment_add(case=case, assessed_by=request.user, request=request, **data),
        title=_("Add an assessment"),
        success=_("Assessment saved."),
        anchor="assessments",
    )


@case_page()
def goal_add_page(request: AuthenticatedRequest, public_id: str) -> HttpResponse:
    case, access = fetch(request, public_id, CaseAction.CHANGE)
    form = case_forms.GoalForm(request.POST or None)
    return case_form_page(
        request,
        case=case,
        access=access,
        form=form,
        save=lambda data: goal_add(case=case, added_by=request.user, request=request, **data),
        title=_("Add a goal to the case plan"),
        success=_("Goal added."),
        anchor="plan",
    )


@case_page()
def goal_achieved_page(request: AuthenticatedRequest, public_id: str, goal_id: int) -> HttpResponse:
    case, access = fetch(request, public_id, CaseAction.CHANGE)
    goal = PlanGoal.objects.filter(case=case, pk=goal_id).first()
    if goal is None:
        raise Http404
    form = case_forms.DoneOnForm(request.POST or None, initial={"done_on": timezone.localdate()})
    del form.fields["notes"]
    return case_form_page(
        request,
        case=case,
        access=access,
        form=form,
        save=lambda data: goal_achieved(
            goal=goal, marked_by=request.user, achieved_on=data["done_on"], request=request
        ),
        title=_("Goal achieved"),
        success=_("Goal marked as achieved."),
        anchor="plan",
    )


@case_page()
def follow_up_add_page(request: AuthenticatedRequest, public_id: str) -> HttpResponse:
    case, access = fetch(request, public_id, CaseAction.CHANGE)
    form = case_forms.FollowUpForm(
        request.POST or None,
        case_workers=case_workers_of(case.organisation),
        initial={"visited_by": case.case_worker},
    )
    return case_form_page(
        request,
        case=case,
        access=access,
        form=form,
        save=lambda data: follow_up_plan(case=case, planned_by=request.user, request=request, **data),
        title=_("Plan a follow-up visit"),
        success=_("Visit planned."),
        anchor="follow-ups",
    )


@case_page()
def follow_up_done_page(request: AuthenticatedRequest, public_id: str, follow_up_id: int) -> HttpResponse:
    case, access = fetch(request, public_id, CaseAction.CHANGE)
    follow_up = FollowUp.objects.filter(case=case, pk=follow_up_id).first()
    if follow_up is None:
        raise Http404
    form = case_forms.DoneOnForm(request.POST or None, initial={"done_on": timezone.localdate()})
    return case_form_page(
        request,
        case=case,
        access=access,
        form=form,
        save=lambda data: follow_up_done(
            follow_up=follow_up,
            recorded_by=request.user,
            done_on=data["done_on"],
            notes=data["notes"],
            request=request,
        ),
        title=_("Record the visit due on %(date)s") % {"date": follow_up.due_on},
        success=_("Visit recorded."),
        anchor="follow-ups",
    )


@case_page()
def case_service_add_page(request: AuthenticatedRequest, public_id: str) -> HttpResponse:
    case, access = fetch(request, public_id, CaseAction.ADD_SERVICE)
    form = case_forms.CaseServiceForm(
        request.POST or None,
        households=case.person.households.all(),
        initial={"start": timezone.localdate()},
    )
    return case_form_page(
        request,
        case=case,
        access=access,
        form=form,
        save=lambda data: case_service_add(case=case, added_by=request.user, request=request, **data),
        title=_("Record a service"),
        success=_("Service recorded. It counts in the programme's figures."),
        anchor="services",
    )


@case_page()
def attachment_add_page(request: AuthenticatedRequest, public_id: str) -> HttpResponse:
    case, access = fetch(request, public_id, CaseAction.CHANGE)
    form = case_forms.AttachmentForm(request.POST or None, request.FILES or None)

    def save(data: dict[str, object]) -> Attachment:
        upload = data["file"]
        return attachment_add(
            case=case,
            added_by=request.user,
            title=str(data["title"]),
            filename=upload.name,  # type: ignore[attr-defined]
            content=upload.read(),  # type: ignore[attr-defined]
            request=request,
        )

    return case_form_page(
        request,
        case=case,
        access=access,
        form=form,
        save=save,
        title=_("Add a document"),
        success=_("Document added, encrypted."),
        anchor="documents",
        template="cases/attachment_form.html",
    )


@case_page(("GET",))
@transaction.atomic
def attachment_download(request: AuthenticatedRequest, public_id: str, attachment_id: str) -> HttpResponse:
    case, _access = fetch(request, public_id, CaseAction.SEE_ATTACHMENTS)
    attachment = Attachment.objects.filter(case=case, public_id=attachment_id).first()
    if attachment is None:
        raise Http404
    content = attachment_open(attachment=attachment, user=request.user, request=request)
    response = HttpResponse(content, content_type=attachment.content_type)
    # The file name may carry a child's name: the download is named by its opaque id.
    extension = {"application/pdf": "pdf", "text/plain": "txt"}.get(attachment.content_type, "docx")
    if attachment.content_type.endswith("opendocument.text"):
        extension = "odt"
    response["Content-Disposition"] = f'attachment; filename="document-{attachment.public_id}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
