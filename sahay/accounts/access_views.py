"""The page where a second person (a case supervisor, or another administrator) answers requests for access
to identities (goal 26), and the account's own view of what waits."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from sahay.accounts.access import access_decide, confirmations_to_decide
from sahay.accounts.decorators import right_required
from sahay.accounts.rights import Right
from sahay.core.pages import AuthenticatedRequest

DECISIONS = {"confirm": True, "refuse": False}


@right_required(Right.SUPERVISE_CASES, Right.MANAGE_USERS)
@require_GET
@never_cache
def access_confirmation_list(request: AuthenticatedRequest) -> HttpResponse:
    """The requests waiting for this user's answer: who, which role and rights, where, asked by whom."""
    pending = confirmations_to_decide(user=request.user)
    return render(request, "accounts/access_confirmations.html", {"confirmations": pending})


@right_required(Right.SUPERVISE_CASES, Right.MANAGE_USERS)
@require_POST
def access_confirmation_decide(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    decision = request.POST.get("decision", "")
    if decision not in DECISIONS:
        messages.error(request, _("Choose to confirm or to refuse."))
        return redirect("access_confirmations")
    # Not this user's to answer (their own request, another organisation's, answered already): refused and audited.
    confirmation = access_decide(
        confirmation_id=pk, decided_by=request.user, confirm=DECISIONS[decision], request=request
    )
    if DECISIONS[decision]:
        message = _("%(username)s now has the rights you confirmed. Their API tokens were ended.")
    else:
        message = _("You refused. %(username)s keeps working without access to identities.")
    messages.success(request, message % {"username": confirmation.user.username})
    return redirect("access_confirmations")
