"""`sahay totp USERNAME`: the current second-factor code of a demo login (demo only, never in production)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sahay.accounts.second_factor import device_code
from sahay.demo.second_factor import demo_device


class Command(BaseCommand):
    help = "Print the current second-factor code of a demo login (synthetic demo only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="A demo login, for example manager.")

    def handle(self, *args: Any, **options: Any) -> None:
        if getattr(settings, "PRODUCTION", False):
            raise CommandError("sahay totp prints codes of the synthetic demo's logins: not in the production profile.")
        device = demo_device(options["username"])
        if device is None:
            # Only the demo's own devices, whose secrets anyone can work out: a real user's app stays theirs.
            raise CommandError(f"{options['username']} is not a demo login with the demo's second factor.")
        self.stdout.write(device_code(device))
