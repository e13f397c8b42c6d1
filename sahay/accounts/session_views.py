"""Pages for signed-in sessions: your own (see and end them), a user's (an administrator ends all), keep-alive."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sahay.accounts.decorators import right_required
from sahay.accounts.models import User, UserSession
from sahay.accounts.rights import Right
from sahay.accounts.sessions import session_end, session_list, user_sessions_end
from sahay.core.pages import AuthenticatedRequest


@require_GET
def session_list_view(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "accounts/sessions.html",
        {"sessions": session_list(user=request.user), "current_key": request.session.session_key},
    )


@require_POST
def session_end_view(request: AuthenticatedRequest, session_id: int) -> HttpResponse:
    """End one of your own sessions; ending the one you are using signs you out."""
    try:
        ended = session_end(user=request.user, session_id=session_id)
    except UserSession.DoesNotExist as missing:
        raise Http404 from missing
    if ended.session_key == request.session.session_key:
        logout(request)
        return redirect("login")
    messages.success(request, _("The session is ended: that browser is signed out."))
    return redirect("session_list")


@require_POST
def session_keepalive(request: AuthenticatedRequest) -> HttpResponse:
    """Nothing to do: reaching here signed in is the activity (SessionLifetimeMiddleware noted it)."""
    return HttpResponse(status=204)


@right_required(Right.MANAGE_USERS)
@require_POST
def user_sessions_end_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    try:
        ended = user_sessions_end(actor=request.user, user=user, request=request)
    except PermissionDenied as denial:
        messages.error(request, str(denial))
    else:
        messages.success(
            request,
            _("%(username)s is signed out everywhere (%(count)s sessions ended).")
            % {"username": user.username, "count": ended},
        )
    return redirect("user_edit", pk=user.pk)
