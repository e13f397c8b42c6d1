"""Requests to open a case on a child already registered: a case supervisor's inbox and answer."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from sahay.accounts.decorators import right_required
from sahay.accounts.rights import Right
from sahay.cases import forms as case_forms
from sahay.cases.selectors import case_requests_for
from sahay.cases.services.requests import case_request_answer
from sahay.cases.views.common import case_page
from sahay.core.pages import AuthenticatedRequest, paginate


@right_required(Right.SUPERVISE_CASES)
@case_page(("GET",))
def case_request_inbox(request: AuthenticatedRequest) -> HttpResponse:
    page = paginate(request, case_requests_for(user=request.user))
    return render(request, "cases/case_request_inbox.html", {"page": page})


@right_required(Right.SUPERVISE_CASES)
@case_page()
def case_request_answer_page(request: AuthenticatedRequest, request_id: str) -> HttpResponse:
    """Grant (the case opens on the child's record) or refuse a case worker's request. Audited either way."""
    case_request = case_requests_for(user=request.user).filter(public_id=request_id).first()
    if case_request is None:
        raise Http404
    form = case_forms.CaseRequestAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case_request_answer(
                case_request=case_request, answered_by=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Answer sent to %(user)s.") % {"user": case_request.requested_by})
            return redirect("case_request_inbox")
    return render(request, "cases/case_request_answer.html", {"case_request": case_request, "form": form})
