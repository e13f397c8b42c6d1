"""Four eyes on identities (goal 26): no single administrator gives an account access to children's identities.

An administrator makes an account, but never chooses or sees its password or second factor (the account's
first sign-in is an emailed invitation), and its rights over identities start only when a case supervisor
of its organisation, or for an organisation without one a second administrator, confirms them.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from sahay.accounts.models import Role, User
from sahay.accounts.rights import Right
from sahay.audit.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db
CHOSEN_BY_THE_ADMINISTRATOR = "administrators own passphrase 2026"
NEW_PASSWORD = "violet kettle marches north"


def create_through_the_page(admin: Client, *, username: str, role: str, organisation=None, email: str = "") -> User:
    fields = {
        "username": username,
        "email": email or f"{username}@example.org",
        "role": Role.objects.get(code=role).pk,
        "password": CHOSEN_BY_THE_ADMINISTRATOR,  # what the attack typed; the page has no such field any more
    }
    if organisation is not None:
        fields["organisation"] = organisation.pk
    response = admin.post(reverse("user_create"), fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    return User.objects.get(username=username)


def invitation_link(address: str) -> str:
    sent = [message for message in mail.outbox if address in message.to]
    assert sent, "an invitation goes to the new account's address"
    return re.search(r"https?://[^/]+(/\S+)", sent[-1].body).group(1)


def test_the_administrator_never_chooses_a_password_the_account_is_invited_by_email(
    role_users, organisations, client_for
) -> None:
    admin = client_for(role_users.system_administrator)
    user = create_through_the_page(
        admin, username="new.supervisor", role="case_supervisor", organisation=organisations.partners["TH"]
    )
    assert not user.check_password(CHOSEN_BY_THE_ADMINISTRATOR) and not user.has_usable_password()
    link = invitation_link("new.supervisor@example.org")

    invited = Client()
    form = invited.get(link, follow=True)
    assert form.status_code == 200
    done = invited.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    # On to setting up the second factor, which only the invited person does.
    assert done.status_code == 302 and done["Location"].startswith(reverse("second_factor_enrol"))
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # The link works once.
    assert b"no longer valid" in Client().get(link, follow=True).content


def test_an_invitation_expires(role_users, organisations, client_for, settings) -> None:
    from sahay.accounts.invitations import invitation_tokens

    assert settings.SAHAY_INVITATION_HOURS <= 24
    admin = client_for(role_users.system_administrator)
    user = create_through_the_page(
        admin, username="late.worker", role="partner_staff", organisation=organisations.partners["PH"]
    )
    sent_earlier = type(invitation_tokens)()
    sent_earlier._now = lambda: datetime.now() - timedelta(hours=settings.SAHAY_INVITATION_HOURS, minutes=1)  # type: ignore[method-assign]  # noqa: DTZ005 - Django counts naive local time here
    link = invitation_link("late.worker@example.org")
    stale = re.sub(r"/[^/]+/$", "/" + sent_earlier.make_token(user) + "/", link)
    page = Client().get(stale, follow=True)
    assert b"no longer valid" in page.content


def test_an_account_works_de_identified_until_a_supervisor_of_its_organisation_confirms(
    role_users, organisations, make_user, client_for
) -> None:
    thai = organisations.partners["TH"]
    supervisor = make_user("case_supervisor", organisation=thai, username="thai-supervisor")
    admin = client_for(role_users.system_administrator)
    user = create_through_the_page(admin, username="new.worker", role="case_worker", organisation=thai)

    # Signed in as the attack did (password and second factor): the role's other rights, no identities.
    as_new = client_for(user)
    assert as_new.get(reverse("case_list")).status_code == 403
    assert as_new.get(reverse("organisation_list")).status_code == 200

    # The administrator cannot confirm: the organisation has a case supervisor.
    admin.get(reverse("user_list"))  # where the messages about saving it are shown
    pending = admin.get(reverse("access_confirmations"))
    assert "new.worker" not in pending.content.decode()
    confirmation = user.access_confirmations.get()
    refused = admin.post(reverse("access_confirmation_decide", args=[confirmation.pk]), {"decision": "confirm"})
    assert refused.status_code in (403, 404)
    assert as_new.get(reverse("case_list")).status_code == 403

    # The supervisor sees it, and confirms.
    supervisor_client = client_for(supervisor)
    listed = supervisor_client.get(reverse("access_confirmations")).content.decode()
    assert "new.worker" in listed
    supervisor_client.post(reverse("access_confirmation_decide", args=[confirmation.pk]), {"decision": "confirm"})
    assert client_for(User.objects.get(pk=user.pk)).get(reverse("case_list")).status_code == 200
    assert AuditEntry.objects.filter(
        action=AuditAction.PERMISSION_CHANGED,
        actor=supervisor,
        target_kind="user",
        target_id=str(user.pk),
        detail__identity_access="confirmed",
    ).exists()


def test_without_a_supervisor_a_second_administrator_confirms_never_the_first(
    role_users, organisations, make_user, client_for
) -> None:
    admin = role_users.system_administrator
    second_admin = make_user("system_administrator", username="second-admin")
    user = create_through_the_page(
        client_for(admin), username="new.partner", role="partner_staff", organisation=organisations.partners["KH"]
    )
    assert not User.objects.get(pk=user.pk).has_perm(Right.RECORD_DATA.permission)
    assert User.objects.get(pk=user.pk).has_perm(Right.VIEW_FIGURES.permission)
    confirmation = user.access_confirmations.get()
    client_for(admin).post(reverse("access_confirmation_decide", args=[confirmation.pk]), {"decision": "confirm"})
    assert not User.objects.get(pk=user.pk).has_perm(Right.RECORD_DATA.permission)
    client_for(second_admin).post(
        reverse("access_confirmation_decide", args=[confirmation.pk]), {"decision": "confirm"}
    )
    assert User.objects.get(pk=user.pk).has_perm(Right.RECORD_DATA.permission)


def test_an_administrator_cannot_make_the_second_administrator_alone(role_users, client_for) -> None:
    admin = client_for(role_users.system_administrator)
    helper = create_through_the_page(admin, username="helper-admin", role="system_administrator")
    # Not an administrator (so no second pair of eyes) until another administrator confirms it.
    assert not User.objects.get(pk=helper.pk).has_perm(Right.MANAGE_USERS.permission)
    assert client_for(helper).get(reverse("access_confirmations")).status_code == 403


def test_a_role_change_that_adds_identity_rights_needs_a_new_confirmation(
    role_users, organisations, make_user, client_for
) -> None:
    thai = organisations.partners["TH"]
    supervisor = make_user("case_supervisor", organisation=thai, username="thai-supervisor")
    user = role_users.partner_staff
    admin = client_for(role_users.system_administrator)
    response = admin.post(
        reverse("user_edit", args=[user.pk]),
        {"username": user.username, "role": Role.objects.get(code="case_worker").pk, "organisation": thai.pk},
    )
    assert response.status_code == 302
    assert not User.objects.get(pk=user.pk).has_perm(Right.WORK_CASES.permission)
    # Refused: the account stays without identities.
    confirmation = user.access_confirmations.get(state="pending")
    client_for(supervisor).post(reverse("access_confirmation_decide", args=[confirmation.pk]), {"decision": "refuse"})
    assert not User.objects.get(pk=user.pk).has_perm(Right.WORK_CASES.permission)
    assert User.objects.get(pk=user.pk).has_perm(Right.VIEW_REFERENCE_DATA.permission)


def test_the_administrator_sends_a_reset_link_instead_of_setting_a_password(role_users, client_for) -> None:
    user = role_users.programme_manager
    user.email = "manager@example.org"
    user.save()
    before = user.password
    admin = client_for(role_users.system_administrator)
    page = admin.get(reverse("user_password", args=[user.pk]))
    assert b"new_password1" not in page.content
    sent = admin.post(reverse("user_password", args=[user.pk]))
    assert sent.status_code == 302
    user.refresh_from_db()
    assert user.password == before
    assert "/sign-in/new-password/" in invitation_link("manager@example.org")


def test_redirecting_a_confirmed_invitation_to_another_address_asks_again(
    role_users, organisations, make_user, client_for
) -> None:
    thai = organisations.partners["TH"]
    supervisor = make_user("case_supervisor", organisation=thai, username="thai-supervisor")
    admin = client_for(role_users.system_administrator)
    user = create_through_the_page(admin, username="colleague", role="case_worker", organisation=thai)
    confirmation = user.access_confirmations.get()
    client_for(supervisor).post(reverse("access_confirmation_decide", args=[confirmation.pk]), {"decision": "confirm"})
    assert User.objects.get(pk=user.pk).has_perm(Right.WORK_CASES.permission)
    # Before the colleague used the invitation, the administrator sends a new one to an address of their own.
    admin.post(
        reverse("user_edit", args=[user.pk]),
        {
            "username": user.username,
            "email": "administrator@example.org",
            "role": user.role.pk,
            "organisation": thai.pk,
        },
    )
    admin.post(reverse("user_password", args=[user.pk]))
    assert not User.objects.get(pk=user.pk).has_perm(Right.WORK_CASES.permission)
