"""What every case page shares: fetching a case through the policy, and a form page around one service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from sahay.cases.errors import StaleCaseError
from sahay.cases.models import Case
from sahay.cases.policy import CaseAccess, CaseAction
from sahay.cases.selectors import case_get
from sahay.core.pages import AuthenticatedRequest, add_service_errors

ViewFunction = Callable[..., HttpResponse]


def case_page(methods: tuple[str, ...] = ("GET", "POST")) -> Callable[[ViewFunction], ViewFunction]:
    """Every case page: the methods it takes, and never stored by a browser or proxy (identities)."""

    def decorate(view: ViewFunction) -> ViewFunction:
        return never_cache(require_http_methods(list(methods))(view))

    return decorate


def fetch(request: AuthenticatedRequest, public_id: str, action: CaseAction) -> tuple[Case, CaseAccess]:
    """The case and the user's access to it: 404 when they may not see it at all (as for a case that
    does not exist), 403 when they see it but may not take this action."""
    case = case_get(user=request.user, public_id=public_id)
    if case is None:
        raise Http404
    access = CaseAccess.of(request.user, case)
    if not access.may(action):
        raise PermissionDenied
    return case, access


def case_url(case: Case, anchor: str = "") -> str:
    return reverse("case_detail", args=[case.public_id]) + (f"#{anchor}" if anchor else "")


def case_form_page(
    request: AuthenticatedRequest,
    *,
    case: Case,
    access: CaseAccess,
    form: forms.Form,
    save: Callable[[dict[str, Any]], object],
    title: str,
    success: str,
    anchor: str = "",
    done_url: str = "",
    template: str = "cases/case_form.html",
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """Show the form; on a valid POST save through the service and go back to the case. Service errors
    and a stale version show on the form with what the user typed (409 for the stale version)."""
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        except StaleCaseError:
            form.add_error(None, str(StaleCaseError.message))
            status = 409
        else:
            messages.success(request, success)
            return redirect(done_url or case_url(case, anchor))
    return render(
        request,
        template,
        {"case": case, "access": access, "form": form, "title": title, **(context or {})},
        status=status,
    )
