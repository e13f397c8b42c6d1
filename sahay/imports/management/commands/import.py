"""`sahay import FILE --kind people --organisation ORG [--dry-run]`: import a file of records, all or nothing."""

# ruff: noqa: N999 - the command is `sahay import`, so the module is import.py

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sahay.accounts.models import ScopeKind, User
from sahay.core.models import Organisation
from sahay.imports.kinds import KINDS
from sahay.imports.services import import_file

SHOWN_ERRORS = 50


class Command(BaseCommand):
    help = (
        "Import a file (xlsx or csv) of records for an organisation: every row is checked before anything is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--kind", required=True, choices=sorted(KINDS))
        parser.add_argument("--organisation", required=True, help="The organisation's exact name or its id.")
        parser.add_argument("--dry-run", action="store_true", help="Check and count, write nothing.")
        parser.add_argument("--reason", default="", help="Why rows in approved half years are corrected.")
        parser.add_argument("--errors-out", default="", help="Where to write the file with errors beside the rows.")
        parser.add_argument(
            "--user",
            default="",
            help="The username the import is recorded as (default: the first active user with an all-countries role).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        organisation = self._organisation(options["organisation"])
        user = self._user(options["user"])
        try:
            result = import_file(
                kind=options["kind"],
                organisation=organisation,
                uploaded_by=user,
                data=path.read_bytes(),
                file_name=path.name,
                dry_run=options["dry_run"],
                correction_reason=options["reason"],
            )
        except PermissionDenied:
            raise CommandError(f"{user} may not record data for {organisation}.") from None
        if result.file_error:
            raise CommandError(result.file_error)
        if result.error_count:
            for error in result.errors[:SHOWN_ERRORS]:
                self.stderr.write(str(error))
            if result.error_count > SHOWN_ERRORS:
                self.stderr.write(f"and {result.error_count - SHOWN_ERRORS} more")
            if options["errors_out"] and result.error_file:
                Path(options["errors_out"]).write_bytes(result.error_file)
                self.stderr.write(f"The rows with their errors are in {options['errors_out']}.")
            raise CommandError(f"{result.error_count} errors: nothing was imported.")
        verb = "Would create" if result.dry_run else "Created"
        self.stdout.write(
            f"{verb} {result.created}, updated {result.updated}, unchanged {result.unchanged} "
            f"({result.rows} rows){' - dry run, nothing written' if result.dry_run else ''}."
        )

    def _organisation(self, name_or_id: str) -> Organisation:
        found = Organisation.objects.filter(name=name_or_id).first()
        if found is None and name_or_id.isdigit():
            found = Organisation.objects.filter(pk=int(name_or_id)).first()
        if found is None:
            raise CommandError(f"No organisation named {name_or_id!r}.")
        return found

    def _user(self, username: str) -> User:
        users = get_user_model().objects.filter(is_active=True)
        user = (
            users.filter(username=username).first()
            if username
            else users.filter(role__scope_kind=ScopeKind.ALL).order_by("pk").first()
        )
        if user is None:
            raise CommandError("Give --user: the username the import is recorded as.")
        return user
