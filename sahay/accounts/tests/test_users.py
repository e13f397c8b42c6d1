"""Administrators manage users; nobody changes their own role, scope or organisation."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from sahay.accounts.models import Role, User
from sahay.accounts.services import password_set, user_create, user_set_active, user_update
from sahay.core.models import Country

pytestmark = pytest.mark.django_db
TEST_PASSWORD = "correct horse battery staple"  # as in conftest.py
LONG_PASSWORD = "a long enough passphrase 2026"


def test_an_administrator_creates_a_country_coordinator_through_the_page(role_users, client_for) -> None:
    client = client_for(role_users.system_administrator)
    response = client.post(
        reverse("user_create"),
        {
            "username": "coordinator-kh",
            "first_name": "Sokha",
            "role": Role.objects.get(code="country_coordinator").pk,
            "country": Country.objects.get(code="KH").pk,
            "email": "sokha@example.org",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="coordinator-kh")
    assert (user.role.code, user.country.code, user.organisation) == ("country_coordinator", "KH", None)
    # Invited, not given a password: tests/test_identity_access.py follows the invitation.
    assert not user.has_usable_password()
    assert [message.to for message in mail.outbox] == [["sokha@example.org"]]


@pytest.mark.argon2
def test_passwords_are_hashed_with_argon2(role_users) -> None:
    user = user_create(
        actor=role_users.system_administrator,
        username="new-manager",
        email="new-manager@example.org",
        role=Role.objects.get(code="programme_manager"),
    )
    password_set(user=user, password=LONG_PASSWORD, by="invitation")
    assert user.password.startswith("argon2$")


def test_a_role_needs_the_scope_it_names_and_the_form_keeps_the_input(role_users, client_for) -> None:
    client = client_for(role_users.system_administrator)
    response = client.post(
        reverse("user_create"),
        {
            "username": "partner-without-organisation",
            "role": Role.objects.get(code="partner_staff").pk,
            "email": "partner@example.org",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "works for one organisation" in page
    assert 'value="partner-without-organisation"' in page
    assert not User.objects.filter(username="partner-without-organisation").exists()


def test_a_short_password_is_refused(role_users) -> None:
    with pytest.raises(ValidationError) as error:
        password_set(user=role_users.donor_viewer, password="short-pw")
    assert "too short" in " ".join(error.value.messages)


def test_a_new_account_needs_the_address_its_invitation_goes_to(role_users) -> None:
    with pytest.raises(ValidationError) as error:
        user_create(
            actor=role_users.system_administrator,
            username="nowhere",
            email="",
            role=Role.objects.get(code="donor_viewer"),
        )
    assert "invitation" in " ".join(error.value.message_dict["email"])
    assert not User.objects.filter(username="nowhere").exists()


def test_an_organisation_scope_takes_its_country_from_the_organisation(role_users, organisations) -> None:
    user = user_create(
        actor=role_users.system_administrator,
        username="partner-ph",
        email="partner-ph@example.org",
        role=Role.objects.get(code="partner_staff"),
        organisation=organisations.partners["PH"],
        country=Country.objects.get(code="NP"),
    )
    assert user.country.code == "PH"


EVERY_ROLE = [
    "programme_manager",
    "me_officer",
    "country_coordinator",
    "partner_staff",
    "donor_viewer",
    "system_administrator",
    "case_worker",
    "case_supervisor",
]


def test_the_self_escalation_test_covers_every_role(db) -> None:
    assert set(EVERY_ROLE) == set(Role.objects.values_list("code", flat=True))


@pytest.mark.parametrize("role", EVERY_ROLE)
def test_nobody_changes_their_own_role_or_scope(role, make_user, organisations, client_for) -> None:
    scope_kind = Role.objects.get(code=role).scope_kind
    user = make_user(
        role,
        organisation=organisations.partners["TH"] if scope_kind == "organisation" else None,
        country="NP" if scope_kind == "country" else None,
    )
    before = (user.role_id, user.country_id, user.organisation_id, user.is_active)
    manager_role = Role.objects.get(code="programme_manager" if role != "programme_manager" else "me_officer")
    client = client_for(user)
    client.post(
        reverse("user_edit", kwargs={"pk": user.pk}),
        {"role": manager_role.pk, "username": user.username, "organisation": organisations.partners["NP"].pk},
    )
    client.post(reverse("user_activation", kwargs={"pk": user.pk}))
    user.refresh_from_db()
    assert (user.role_id, user.country_id, user.organisation_id, user.is_active) == before


def test_even_an_administrator_cannot_escalate_or_deactivate_themselves(role_users) -> None:
    admin = role_users.system_administrator
    with pytest.raises(PermissionDenied):
        user_update(
            actor=admin,
            user=admin,
            role=Role.objects.get(code="programme_manager"),
            first_name="",
            last_name="",
            email="",
            country=None,
            organisation=None,
        )
    with pytest.raises(PermissionDenied):
        user_set_active(actor=admin, user=admin, active=False)


def test_deactivation_asks_first_then_blocks_sign_in(role_users, client_for) -> None:
    client = client_for(role_users.system_administrator)
    target = role_users.donor_viewer
    confirm = client.get(reverse("user_activation", kwargs={"pk": target.pk}))
    assert "Deactivate donor?" in confirm.content.decode()
    target.refresh_from_db()
    assert target.is_active
    client.post(reverse("user_activation", kwargs={"pk": target.pk}))
    target.refresh_from_db()
    assert not target.is_active
    response = Client().post(reverse("login"), {"username": "donor", "password": TEST_PASSWORD})
    assert response.status_code == 200  # back on the sign-in form, not signed in
    assert "not right" in response.content.decode()


def test_the_user_list_searches_and_sorts(role_users, client_for) -> None:
    client = client_for(role_users.system_administrator)
    page = client.get(reverse("user_list"), {"q": "coordinator"}).content.decode()
    assert "coordinator-np" in page and "partner-th" not in page
    page = client.get(reverse("user_list"), {"sort": "-username"}).content.decode()
    assert page.index(">partner-th</a>") < page.index(">manager</a>") < page.index(">admin</a>")
