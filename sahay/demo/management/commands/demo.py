"""`sahay demo`: migrate, load the default framework and synthetic demo data, print the logins, serve."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from sahay.core.models import DemoDataset
from sahay.demo.figures import set_demo_country_targets
from sahay.demo.organisations import CASE_LOGINS, DEMO_LOGINS, case_staff, ensure_logins, ensure_organisations
from sahay.demo.records import DemoRecords, purge_demo_records
from sahay.demo.reporting import APPROVED_HALF_YEARS, ensure_demo_reports
from sahay.demo.second_factor import ensure_demo_devices
from sahay.figures.ledger.build import ledger_rebuild
from sahay.frameworks.services import framework_load

# Only for the synthetic demo on a development install; the production profile refuses to run this command.
DEMO_PASSWORD = "demo-password-sahay"  # noqa: S105
DEMO_DATA_VERSION = 3  # 3: a case for every victim
SEED = 20170630


class Command(BaseCommand):
    help = "Set up a demo installation with synthetic data and serve it on http://127.0.0.1:8000."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="Set everything up, but do not serve.")
        parser.add_argument("--address", default="127.0.0.1:8000", help="Where to serve (default 127.0.0.1:8000).")

    def handle(self, *args: Any, **options: Any) -> None:
        if getattr(settings, "PRODUCTION", False):
            raise CommandError("sahay demo loads synthetic data with known passwords: not in the production profile.")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database is at the current migrations.")
        result = framework_load(path=settings.SAHAY_DEFAULT_FRAMEWORK)
        self.stdout.write(f"Framework {result.programme.code}: {'loaded' if result.changed else 'unchanged'}.")
        with transaction.atomic():
            partners = ensure_organisations()
            # The logins first: the cases of the records go to each partner's demo case worker.
            users = ensure_logins(DEMO_PASSWORD)
            ensure_demo_devices(users)
            manager = next(user for user in users if user.username == "manager")
            set_demo_country_targets(programme=result.programme, set_by=manager)
            current = DemoDataset.objects.filter(pk=1, version=DEMO_DATA_VERSION, seed=SEED).exists()
            if current:
                self.stdout.write("Synthetic demo records: already current.")
            else:
                purge_demo_records(partners)
                records = DemoRecords(seed=SEED, partners=partners, staff=case_staff(users))
                records.build()
                count = records.save()
                # Written in bulk, past the change step: the figure ledger is built from them.
                ledger_rebuild()
                DemoDataset.objects.update_or_create(pk=1, defaults={"seed": SEED, "version": DEMO_DATA_VERSION})
                self.stdout.write(f"Synthetic demo records: {count} written (seed {SEED}).")
        issued = ensure_demo_reports(programme=result.programme, manager=manager)
        self.stdout.write(f"Demo half-year reports: {issued} approved now ({', '.join(APPROVED_HALF_YEARS)} in all).")
        self._print_logins()
        if not options["no_serve"]:
            address = options["address"]
            self.stdout.write(f"Serving Sahay on http://{address}/ (Ctrl+C stops it).")
            call_command("runserver", address, use_reloader=False)

    def _print_logins(self) -> None:
        self.stdout.write("\nDemo logins (synthetic data only), all with the password " + DEMO_PASSWORD + ":")
        for login in DEMO_LOGINS:
            scope = login.organisation_name or login.country_code or "all countries"
            self.stdout.write(f"  {login.username:<16} {login.role_code:<22} {scope}")
        self.stdout.write("Case work, one case_worker and one case_supervisor per partner organisation:")
        for pair in CASE_LOGINS:
            logins = f"{pair.case_worker.username} / {pair.supervisor.username}"
            self.stdout.write(f"  {logins:<39} {pair.organisation_name}")
        self.stdout.write("Second factor: run `.venv/bin/sahay totp <username>` for the current code.")
        self.stdout.write("")
