"""The case list, registering a case, the case page and its changes, emergency access and notices."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from sahay.accounts.decorators import right_required
from sahay.accounts.models import User
from sahay.accounts.rights import Right
from sahay.cases import forms as case_forms
from sahay.cases.errors import StaleCaseError
from sahay.cases.models import Case, GlassAccess
from sahay.cases.policy import CaseAccess, CaseAction, reaches_of
from sahay.cases.selectors import (
    CaseFilters,
    age_band,
    case_find_for_emergency,
    case_list,
    may_open_registered_child,
    notice_list,
)
from sahay.cases.services.cases import (
    case_assign,
    case_close,
    case_read,
    case_register,
    case_reopen,
    case_share,
    case_update,
    case_workers_of,
    caseload_reassign,
)
from sahay.cases.services.glass import break_glass
from sahay.cases.services.notices import follow_up_notices_send, notices_mark_read
from sahay.cases.services.requests import case_request_make
from sahay.cases.views.common import case_form_page, case_page, case_url, fetch
from sahay.core.pages import AuthenticatedRequest, add_service_errors, paginate, sort_list
from sahay.records.models import Person

SORTS = {"code": "person__code", "opened": "opened_on", "status": "status", "visit": "next_visit"}
FILTERS_KEY = "case-filters"


@right_required(Right.WORK_CASES, Right.VIEW_FIGURES)
@case_page()
def case_list_page(request: AuthenticatedRequest) -> HttpResponse:
    """Cases in the user's reach. Filters travel by POST and stay in the session: no code in a URL."""
    user = request.user
    organisation_workers = User.objects.filter(caseload__in=case_list(user=user)).distinct()
    if request.method == "POST":
        form = case_forms.CaseSearchForm(request.POST, case_workers=organisation_workers)
        if form.is_valid():
            data = form.cleaned_data
            request.session[FILTERS_KEY] = {
                "code": data["code"],
                "status": data["status"],
                "case_worker": data["case_worker"].pk if data["case_worker"] else None,
                "follow_up_due": data["follow_up_due"],
            }
        return redirect("case_list")
    if "clear" in request.GET:
        request.session.pop(FILTERS_KEY, None)
        return redirect("case_list")
    saved = request.session.get(FILTERS_KEY, {})
    form = case_forms.CaseSearchForm(initial=saved, case_workers=organisation_workers)
    cases, sort = sort_list(request, case_list(user=user, filters=CaseFilters(**saved)), SORTS, default="-opened")
    page = paginate(request, cases)
    for case in page.object_list:
        case.age_band = age_band(case)
    return render(
        request,
        "cases/case_list.html",
        {
            "page": page,
            "sort": sort,
            "form": form,
            "filtered": any(saved.values()),
            "may_register": user.has_perm(Right.WORK_CASES.permission),
            "may_reassign": user.has_perm(Right.SUPERVISE_CASES.permission),
            "may_break_glass": user.has_perm(Right.BREAK_GLASS.permission),
            "today": timezone.localdate(),
        },
    )


