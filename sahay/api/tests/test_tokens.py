"""Personal API tokens: only a hash is stored; expired, revoked, read-only and out-of-scope tokens are refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from sahay.api.models import ApiToken
from sahay.api.tests.conftest import client_with_token
from sahay.api.tokens import token_create, token_revoke
from sahay.audit.models import AuditAction, AuditEntry

FRAMEWORK = "/api/framework/"


def make_token(user, **overrides):
    arguments = {
        "owner": user,
        "name": "sync",
        "access": ApiToken.Access.READ,
        "expires_on": timezone.localdate() + timedelta(days=10),
    }
    return token_create(**(arguments | overrides))


def test_a_token_is_stored_only_as_its_hash(programme, role_users) -> None:
    new = make_token(role_users.me_officer)
    stored = ApiToken.objects.get(pk=new.token.pk)
    row = ApiToken.objects.filter(pk=stored.pk).values().get()
    assert not any(new.secret in str(value) for value in row.values())
    assert stored.digest != new.secret and len(stored.digest) == 64
    assert client_with_token(new.secret).get(FRAMEWORK).status_code == 200


def test_no_token_or_a_wrong_one_gets_401(programme, role_users) -> None:
    assert client_with_token("").get(FRAMEWORK).status_code == 401
    new = make_token(role_users.me_officer)
    response = client_with_token(new.secret[:-1] + ("A" if new.secret[-1] != "A" else "B")).get(FRAMEWORK)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_expired_token_is_refused(programme, role_users) -> None:
    new = make_token(role_users.me_officer)
    ApiToken.objects.filter(pk=new.token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client_with_token(new.secret).get(FRAMEWORK).status_code == 401


def test_a_revoked_token_is_refused_and_the_revocation_audited(programme, role_users) -> None:
    new = make_token(role_users.me_officer)
    token_revoke(token=new.token, revoked_by=role_users.system_administrator)
    assert client_with_token(new.secret).get(FRAMEWORK).status_code == 401
    assert AuditEntry.objects.filter(action=AuditAction.API_TOKEN_REVOKED, target_id=str(new.token.pk)).exists()


def test_a_deactivated_owners_token_is_refused(programme, role_users) -> None:
    new = make_token(role_users.me_officer)
    role_users.me_officer.is_active = False
    role_users.me_officer.save()
    assert client_with_token(new.secret).get(FRAMEWORK).status_code == 401


def test_only_the_owner_or_an_administrator_revokes(programme, role_users) -> None:
    new = make_token(role_users.me_officer)
    with pytest.raises(PermissionDenied):
        token_revoke(token=new.token, revoked_by=role_users.programme_manager)
    assert ApiToken.objects.get(pk=new.token.pk).revoked_at is None


def test_a_token_is_never_wider_than_its_owner(programme, organisations, role_users) -> None:
    from sahay.core.models import Country

    coordinator = role_users.country_coordinator  # Nepal
    with pytest.raises(ValidationError) as refused:
        make_token(coordinator, countries=[Country.objects.get(code="TH")])
    assert "countries" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        make_token(role_users.donor_viewer, access=ApiToken.Access.READ_WRITE)
    assert "access" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        make_token(coordinator, expires_on=timezone.localdate() + timedelta(days=400))
    assert "expires_on" in refused.value.message_dict


def test_a_read_only_token_may_not_write(programme, organisations, role_users) -> None:
    new = make_token(role_users.partner_staff)
    response = client_with_token(new.secret).post(
        "/api/people/", {"organisation": organisations.partners["TH"].pk, "code": "P-1"}, format="json"
    )
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]


def test_the_token_page_shows_a_new_secret_once(programme, role_users, client_for) -> None:
    client = client_for(role_users.me_officer)
    expires = (timezone.localdate() + timedelta(days=30)).isoformat()
    response = client.post(reverse("api_tokens"), {"name": "BI tool", "access": "read", "expires_on": expires})
    assert response.status_code == 200
    token = ApiToken.objects.get(owner=role_users.me_officer, name="BI tool")
    shown = response.content.decode()
    start = shown.index('id="new-token">') + len('id="new-token">')
    secret = shown[start : shown.index("<", start)]
    assert secret.startswith(token.prefix)
    assert client_with_token(secret).get(FRAMEWORK).status_code == 200
    again = client.get(reverse("api_tokens")).content.decode()
    assert secret not in again and token.prefix in again


def test_the_token_page_keeps_what_was_typed_on_an_error(programme, role_users, client_for) -> None:
    client = client_for(role_users.me_officer)
    response = client.post(reverse("api_tokens"), {"name": "BI tool", "access": "read", "expires_on": "2001-01-01"})
    assert b"must lie in the future" in response.content
    assert b'value="BI tool"' in response.content
    assert not ApiToken.objects.exists()


def test_revoking_on_the_page_needs_the_confirmation(programme, role_users, client_for) -> None:
    new = make_token(role_users.me_officer)
    client = client_for(role_users.me_officer)
    client.post(reverse("api_token_revoke", args=[new.token.pk]))
    assert ApiToken.objects.get(pk=new.token.pk).revoked_at is None
    client.post(reverse("api_token_revoke", args=[new.token.pk]), {"confirm": "yes"})
    assert ApiToken.objects.get(pk=new.token.pk).revoked_at is not None


def test_nobody_revokes_anothers_token_on_the_page(programme, role_users, client_for) -> None:
    new = make_token(role_users.me_officer)
    response = client_for(role_users.programme_manager).post(
        reverse("api_token_revoke", args=[new.token.pk]), {"confirm": "yes"}
    )
    assert response.status_code == 404
    assert ApiToken.objects.get(pk=new.token.pk).revoked_at is None


def test_the_token_form_offers_an_expiry_a_browser_shows_in_dutch_too(programme, role_users, client_for) -> None:
    """A date field's value must be ISO (yyyy-mm-dd) whatever the language, or the browser shows it empty."""
    client = client_for(role_users.me_officer)
    expected = (timezone.localdate() + timedelta(days=90)).isoformat()
    for language in ("en", "nl"):
        page = client.get(reverse("api_tokens"), headers={"accept-language": language}).content.decode()
        assert f'value="{expected}"' in page, language


