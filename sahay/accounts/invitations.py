"""Links that let a person set their own password: the invitation of a new account, and the reset link.

Nobody else ever sets or sees a password: an administrator makes the account and Sahay emails the person
a one-time invitation (valid `SAHAY_INVITATION_HOURS`), where they choose their password and then set up
their second factor; later, an administrator can only send a reset link (valid `PASSWORD_RESET_TIMEOUT`).
Both links stop working once used: they are signed over the password hash, which using them changes.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.core.mail import send_mail
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode

from sahay.accounts.models import User


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Django's reset token under another salt, valid for the invitation's own lifetime."""

    key_salt = "sahay.accounts.invitations.InvitationTokenGenerator"

    def check_token(self, user: Any, token: str | None) -> bool:
        # Django's check_token compares against PASSWORD_RESET_TIMEOUT; an invitation has its own lifetime.
        if not (user and token):
            return False
        try:
            timestamp_b36, _hash = token.split("-")
            timestamp = base36_to_int(timestamp_b36)
        except ValueError:
            return False
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        ):
            return False
        return (self._num_seconds(self._now()) - timestamp) <= settings.SAHAY_INVITATION_HOURS * 60 * 60


invitation_tokens = InvitationTokenGenerator()


def _site(request: HttpRequest | None) -> str:
    """The scheme and host the link points at: the administrator's request's, or the first allowed host."""
    if request is not None:
        return f"{request.scheme}://{request.get_host()}"
    host = next((host for host in settings.ALLOWED_HOSTS if host and not host.startswith(".")), "localhost")
    return f"{'https' if getattr(settings, 'PRODUCTION', False) else 'http'}://{host}"


def _send(*, user: User, subject_template: str, body_template: str, link: str) -> None:
    context = {"user": user, "link": link, "hours": round(settings.SAHAY_INVITATION_HOURS)}
    subject = " ".join(render_to_string(subject_template, context).split())
    send_mail(subject, render_to_string(body_template, context), None, [user.email])


def invitation_send(*, user: User, request: HttpRequest | None = None) -> None:
    """Email the new account's one-time invitation: choose a password, then set up the second factor."""
    path = reverse(
        "invitation_accept", args=[urlsafe_base64_encode(force_bytes(user.pk)), invitation_tokens.make_token(user)]
    )
    _send(
        user=user,
        subject_template="accounts/invitation_subject.txt",
        body_template="accounts/invitation_email.txt",
        link=_site(request) + path,
    )


def reset_link_send(*, user: User, request: HttpRequest | None = None) -> None:
    """Email the user a password-reset link (what an administrator sends instead of setting a password)."""
    path = reverse(
        "password_reset_confirm",
        args=[urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)],
    )
    _send(
        user=user,
        subject_template="accounts/password_reset_subject.txt",
        body_template="accounts/password_reset_sent_email.txt",
        link=_site(request) + path,
    )
