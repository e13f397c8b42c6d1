"""The demo logins' second factor: a TOTP device whose secret follows from the user name (synthetic demo only).

Anyone can work out these secrets, as anyone can read the demo password: `sahay totp USERNAME` prints the
current code, so the demo can be tried without a phone. The production profile refuses both commands.
"""

from __future__ import annotations

import hashlib

from django_otp.plugins.otp_totp.models import TOTPDevice

from sahay.accounts.models import User
from sahay.accounts.second_factor import TOTP_DEVICE_NAME

DEMO_DEVICE_NAME = f"{TOTP_DEVICE_NAME} (demo)"


def demo_totp_key(username: str) -> str:
    """The device secret of a demo login, 20 bytes as hex (the form django-otp keeps)."""
    return hashlib.sha256(f"sahay-demo-totp:{username}".encode()).hexdigest()[:40]


def ensure_demo_devices(users: list[User]) -> None:
    """Give every demo login its confirmed demo device (and no other TOTP device)."""
    for user in users:
        key = demo_totp_key(user.username)
        if TOTPDevice.objects.filter(user=user, confirmed=True, key=key).exists():
            continue
        TOTPDevice.objects.filter(user=user).delete()
        TOTPDevice.objects.create(user=user, name=DEMO_DEVICE_NAME, key=key, confirmed=True)


def demo_device(username: str) -> TOTPDevice | None:
    """The demo device of this login, or None when the user has no device with the demo secret."""
    device = TOTPDevice.objects.filter(user__username=username, confirmed=True, key=demo_totp_key(username)).first()
    return device if isinstance(device, TOTPDevice) else None
