"""`sahay reissue-reports`: issue again the approved reports whose figures today's disclosure rules would not show."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sahay.accounts.models import User
from sahay.frameworks.selectors import current_programme
from sahay.reports.disclosure import DisclosureError
from sahay.reports.freezing import reissue_leaking_reports


class Command(BaseCommand):
    help = (
        "Issue a new version of every approved report whose published figures the disclosure rules, as they are "
        "now, would not publish (run it after an upgrade that tightens them). The new version keeps the "
        "narratives and lists what changed; the old version stays on record."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--by", required=True, help="the user name of the programme manager who issues them")
        parser.add_argument("--dry-run", action="store_true", help="only list the reports that would be issued")

    def handle(self, *args: Any, **options: Any) -> None:
        programme = current_programme()
        if programme is None:
            raise CommandError("No framework is loaded: run `sahay load-framework` first.")
        user = User.objects.filter(username=options["by"], is_active=True).first()
        if user is None:
            raise CommandError(f"There is no active user “{options['by']}”.")
        try:
            reissued = reissue_leaking_reports(programme=programme, user=user, dry_run=options["dry_run"])
        except PermissionDenied as error:
            raise CommandError(f"{user.username} may not write and approve reports.") from error
        except (ValidationError, DisclosureError) as error:
            raise CommandError(f"Nothing more was issued: {error}") from error
        for item in reissued:
            old = item.replaced
            what = "would be issued again" if options["dry_run"] else f"issued again as version {item.report.version}"
            self.stdout.write(
                f"{old.period_code} {old.country.code if old.country else 'programme'} version {old.version}: "
                f"{len(item.cells)} figures it showed are no longer shown; {what}."
            )
        if not reissued:
            self.stdout.write("No approved report shows figures the disclosure rules would not show.")
