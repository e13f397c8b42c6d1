"""The indicator reference and the pages where programme managers set targets."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sahay.accounts.decorators import right_required
from sahay.accounts.rights import Right
from sahay.core.pages import AuthenticatedRequest, add_service_errors, plain_number
from sahay.figures.selectors import programme_periods
from sahay.frameworks.forms import TargetChangeForm, TargetCreateForm
from sahay.frameworks.models import Programme
from sahay.frameworks.selectors import current_programme, indicator_list, target_history, target_list
from sahay.frameworks.services import target_set


def _programme() -> Programme:
    programme = current_programme()
    if programme is None:
        raise Http404
    return programme


def indicator_reference(request: AuthenticatedRequest) -> HttpResponse:
    programme = current_programme()
    indicators = indicator_list(programme=programme) if programme else []
    return render(request, "frameworks/indicators.html", {"programme": programme, "indicators": indicators})


@right_required(Right.VIEW_FIGURES, Right.CHANGE_TARGETS)
def target_overview(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    programme = _programme()
    targets = target_list(user=user, programme=programme).order_by(
        "indicator__strategy__position", "indicator__position", "country__code", "period_code"
    )
    return render(request, "frameworks/targets.html", {"programme": programme, "targets": targets})


@right_required(Right.CHANGE_TARGETS)
@require_http_methods(["GET", "POST"])
def target_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    target = get_object_or_404(target_list(user=user, programme=_programme()), pk=pk)
    form = TargetChangeForm(request.POST or None, initial={"value": plain_number(target.value)})
    if request.method == "POST" and form.is_valid():
        try:
            target_set(
                indicator=target.indicator,
                country=target.country,
                period_code=target.period_code,
                value=form.cleaned_data["value"],
                reason=form.cleaned_data["reason"],
                changed_by=user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Target of %(indicator)s changed.") % {"indicator": target.indicator.code})
            return redirect("target_overview")
    return render(
        request,
        "frameworks/target_form.html",
        {
            "form": form,
            "target": target,
            "history": target_history(target=target),
        },
    )


@right_required(Right.CHANGE_TARGETS)
@require_http_methods(["GET", "POST"])
def target_create(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    programme = _programme()
    periods = [period.code for period in programme_periods(programme)]
    form = TargetCreateForm(request.POST or None, programme=programme, periods=periods)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            target_set(
                indicator=data["indicator"],
                country=data["country"],
                period_code=data["period_code"] or "",
                value=data["value"],
                reason=data["reason"],
                changed_by=user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Target of %(indicator)s set.") % {"indicator": data["indicator"].code})
            return redirect("target_overview")
    return render(request, "frameworks/target_form.html", {"form": form, "target": None, "history": []})
