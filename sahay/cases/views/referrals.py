"""Referring a case, and the receiving organisation's inbox and answer."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from sahay.accounts.decorators import right_required
from sahay.accounts.rights import Right
from sahay.accounts.selectors import users_holding
from sahay.cases import forms as case_forms
from sahay.cases.models import Consent
from sahay.cases.policy import CaseAction
from sahay.cases.selectors import age_band, incoming_referrals, referral_for_answer
from sahay.cases.services.care import has_consent
from sahay.cases.services.cases import case_workers_of
from sahay.cases.services.referrals import case_refer, referral_answer
from sahay.cases.views.common import case_form_page, case_page, fetch
from sahay.core.models import Organisation
from sahay.core.pages import AuthenticatedRequest, add_service_errors, paginate


@case_page()
def case_refer_page(request: AuthenticatedRequest, public_id: str) -> HttpResponse:
    case, access = fetch(request, public_id, CaseAction.REFER)
    # Only organisations with a case supervisor can answer; the child's own country first.
    receivers = (
        Organisation.objects.filter(
            is_active=True, kind=Organisation.Kind.PARTNER, users__in=users_holding(Right.SUPERVISE_CASES)
        )
        .exclude(pk=case.organisation_id)
        .distinct()
    )
    form = case_forms.ReferralForm(request.POST or None, organisations=receivers.order_by("-country", "name"))
    consented = has_consent(case, Consent.Purpose.REFERRAL)
    if consented:
        del form.fields["override_reason"]
    return case_form_page(
        request,
        case=case,
        access=access,
        form=form,
        save=lambda data: case_refer(case=case, referred_by=request.user, request=request, **data),
        title=_("Refer the case"),
        success=_("Referral sent. The receiving organisation is told."),
        anchor="referrals",
        template="cases/referral_form.html",
        context={
            "consented": consented,
            "may_override": request.user.has_perm(Right.OVERRIDE_CONSENT.permission),
            "submit_label": _("Send the referral"),
        },
    )


@right_required(Right.SUPERVISE_CASES)
@case_page(("GET",))
def referral_inbox(request: AuthenticatedRequest) -> HttpResponse:
    page = paginate(request, incoming_referrals(user=request.user))
    for referral in page.object_list:
        referral.age_band = age_band(referral.case)
    return render(request, "cases/referral_inbox.html", {"page": page})


@right_required(Right.SUPERVISE_CASES)
@case_page()
def referral_answer_page(request: AuthenticatedRequest, referral_id: str) -> HttpResponse:
    """The receiver decides on what the referral shares: code, age band, sex and the needs stated."""
    referral = referral_for_answer(user=request.user, public_id=referral_id)
    if referral is None:
        raise Http404
    workers = case_workers_of(referral.to_organisation)
    form = case_forms.ReferralAnswerForm(request.POST or None, case_workers=workers)
    if request.method == "POST" and form.is_valid():
        try:
            referral_answer(referral=referral, answered_by=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Answer sent to the referring organisation."))
            return redirect("referral_inbox")
    return render(
        request,
        "cases/referral_answer.html",
        {"referral": referral, "form": form, "age_band": age_band(referral.case)},
    )
