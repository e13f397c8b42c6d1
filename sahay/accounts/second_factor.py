"""The second factor of every sign-in: a TOTP app (django-otp), with one-time recovery codes as the fallback.

A user whose password was right is signed in to Django but not yet verified; `SecondFactorRequired`
keeps such a session on the second-factor pages. A user without a confirmed TOTP device enrols first.
Failures are audited as failed sign-ins (step "second_factor") and count towards the sign-in lock.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from typing import cast

import django_otp
import segno
from django.db import transaction
from django.http import HttpRequest
from django_otp.oath import hotp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from sahay.accounts.models import User
from sahay.accounts.user_audit import audit_user
from sahay.audit.models import AuditAction

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
SIX_DIGITS = re.compile(r"\d{6}")


def session_verified(user: object) -> bool:
    """Whether this request's user passed the second factor in this session (set by django-otp's OTPMiddleware)."""
    return getattr(user, "otp_device", None) is not None


def confirmed_totp_device(user: User) -> TOTPDevice | None:
    return cast(TOTPDevice | None, TOTPDevice.objects.filter(user=user, confirmed=True).first())


def enrolment_device(user: User) -> TOTPDevice:
    """The user's unconfirmed TOTP device (made on first visit, kept until confirmed so the QR code stays valid)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return cast(TOTPDevice, device)


def device_secret(device: TOTPDevice) -> str:
    """The secret in the base32 form authenticator apps accept when typed in."""
    from base64 import b32encode

    return b32encode(device.bin_key).decode()


def device_code(device: TOTPDevice) -> str:
    """The code an authenticator app with this device's secret shows now (or, if that one was used, next).

    For tests and the synthetic demo's `sahay totp`: real users read it from their phone.
    """
    now_step = int((time.time() - device.t0) // device.step) + device.drift
    step = max(now_step, device.last_t + 1)
    return str(hotp(device.bin_key, step, device.digits)).zfill(device.digits)


def qr_code_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// address as an inline SVG element (served by Sahay, no image host, no data: URI)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, title="QR code")


def _normalised(code: str) -> str:
    return "".join(code.split()).lower()


def recovery_digest(code: str) -> str:
    """What is stored of a recovery code: a hash, so a copy of the database holds no usable code.

    The codes are random (40 bits and more), so an unsalted hash, cut to the column's 16 characters, is
    as hard to reverse as guessing the code itself; it survives a change of SECRET_KEY.
    """
    return hashlib.sha256(_normalised(code).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Enrolled:
    device: TOTPDevice
    recovery_codes: list[str]


def second_factor_enrol(
    *, request: HttpRequest, user: User, device: TOTPDevice, code: str, allowed: bool = True
) -> Enrolled | None:
    """Confirm a new TOTP device with a code from it; give 10 fresh recovery codes; verify this session.

    `allowed` False (the sign-in is locked) refuses without asking the device, through the same audit.
    """
    with transaction.atomic():
        confirming = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user, confirmed=False)
        if not (allowed and confirming.verify_token(_normalised(code))):
            _audit_failure(request=request, user=user, enrolment=True)
            return None
        confirming.confirmed = True
        confirming.save(update_fields=["confirmed"])
        StaticDevice.objects.filter(user=user).delete()
        recovery = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=recovery, token=recovery_digest(code)) for code in codes)
        django_otp.login(request, confirming)
        audit_user(
            AuditAction.LOGIN, user, actor=user, request=request, detail={"step": "second_factor", "enrolled": True}
        )
    return Enrolled(device=confirming, recovery_codes=codes)


def second_factor_verify(*, request: HttpRequest, user: User, code: str, allowed: bool = True) -> bool:
    """Check a TOTP code (six digits) or a recovery code; a code is accepted once only.

    `allowed` False (the sign-in is locked) refuses without asking the devices, through the same audit.
    """
    token = _normalised(code)
    with transaction.atomic():
        device: TOTPDevice | StaticDevice | None = None
        if allowed:
            is_totp = SIX_DIGITS.fullmatch(token) is not None
            model = TOTPDevice if is_totp else StaticDevice
            device = model.objects.select_for_update().filter(user=user, confirmed=True).first()
            if device is not None and not device.verify_token(token if is_totp else recovery_digest(token)):
                device = None
        if device is None:
            _audit_failure(request=request, user=user)
            return False
        django_otp.login(request, device)
        audit_user(
            AuditAction.LOGIN,
            user,
            actor=user,
            request=request,
            detail={"step": "second_factor", "device": "totp" if isinstance(device, TOTPDevice) else "recovery"},
        )
    return True


def _audit_failure(*, request: HttpRequest, user: User, enrolment: bool = False) -> None:
    # The user name is kept too, so that second-factor failures count towards the sign-in lock.
    detail: dict[str, object] = {"step": "second_factor", "username": user.username}
    if enrolment:
        detail["enrolment"] = True
    audit_user(AuditAction.LOGIN_FAILED, user, actor=user, request=request, detail=detail)