def test_a_new_password_ends_the_owners_tokens_and_the_owner_is_told(programme, role_users, client_for) -> None:
    from sahay.accounts.services import password_set

    owner = role_users.me_officer
    new = make_token(owner)
    password_set(user=owner, password="violet kettle marches north", actor=None)
    assert client_with_token(new.secret).get(FRAMEWORK).status_code == 401
    token = ApiToken.objects.get(pk=new.token.pk)
    assert token.revoked_at is not None
    # The owner sees it in Sahay: the token page says the token ended, and why.
    page = client_for(owner).get(reverse("api_tokens")).content.decode()
    assert "your password changed" in page
    # ... and, once, on the first page after signing in again.
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from sahay.accounts.second_factor import device_code

    signing_in = Client()
    signing_in.post(reverse("login"), {"username": owner.username, "password": "violet kettle marches north"})
    device = TOTPDevice.objects.get(user=owner, confirmed=True)
    first = signing_in.post(reverse("second_factor"), {"code": device_code(device)}, follow=True).content.decode()
    assert "Your API token sync was revoked because your password changed" in first
    assert "was revoked" not in signing_in.get(reverse("api_tokens")).content.decode().split("<main")[1][:400]


def test_a_role_change_ends_the_owners_tokens(programme, role_users, client_for) -> None:
    from sahay.accounts.models import Role
    from sahay.accounts.services import user_update

    owner = role_users.me_officer
    new = make_token(owner)
    user_update(
        actor=role_users.system_administrator,
        user=owner,
        role=Role.objects.get(code="programme_manager"),
        first_name="",
        last_name="",
        email="",
        country=None,
        organisation=None,
    )
    assert client_with_token(new.secret).get(FRAMEWORK).status_code == 401
    page = client_for(owner).get(reverse("api_tokens")).content.decode()
    assert "your role or scope changed" in page


def test_deactivation_ends_the_owners_tokens_for_good(programme, role_users) -> None:
    from sahay.accounts.services import user_set_active

    owner = role_users.me_officer
    new = make_token(owner)
    user_set_active(actor=role_users.system_administrator, user=owner, active=False)
    user_set_active(actor=role_users.system_administrator, user=owner, active=True)
    assert client_with_token(new.secret).get(FRAMEWORK).status_code == 401
