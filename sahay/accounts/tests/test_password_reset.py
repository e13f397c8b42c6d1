"""New passwords, always through an emailed link (asked for, or sent by an administrator): sessions end, the
second factor stays."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice

from sahay.audit.models import AuditAction, AuditEntry

NEW_PASSWORD = "violet kettle marches north"


def test_an_administrator_sends_a_reset_link_and_its_use_ends_every_session(role_users, client_for) -> None:
    user = role_users.programme_manager
    user.email = "manager@example.org"
    user.save()
    old_session = client_for(user)
    assert old_session.get(reverse("dashboard")).status_code == 200
    admin = client_for(role_users.system_administrator)
    url = reverse("user_password", args=[user.pk])

    # The administrator never types (nor sees) the password: asked first, then a link goes to the user.
    assert b"Send the link" in admin.get(url).content
    assert admin.post(url).status_code == 302
    assert mail.outbox[-1].to == ["manager@example.org"]
    sent = AuditEntry.objects.filter(action=AuditAction.USER_CHANGED, target_id=str(user.pk)).latest("position")
    assert sent.actor == role_users.system_administrator and sent.detail == {"password_link": "sent"}
    link = re.search(r"https?://[^/]+(/sign-in/new-password/\S+)", mail.outbox[-1].body).group(1)

    visitor = Client()
    form = visitor.get(link, follow=True)
    short = visitor.post(form.redirect_chain[-1][0], {"new_password1": "short", "new_password2": "short"})
    assert short.status_code == 200 and b"too short" in short.content
    done = visitor.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done["Location"] == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # The old cookie reaches nothing; the second factor is still there.
    assert old_session.get(reverse("dashboard"))["Location"].startswith(reverse("login"))
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    entry = AuditEntry.objects.filter(action=AuditAction.USER_CHANGED, target_id=str(user.pk)).latest("position")
    assert entry.actor == user and entry.detail["fields"] == ["password"]


def test_only_administrators_send_links_and_not_for_themselves(role_users, client_for) -> None:
    admin = role_users.system_administrator
    admin.email = "admin@example.org"
    admin.save()
    own = client_for(admin).post(reverse("user_password", args=[admin.pk]))
    assert own.status_code == 200 and "Forgot your password?" in own.content.decode()
    assert not mail.outbox
    manager = client_for(role_users.programme_manager)
    assert manager.get(reverse("user_password", args=[admin.pk])).status_code == 403
    assert manager.post(reverse("user_password", args=[admin.pk])).status_code == 403


def test_without_an_address_no_link_can_go(role_users, client_for) -> None:
    page = client_for(role_users.system_administrator).post(reverse("user_password", args=[role_users.donor_viewer.pk]))
    assert page.status_code == 200 and b"has no email address" in page.content
    assert not mail.outbox


def test_the_emailed_link_sets_a_password_but_sign_in_still_asks_the_second_factor(role_users, client_for) -> None:
    user = role_users.me_officer
    user.email = "me.officer@example.org"
    user.save()
    old_session = client_for(user)
    TOTPDevice.objects.filter(user=user).update(confirmed=True)

    visitor = Client()
    unknown = visitor.post(reverse("password_reset"), {"email": "nobody@example.org"})
    known = visitor.post(reverse("password_reset"), {"email": user.email})
    # The same answer whether the address is known or not; only the known one gets a message.
    assert unknown["Location"] == known["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/sign-in/new-password/\S+)", mail.outbox[0].body).group(1)

    form = visitor.get(link, follow=True)
    assert form.status_code == 200 and b"Choose a new password" in form.content
    done = visitor.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done["Location"] == reverse("password_reset_complete")
    assert old_session.get(reverse("dashboard"))["Location"].startswith(reverse("login"))
    # A used link works no more.
    assert b"has been used or has expired" in visitor.get(link, follow=True).content

    # Signing in with the new password leads to the second factor, not into Sahay.
    signed = Client().post(reverse("login"), {"username": user.username, "password": NEW_PASSWORD}, follow=True)
    assert signed.redirect_chain and "second-factor" in signed.redirect_chain[-1][0]
    assert signed.wsgi_request.path != reverse("dashboard")


def test_a_reset_link_expires_within_the_hour(role_users, settings) -> None:
    assert settings.PASSWORD_RESET_TIMEOUT <= 60 * 60
    user = role_users.me_officer
    sent_earlier = PasswordResetTokenGenerator()
    sent_earlier._now = lambda: datetime.now() - timedelta(minutes=61)  # type: ignore[method-assign]  # noqa: DTZ005 - Django counts naive local time here
    link = reverse(
        "password_reset_confirm", args=[urlsafe_base64_encode(force_bytes(user.pk)), sent_earlier.make_token(user)]
    )
    page = Client().get(link, follow=True)
    assert b"has been used or has expired" in page.content
