"""The legal case: closed data on its own pages, each read audited."""

from __future__ import annotations

from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from sahay.cases import forms as case_forms
from sahay.cases.models import LegalCase
from sahay.cases.policy import CaseAction
from sahay.cases.selectors import offender_choices
from sahay.cases.services.cases import legal_read
from sahay.cases.services.legal import hearing_add, legal_case_save
from sahay.cases.views.common import case_form_page, case_page, fetch
from sahay.core.pages import AuthenticatedRequest


@case_page(("GET",))
@transaction.atomic
def legal_case_page(request: AuthenticatedRequest, public_id: str) -> HttpResponse:
    """The legal case: closed data on its own page, each read audited."""
    case, _access = fetch(request, public_id, CaseAction.SEE_LEGAL)
    access = legal_read(case=case, user=request.user, request=request)
    legal_case = LegalCase.objects.filter(case=case).select_related("offender").first()
    return render(
        request,
        "cases/legal_case.html",
        {
            "case": case,
            "access": access,
            "legal_case": legal_case,
            "hearings": legal_case.hearings.all() if legal_case else [],
        },
    )


@case_page()
def legal_case_edit(request: AuthenticatedRequest, public_id: str) -> HttpResponse:
    case, access = fetch(request, public_id, CaseAction.CHANGE_LEGAL)
    legal_case = LegalCase.objects.filter(case=case).first()
    initial: dict[str, object] = {"version": case.version}
    if legal_case:
        initial |= {
            field: getattr(legal_case, field)
            for field in (
                "complaint_filed_on",
                "authority",
                "authority_reference",
                "stage",
                "verdict",
                "verdict_on",
                "offender",
                "measures",
                "notes",
            )
        }
    form = case_forms.LegalCaseForm(request.POST or None, initial=initial, offenders=offender_choices(case=case))
    return case_form_page(
        request,
        case=case,
        access=access,
        form=form,
        save=lambda data: legal_case_save(case=case, saved_by=request.user, request=request, **data),
        title=_("Legal case"),
        success=_("Legal case saved."),
        done_url=reverse("legal_case", args=[case.public_id]),
    )


@case_page()
def hearing_add_page(request: AuthenticatedRequest, public_id: str) -> HttpResponse:
    case, access = fetch(request, public_id, CaseAction.CHANGE_LEGAL)
    legal_case = LegalCase.objects.filter(case=case).first()
    if legal_case is None:
        raise Http404
    form = case_forms.HearingForm(request.POST or None)
    return case_form_page(
        request,
        case=case,
        access=access,
        form=form,
        save=lambda data: hearing_add(legal_case=legal_case, added_by=request.user, request=request, **data),
        title=_("Add a hearing"),
        success=_("Hearing added."),
        done_url=reverse("legal_case", args=[case.public_id]),
    )
