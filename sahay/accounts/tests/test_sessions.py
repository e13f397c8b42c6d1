"""Sessions (figure 13): idle and absolute limits, and ending sessions at once so an old cookie reaches nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from importlib import import_module

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import TEST_PASSWORD, RoleUsers
from sahay.accounts import sessions
from sahay.accounts.models import Role, User, UserSession
from sahay.accounts.services import user_set_active, user_update
from sahay.audit.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db
ClientFor = Callable[[User], Client]
# A page every role may see, so only the session decides whether it answers.
PAGE = "indicator_reference"


def session_key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def with_cookie(key: str) -> Client:
    """Another browser holding a copy of an old session cookie."""
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    return client


def sent_to_sign_in(client: Client) -> bool:
    response = client.get(reverse(PAGE))
    return response.status_code == 302 and response["Location"].startswith(reverse("login") + "?next=")


def session_exists(key: str) -> bool:
    return bool(import_module(settings.SESSION_ENGINE).SessionStore().exists(key))


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[timedelta], None]:
    """Move the sessions' clock forward (never backward) from now."""
    start = timezone.now()
    offset = [timedelta(0)]
    monkeypatch.setattr(sessions, "now", lambda: start + offset[0])

    def move(by: timedelta) -> None:
        offset[0] += by

    return move


@pytest.fixture
def browsing(role_users: RoleUsers, client_for: ClientFor) -> Client:
    """The M&E officer, signed in, after a first page."""
    client = client_for(role_users.me_officer)
    assert client.get(reverse(PAGE), HTTP_USER_AGENT="Firefox " + "x" * 500).status_code == 200
    return client


def test_the_first_request_puts_the_session_on_record(browsing: Client, role_users: RoleUsers) -> None:
    row = UserSession.objects.get()
    assert row.user == role_users.me_officer
    assert row.session_key == session_key(browsing)
    assert row.ip == "127.0.0.1"
    assert row.user_agent.startswith("Firefox x") and len(row.user_agent) == 300


def test_idle_for_fifteen_minutes_signs_out_with_the_reason(browsing: Client, clock) -> None:
    key = session_key(browsing)
    clock(timedelta(minutes=14))
    assert browsing.get(reverse(PAGE)).status_code == 200
    clock(timedelta(minutes=14, seconds=50))  # activity 14 minutes ago refreshed it
    assert browsing.get(reverse(PAGE)).status_code == 200
    clock(timedelta(minutes=15, seconds=1))
    response = browsing.get(reverse(PAGE), follow=True)
    assert response.redirect_chain[0] == (f"{reverse('login')}?next={reverse(PAGE)}", 302)
    assert "You were signed out after 15 minutes without activity." in response.content.decode()
    assert not session_exists(key)
    assert not UserSession.objects.exists()
    assert sent_to_sign_in(with_cookie(key))


def test_idle_timeout_by_the_stored_timestamp(browsing: Client) -> None:
    session = browsing.session
    session[sessions.LAST_ACTIVITY_KEY] = (timezone.now() - timedelta(minutes=16)).timestamp()
    session.save()
    assert sent_to_sign_in(browsing)


def test_eight_hours_in_all_signs_out_however_active(browsing: Client) -> None:
    row = UserSession.objects.get()
    row.created_at = timezone.now() - timedelta(hours=7, minutes=59)
    row.save()
    assert browsing.get(reverse(PAGE)).status_code == 200
    row.created_at = timezone.now() - timedelta(hours=8, minutes=1)
    row.save()
    response = browsing.get(reverse(PAGE), follow=True)
    assert "You were signed out after 8 hours: sign in again." in response.content.decode()
    assert sent_to_sign_in(browsing)


def test_the_api_answers_401_instead_of_a_redirect(browsing: Client, clock) -> None:
    clock(timedelta(minutes=16))
    response = browsing.get("/api/cases/")
    assert response.status_code == 401
    assert response.json() == {"detail": "You were signed out after 15 minutes without activity."}


def test_keep_alive_refreshes_the_activity_and_takes_only_post(browsing: Client, clock) -> None:
    assert browsing.get(reverse("session_keepalive")).status_code == 405
    clock(timedelta(minutes=10))
    assert browsing.post(reverse("session_keepalive")).status_code == 204
    clock(timedelta(minutes=10))  # 20 minutes since the page, 10 since the keep-alive
    assert browsing.get(reverse(PAGE)).status_code == 200
    clock(timedelta(minutes=16))
    assert browsing.post(reverse("session_keepalive")).status_code == 401


def test_last_seen_is_written_at_most_once_a_minute(browsing: Client, clock) -> None:
    first = UserSession.objects.get().last_seen_at
    clock(timedelta(seconds=30))
    browsing.get(reverse(PAGE))
    assert UserSession.objects.get().last_seen_at == first
    clock(timedelta(seconds=40))
    browsing.get(reverse(PAGE))
    assert UserSession.objects.get().last_seen_at > first


