"""Keeps each signed-in session on record and ends it after too long idle or too long altogether (figure 13).

Placed right after AuthenticationMiddleware, before LoginRequiredMiddleware and MessageMiddleware: a
session it ends is flushed here and answered at once (a redirect to sign-in with the reason, or 401
for the API), so no view ever sees it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.contrib.messages.storage import default_storage
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sahay.accounts import sessions
from sahay.accounts.models import User, UserSession

API_PREFIX = "/api/"


class SessionLifetimeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Read before the user is loaded: a session Django flushes on a changed password loses this.
        stored = request.session.get(sessions.TRACKED_KEY)
        tracked = stored if isinstance(stored, str) else None
        user = request.user
        if isinstance(user, User) and user.is_authenticated:
            refusal = self._check(request, user, tracked)
            if refusal is not None:
                return refusal
        elif tracked:
            # Signed in once, but the user no longer is (deactivated, password changed): nothing to keep.
            request.session.flush()
        response = self.get_response(request)
        self._after(request, tracked)
        return response

    def _check(self, request: HttpRequest, user: User, tracked: str | None) -> HttpResponse | None:
        session = request.session
        if tracked is None or tracked != session.session_key:
            # A new session (or one given a new key at sign-in): from now on it is on record.
            sessions.session_track(request=request, user=user)
            return None
        row = (
            UserSession.objects.filter(session_key=tracked, user=user).values_list("created_at", "last_seen_at").first()
        )
        if row is None:
            return self._refuse(request, _("Your session was ended. Sign in again."))
        created_at, last_seen_at = row
        at = sessions.now()
        if at - created_at > sessions.absolute_limit():
            hours = round(sessions.absolute_limit() / timedelta(hours=1))
            message = ngettext(
                "You were signed out after %(hours)s hour: sign in again.",
                "You were signed out after %(hours)s hours: sign in again.",
                hours,
            ) % {"hours": hours}
            return self._refuse(request, message)
        last_activity = float(session.get(sessions.LAST_ACTIVITY_KEY, created_at.timestamp()))
        if at.timestamp() - last_activity > sessions.idle_limit().total_seconds():
            minutes = round(sessions.idle_limit() / timedelta(minutes=1))
            message = ngettext(
                "You were signed out after %(minutes)s minute without activity.",
                "You were signed out after %(minutes)s minutes without activity.",
                minutes,
            ) % {"minutes": minutes}
            return self._refuse(request, message)
        session[sessions.LAST_ACTIVITY_KEY] = at.timestamp()
        self._note_seen(tracked, last_seen_at, at)
        return None

    @staticmethod
    def _note_seen(session_key: str, last_seen_at: datetime, at: datetime) -> None:
        if at - last_seen_at >= sessions.LAST_SEEN_WRITE_INTERVAL:
            UserSession.objects.filter(session_key=session_key).update(last_seen_at=at)

    @staticmethod
    def _refuse(request: HttpRequest, message: str) -> HttpResponse:
        """End the session here and now, and tell the user why on the sign-in page (or the API client)."""
        key = request.session.session_key
        request.session.flush()
        if key:
            UserSession.objects.filter(session_key=key).delete()
        if request.path.startswith(API_PREFIX) or request.path == reverse("session_keepalive"):
            return JsonResponse({"detail": message}, status=401)
        if request.path == reverse("login"):
            response: HttpResponse = HttpResponseRedirect(reverse("login"))
        else:
            response = redirect_to_login(request.get_full_path())
        storage = default_storage(request)
        storage.add(messages.INFO, message)
        storage.update(response)
        return response

    @staticmethod
    def _after(request: HttpRequest, tracked: str | None) -> None:
        key = request.session.session_key
        if tracked is not None and tracked != key:
            # Signed out or given a new key: the old key is gone from the session store, so its row goes too.
            UserSession.objects.filter(session_key=tracked).delete()
        user = getattr(request, "user", None)
        if isinstance(user, User) and user.is_authenticated and request.session.get(sessions.TRACKED_KEY) != key:
            # Just signed in: on record from the first response, not only from the next request.
            sessions.session_track(request=request, user=user)
