"""Signed-in sessions: how long they last, and ending them at once (sign-out, password, role, deactivation).

`sessions_end(user)` is the one call for every service that changes what a user may do or how they
prove who they are (password set or reset, role or scope change, deactivation): call it inside the
service's transaction. It deletes each Django session from the session store as well as its row, so
an old cookie reaches nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from sahay.accounts.models import User, UserSession
from sahay.accounts.rights import Right
from sahay.accounts.user_audit import audit_user
from sahay.audit.models import AuditAction
from sahay.audit.services import client_ip

# Kept in the Django session: the session key its UserSession row was made for, and the last activity.
TRACKED_KEY = "_sahay_tracked_session"
LAST_ACTIVITY_KEY = "_sahay_last_activity"
# last_seen_at is for people to read, so it need not be written on every request.
LAST_SEEN_WRITE_INTERVAL = timedelta(minutes=1)
USER_AGENT_LENGTH = UserSession._meta.get_field("user_agent").max_length or 300


def now() -> datetime:
    """The clock sessions are timed by (tests move it)."""
    return timezone.now()


def idle_limit() -> timedelta:
    minutes: float = settings.SAHAY_SESSION_IDLE_MINUTES
    return timedelta(minutes=minutes)


def absolute_limit() -> timedelta:
    hours: float = settings.SAHAY_SESSION_MAX_HOURS
    return timedelta(hours=hours)


def warning_lead() -> timedelta:
    """How long before the idle limit the page warns; never more than half the limit."""
    seconds: float = settings.SAHAY_SESSION_WARNING_SECONDS
    return min(timedelta(seconds=seconds), idle_limit() / 2)


def _session_store(session_key: str) -> SessionBase:
    engine = import_module(settings.SESSION_ENGINE)
    store: SessionBase = engine.SessionStore(session_key=session_key)
    return store


def session_track(*, request: HttpRequest, user: User) -> UserSession:
    """Write down the request's session as one of the user's signed-in browsers."""
    session = request.session
    if session.session_key is None:
        session.save()
    key = session.session_key
    assert key is not None  # noqa: S101 - save() always gives a key
    at = now()
    user_agent = request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_LENGTH]
    row, _created = UserSession.objects.update_or_create(
        session_key=key,
        defaults={
            "user": user,
            "created_at": at,
            "last_seen_at": at,
            "ip": client_ip(request),
            "user_agent": user_agent,
        },
    )
    session[TRACKED_KEY] = key
    session[LAST_ACTIVITY_KEY] = at.timestamp()
    return row


def _end(rows: QuerySet[UserSession]) -> int:
    keys = list(rows.values_list("session_key", flat=True))
    for key in keys:
        _session_store(key).delete()
    UserSession.objects.filter(session_key__in=keys).delete()
    return len(keys)


def sessions_end(user: User, except_key: str | None = None) -> int:
    """End every signed-in session of the user at once (but the one named), returning how many ended."""
    rows = UserSession.objects.filter(user=user)
    if except_key:
        rows = rows.exclude(session_key=except_key)
    with transaction.atomic():
        return _end(rows)


def session_end(*, user: User, session_id: int) -> UserSession:
    """End one of the user's own sessions; another user's session is as missing as one that never was."""
    row = UserSession.objects.get(user=user, pk=session_id)
    with transaction.atomic():
        _end(UserSession.objects.filter(pk=row.pk))
    return row


def user_sessions_end(*, actor: User, user: User, request: HttpRequest | None = None) -> int:
    """An administrator ends all sessions of a user (their own, but the one they are using), audited."""
    if not actor.has_perm(Right.MANAGE_USERS.permission):
        raise PermissionDenied
    except_key = request.session.session_key if request is not None and actor.pk == user.pk else None
    with transaction.atomic():
        ended = sessions_end(user, except_key=except_key)
        audit_user(AuditAction.USER_CHANGED, user, actor=actor, request=request, detail={"sessions": "ended"})
    return ended


def session_list(*, user: User) -> QuerySet[UserSession]:
    """The user's own signed-in sessions, the most recently used first."""
    return UserSession.objects.filter(user=user).order_by("-last_seen_at", "-pk")


def session_timing(request: HttpRequest) -> dict[str, object]:
    """Context processor: the idle limit and warning lead the page's session script times itself by."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "session_idle_seconds": int(idle_limit().total_seconds()),
        "session_warning_seconds": int(warning_lead().total_seconds()),
    }