def test_sign_in_gives_a_new_session_key(role_users: RoleUsers) -> None:
    client = Client()
    before = client.session
    before["language_chosen"] = True
    before.save()
    old_key = before.session_key
    assert old_key is not None
    client.cookies[settings.SESSION_COOKIE_NAME] = old_key
    response = client.post(reverse("login"), {"username": "me", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert session_key(client) != old_key
    assert not session_exists(old_key)
    assert UserSession.objects.filter(session_key=session_key(client), user=role_users.me_officer).exists()


def test_sign_out_ends_the_session_and_its_record(browsing: Client) -> None:
    key = session_key(browsing)
    assert browsing.post(reverse("logout")).status_code == 302
    assert not UserSession.objects.exists()
    assert not session_exists(key)
    assert sent_to_sign_in(with_cookie(key))


def test_a_password_change_ends_every_session(browsing: Client, role_users: RoleUsers) -> None:
    key = session_key(browsing)
    user = role_users.me_officer
    user.set_password("another long passphrase")
    user.save()
    assert sent_to_sign_in(with_cookie(key))
    assert not UserSession.objects.exists()
    assert not session_exists(key)


def test_deactivation_ends_every_session_at_once(browsing: Client, role_users: RoleUsers, client_for) -> None:
    other = client_for(role_users.me_officer)
    other.get(reverse(PAGE))
    keys = [session_key(browsing), session_key(other)]
    user_set_active(actor=role_users.system_administrator, user=role_users.me_officer, active=False)
    assert not UserSession.objects.exists()
    assert not any(session_exists(key) for key in keys)
    assert all(sent_to_sign_in(with_cookie(key)) for key in keys)


def _update(actor: User, user: User, **changes: object) -> User:
    fields: dict[str, object] = {
        "role": user.role,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "country": user.country,
        "organisation": user.organisation,
    }
    fields.update(changes)
    return user_update(actor=actor, user=user, **fields)


def test_a_role_change_ends_every_session_at_once(browsing: Client, role_users: RoleUsers) -> None:
    key = session_key(browsing)
    _update(role_users.system_administrator, role_users.me_officer, role=Role.objects.get(code="programme_manager"))
    assert not session_exists(key)
    assert sent_to_sign_in(browsing)


def test_a_change_of_name_keeps_the_sessions(browsing: Client, role_users: RoleUsers) -> None:
    _update(role_users.system_administrator, role_users.me_officer, first_name="Mira")
    assert browsing.get(reverse(PAGE)).status_code == 200
    assert UserSession.objects.count() == 1


def test_a_user_sees_their_own_sessions_and_ends_one(
    browsing: Client, role_users: RoleUsers, client_for: ClientFor
) -> None:
    laptop = client_for(role_users.me_officer)
    laptop.get(reverse(PAGE))
    client_for(role_users.donor_viewer).get(reverse(PAGE))
    page = browsing.get(reverse("session_list"))
    assert page.status_code == 200
    assert list(page.context["sessions"]) == list(UserSession.objects.filter(user=role_users.me_officer))
    assert len(page.context["sessions"]) == 2
    assert "this browser" in page.content.decode()

    laptop_session = UserSession.objects.get(session_key=session_key(laptop))
    response = browsing.post(reverse("session_end", args=[laptop_session.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("session_list")
    assert sent_to_sign_in(laptop)
    assert browsing.get(reverse(PAGE)).status_code == 200
    assert browsing.get(reverse("session_end", args=[laptop_session.pk])).status_code == 405


def test_ending_the_session_in_use_signs_out(browsing: Client) -> None:
    own = UserSession.objects.get()
    assert browsing.post(reverse("session_end", args=[own.pk]))["Location"] == reverse("login")
    assert sent_to_sign_in(browsing)


def test_another_users_session_is_as_missing_as_none(
    browsing: Client, role_users: RoleUsers, client_for: ClientFor
) -> None:
    donor = client_for(role_users.donor_viewer)
    donor.get(reverse(PAGE))
    donor_session = UserSession.objects.get(user=role_users.donor_viewer)
    assert browsing.post(reverse("session_end", args=[donor_session.pk])).status_code == 404
    assert donor.get(reverse(PAGE)).status_code == 200


def test_an_administrator_ends_all_sessions_of_a_user(
    browsing: Client, role_users: RoleUsers, client_for: ClientFor
) -> None:
    admin = client_for(role_users.system_administrator)
    user = role_users.me_officer
    edit_page = admin.get(reverse("user_edit", args=[user.pk])).content.decode()
    assert reverse("user_sessions_end", args=[user.pk]) in edit_page
    response = admin.post(reverse("user_sessions_end", args=[user.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("user_edit", args=[user.pk])
    assert sent_to_sign_in(browsing)
    entry = AuditEntry.objects.get(action=AuditAction.USER_CHANGED)
    assert (entry.actor, entry.target_id, entry.detail) == (
        role_users.system_administrator,
        str(user.pk),
        {"sessions": "ended"},
    )
    assert admin.get(reverse(PAGE)).status_code == 200


@pytest.mark.parametrize("role", ["programme_manager", "me_officer", "donor_viewer"])
def test_only_administrators_end_a_users_sessions(
    role: str, browsing: Client, role_users: RoleUsers, client_for: ClientFor
) -> None:
    other = role_users.partner_staff
    response = client_for(getattr(role_users, role)).post(reverse("user_sessions_end", args=[other.pk]))
    assert response.status_code == 403
    assert browsing.get(reverse(PAGE)).status_code == 200


def test_pages_carry_the_idle_limit_for_the_warning(browsing: Client, settings) -> None:
    settings.SAHAY_SESSION_IDLE_MINUTES = 0.5
    content = browsing.get(reverse(PAGE)).content.decode()
    assert 'data-session-idle-seconds="30"' in content
    assert 'data-session-warning-seconds="15"' in content
    assert 'role="alertdialog"' in content
    assert "sahay/session.js" in content
    assert "data-session-idle-seconds" not in Client().get(reverse("login")).content.decode()


def test_sessions_end_spares_the_one_named(browsing: Client, role_users: RoleUsers, client_for: ClientFor) -> None:
    other = client_for(role_users.me_officer)
    other.get(reverse(PAGE))
    assert sessions.sessions_end(role_users.me_officer, except_key=session_key(browsing)) == 1
    assert browsing.get(reverse(PAGE)).status_code == 200
    assert sent_to_sign_in(other)
