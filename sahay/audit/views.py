"""The audit page, and the page every refusal (403) shows after it is written to the trail."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_http_methods

from sahay.accounts.decorators import right_required
from sahay.accounts.models import User
from sahay.accounts.rights import Right
from sahay.audit.forms import AuditFilterForm
from sahay.audit.models import AuditAction
from sahay.audit.selectors import audit_entry_list
from sahay.audit.services import audit_record
from sahay.core.pages import AuthenticatedRequest, paginate

# The filters travel by POST and stay in the session, so a child's code never appears in a URL, a browser's
# history or a server log (goal 25); the page's own links carry only the page number.
FILTERS_KEY = "audit:filters"


@right_required(Right.VIEW_AUDIT)
@require_http_methods(["GET", "POST"])
def audit_log(request: AuthenticatedRequest) -> HttpResponse:
    if request.method == "POST":
        posted = AuditFilterForm(request.POST)
        request.session[FILTERS_KEY] = {name: request.POST.get(name, "").strip() for name in posted.fields}
        return redirect("audit_log")
    if "clear" in request.GET:
        request.session.pop(FILTERS_KEY, None)
        return redirect("audit_log")
    kept = request.session.get(FILTERS_KEY) or None
    form = AuditFilterForm(kept)
    entries = audit_entry_list(user=request.user, filters=form.filters() if form.is_bound else None)
    return render(
        request,
        "audit/audit_log.html",
        {"form": form, "page": paginate(request, entries), "filtered": form.is_bound and form.has_changed()},
    )


def record_denial(request: HttpRequest, *, why: str) -> None:
    actor = request.user if isinstance(request.user, User) and request.user.is_authenticated else None
    with transaction.atomic():
        audit_record(
            action=AuditAction.ACCESS_DENIED,
            actor=actor,
            request=request,
            target_kind="page",
            detail={"path": request.path[:500], "method": request.method or "", "why": why},
        )


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler403: every refusal is written to the audit trail (who, from where, which page, when)."""
    record_denial(request, why="permission")
    return HttpResponseForbidden(loader.render_to_string("403.html", request=request))


@requires_csrf_token
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a refused form post is a 403 too, and is audited like any other."""
    record_denial(request, why="csrf")
    return HttpResponseForbidden(loader.render_to_string("403.html", request=request))
