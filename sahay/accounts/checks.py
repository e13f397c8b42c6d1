"""Deployment checks of the accounts: in production, mail that carries sign-in links must really go out."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

# Backends that keep mail on the server (printed, in memory, in files, or dropped): a reset or invitation
# link "sent" through them reaches the server's output or disk, never the person it is for.
NON_DELIVERING_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}


@checks.register(checks.Tags.security, deploy=True)
def mail_is_delivered(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The production profile refuses a mail backend that delivers nothing (`sahay serve --check`, `check --deploy`)."""
    if not getattr(settings, "PRODUCTION", False) or settings.EMAIL_BACKEND not in NON_DELIVERING_BACKENDS:
        return []
    return [
        checks.Error(
            f"SAHAY_EMAIL_BACKEND is {settings.EMAIL_BACKEND}, which delivers no mail: password-reset and "
            "invitation links would stay on the server.",
            hint="Set SAHAY_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and SAHAY_EMAIL_HOST "
            "(docs/deploy.md, section 4).",
            id="sahay.E101",
        )
    ]