@right_required(Right.WORK_CASES)
@case_page()
def case_register_page(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    if user.organisation is None:
        raise PermissionDenied
    workers = case_workers_of(user.organisation)
    form = case_forms.CaseRegisterForm(
        request.POST or None,
        case_workers=workers,
        initial={"opened_on": timezone.localdate(), "case_worker": user.pk},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        known = None
        if data["already_registered"] and not may_open_registered_child(user):
            # A case worker asks a supervisor: the answer is the same whether a child has the code or not.
            try:
                case_request_make(
                    requested_by=user,
                    organisation=user.organisation,
                    code=data["code"],
                    intake=data["intake"],
                    exploitation=data["exploitation"],
                    opened_on=data["opened_on"],
                    child_role=data["child_role"],
                    case_worker=data["case_worker"],
                    summary=data["summary"],
                    request=request,
                )
            except ValidationError as error:
                form.add_service_errors(error)
                return render(request, "cases/case_register.html", {"form": form})
            messages.success(
                request,
                _(
                    "Your request was sent to your supervisor. If a child of your organisation has this code, "
                    "a case supervisor opens the case; you are told in your notices either way."
                ),
            )
            return redirect("case_list")
        if data["already_registered"]:
            known = Person.objects.filter(organisation=user.organisation, code=data["code"].strip()).first()
            if known is None:
                form.add_error("code", _("No child of your organisation has this code."))
                return render(request, "cases/case_register.html", {"form": form})
        try:
            case = case_register(
                registered_by=user,
                organisation=user.organisation,
                intake=data["intake"],
                exploitation=data["exploitation"],
                opened_on=data["opened_on"],
                child_role=data["child_role"],
                case_worker=data["case_worker"],
                person=known,
                new_child=None if known else form.new_child(),
                summary=data["summary"],
                request=request,
                correction_reason=data.get("correction_reason", ""),
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Case %(code)s registered.") % {"code": case.code})
            return redirect(case_url(case))
    return render(request, "cases/case_register.html", {"form": form})


@case_page(("GET",))
@transaction.atomic
def case_detail(request: AuthenticatedRequest, public_id: str) -> HttpResponse:
    """The case page. The read is audited in the transaction that renders the page."""
    case, _access = fetch(request, public_id, CaseAction.SEE_SUMMARY)
    access = case_read(case=case, user=request.user, request=request)
    context: dict[str, Any] = {
        "case": case,
        "access": access,
        "person": case.person,
        "age_band": age_band(case),
        "services": case.services.select_related("organisation", "household").order_by("-start"),
        "today": timezone.localdate(),
    }
    if access.may(CaseAction.SEE_CARE):
        context |= {
            "consents": case.consents.all(),
            "assessments": case.assessments.all(),
            "goals": case.goals.all(),
            "follow_ups": case.follow_ups.select_related("visited_by"),
            "referrals": case.referrals.select_related("to_organisation", "assigned_to"),
            "shares": case.shares.select_related("user"),
        }
    else:
        # A receiver sees the referrals made to their own organisation: what was asked of them.
        context["referrals"] = case.referrals.filter(to_organisation=request.user.organisation_id)
    if access.may(CaseAction.SEE_ATTACHMENTS):
        context["attachments"] = case.attachments.select_related("uploaded_by")
    if access.through_glass:
        context["glass"] = GlassAccess.objects.filter(
            case=case, user=request.user, expires_at__gt=timezone.now()
        ).first()
    return render(request, "cases/case_detail.html", context)


@case_page()
def case_edit(request: AuthenticatedRequest, public_id: str) -> HttpResponse:
    case, access = fetch(request, public_id, CaseAction.CHANGE)
    form = case_forms.CaseEditForm(
        request.POST or None,
        initial={
            "version": case.version,
            "intake": case.intake,
            "exploitation": case.exploitation,
            "opened_on": case.opened_on,
            "summary": case.summary,
        },
    )
    return case_form_page(
        request,
        case=case,
        access=access,
        form=form,
        save=lambda data: case_update(case=case, changed_by=request.user, request=request, **data),
        title=_("Change the case"),
        success=_("Case saved."),
    )


@case_page()
def case_close_page(request: AuthenticatedRequest, public_id: str) -> HttpResponse:
    case, access = fetch(request, public_id, CaseAction.CHANGE)
    form = case_forms.CaseCloseForm(
        request.POST or None, initial={"version": case.version, "closed_on": timezone.localdate()}
    )
    return case_form_page(
        request,
        case=case,
        access=access,
        form=form,
        save=lambda data: case_close(case=case, closed_by=request.user, request=request, **data),
        title=_("Close the case"),
        success=_("Case closed."),
    )


@case_page(("POST",))
def case_reopen_page(request: AuthenticatedRequest, public_id: str) -> HttpResponse:
    case, _access = fetch(request, public_id, CaseAction.CHANGE)
    form = case_forms.VersionedForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The page was out of date: try again."))
        return redirect(case_url(case))
    try:
        case_reopen(case=case, reopened_by=request.user, version=form.cleaned_data["version"], request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except StaleCaseError:
        messages.error(request, str(StaleCaseError.message))
        return redirect(case_url(case))
    else:
        messages.success(request, _("Case reopened."))
    return redirect(case_url(case))


@case_page()
def case_assign_page(request: AuthenticatedRequest, public_id: str) -> HttpResponse:
    case, access = fetch(request, public_id, CaseAction.MANAGE)
    workers = case_workers_of(case.organisation)
    form = case_forms.CaseAssignForm(
        request.POST or None, case_workers=workers, initial={"version": case.version, "case_worker": case.case_worker}
    )
    share_form = case_forms.ShareForm(None, case_workers=workers, prefix="share")
    return case_form_page(
        request,
        case=case,
        access=access,
        form=form,
        save=lambda data: case_assign(case=case, assigned_by=request.user, request=request, **data),
        title=_("Case worker"),
        success=_("Case worker changed."),
        template="cases/case_assign.html",
        context={"share_form": share_form, "shares": case.shares.select_related("user")},
    )


@case_page(("POST",))
def case_share_page(request: AuthenticatedRequest, public_id: str) -> HttpResponse:
    case, _access = fetch(request, public_id, CaseAction.MANAGE)
    form = case_forms.ShareForm(request.POST, case_workers=case_workers_of(case.organisation), prefix="share")
    if form.is_valid():
        try:
            case_share(case=case, shared_by=request.user, user=form.cleaned_data["user"], request=request)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Case shared with %(user)s.") % {"user": form.cleaned_data["user"]})
    else:
        messages.error(request, _("Choose a case worker to share the case with."))
    return redirect("case_assign", case.public_id)


@right_required(Right.SUPERVISE_CASES)
@case_page()
def caseload_reassign_page(request: AuthenticatedRequest) -> HttpResponse:
    """A supervisor moves the open cases of a case worker who leaves to a colleague."""
    organisation = request.user.organisation
    if organisation is None:
        raise PermissionDenied
    workers = case_workers_of(organisation)
    holders = User.objects.filter(caseload__organisation=organisation, caseload__status=Case.Status.OPEN).distinct()
    form = case_forms.ReassignForm(request.POST or None, case_workers=workers, holders=holders)
    if request.method == "POST" and form.is_valid():
        try:
            moved = caseload_reassign(supervisor=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(count)s open cases moved to %(user)s.") % {"count": moved, "user": form.cleaned_data["to_worker"]},
            )
            return redirect("case_list")
    return render(request, "cases/caseload_reassign.html", {"form": form, "holders": holders})


@right_required(Right.BREAK_GLASS)
@case_page()
def case_find(request: AuthenticatedRequest) -> HttpResponse:
    """Find one case of your country by its exact code, to open it in an emergency. The code is posted,
    never put in a URL; the answer is de-identified."""
    form = case_forms.FindCaseForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "found": None, "searched": request.method == "POST"}
    if request.method == "POST" and form.is_valid():
        found = case_find_for_emergency(user=request.user, code=form.cleaned_data["code"])
        if found is not None:
            context |= {
                "found": found,
                "found_age_band": age_band(found),
                "already_open": bool(reaches_of(request.user, found)),
            }
    return render(request, "cases/case_find.html", context)


@right_required(Right.BREAK_GLASS)
@case_page()
def case_break_glass(request: AuthenticatedRequest, public_id: str) -> HttpResponse:
    case = case_find_by_public_id(request, public_id)
    form = case_forms.BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            break_glass(case=case, user=request.user, reason=form.cleaned_data["reason"], request=request)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.warning(request, _("Emergency access granted to you alone. It is recorded and reported."))
            return redirect(case_url(case))
    return render(
        request,
        "cases/break_glass.html",
        {"case": case, "form": form, "age_band": age_band(case), "minutes": settings.SAHAY_BREAK_GLASS_MINUTES},
    )


def case_find_by_public_id(request: AuthenticatedRequest, public_id: str) -> Case:
    """A case the user may break the glass for; any other is a 404."""
    case = Case.objects.select_related("person", "organisation").filter(public_id=public_id).first()
    if case is None or not CaseAccess.of(request.user, case).may_break_glass:
        raise Http404
    return case


@right_required(Right.WORK_CASES)
@case_page()
def notice_list_page(request: AuthenticatedRequest) -> HttpResponse:
    follow_up_notices_send(user=request.user)
    if request.method == "POST":
        notices_mark_read(user=request.user)
        return redirect("notice_list")
    return render(request, "cases/notice_list.html", {"page": paginate(request, notice_list(user=request.user))})
