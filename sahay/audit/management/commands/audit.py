"""`sahay audit verify [--anchor FILE]`, `head`, `keys` and `generate-key`: the keyed, anchored audit chain."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from sahay.audit.chain import (
    ANCHOR_MESSAGE,
    AnchorError,
    anchor_check,
    anchors_read,
    audit_head,
    audit_key_generate,
    audit_keys,
    audit_verify,
)
from sahay.audit.models import AuditEntry


class Command(BaseCommand):
    help = (
        "Work with the audit trail. `verify` checks that no entry was changed, removed, added or moved, and with "
        "--anchor FILE (the shipped log, a file of 'sequence hash' lines, or a backup) that none was cut from the "
        "end or rewritten; `head` prints the last entry's anchor; `keys` counts entries per audit key; "
        "`generate-key` prints a new key for SAHAY_AUDIT_KEYS."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="{verify,head,keys,generate-key}")
        verify = subcommands.add_parser("verify", help="Check the keyed chain; exit non-zero at the first break.")
        verify.add_argument(
            "--anchor",
            type=Path,
            help="Anchors kept outside the database: the JSON log Sahay writes (its audit lines), lines of "
            "'sequence hash', or a Sahay backup file (its head; needs SAHAY_BACKUP_KEY).",
        )
        subcommands.add_parser("head", help="Print the last entry's sequence number and hash, to ship as an anchor.")
        subcommands.add_parser("keys", help="Count the entries under each audit key, and say which keys are needed.")
        subcommands.add_parser("generate-key", help="Print a new key for SAHAY_AUDIT_KEYS.")

    def handle(self, *args: Any, **options: Any) -> None:
        match options["subcommand"]:
            case "verify":
                self.verify(options.get("anchor"))
            case "head":
                head = audit_head()
                self.stdout.write(ANCHOR_MESSAGE % (head.sequence, head.hash))
            case "keys":
                self.keys()
            case "generate-key":
                self.stdout.write(audit_key_generate())

    def verify(self, anchor_file: Path | None) -> None:
        anchors = None
        if anchor_file is not None:
            try:
                anchors = anchors_read(anchor_file)
            except AnchorError as error:
                raise CommandError(str(error)) from error
        check = audit_verify()
        anchored = anchor_check(anchors) if anchors is not None else None
        problems = []
        if not check.ok:
            problems.append(
                (
                    check.first_break_position or 0,
                    f"The audit trail is broken: {check.problem} ({check.entries_checked} entries before it verified).",
                )
            )
        if anchored is not None and not anchored.ok:
            problems.append(
                (anchored.first_difference or 0, f"The audit trail does not match its anchor: {anchored.problem}.")
            )
        if problems:
            # The earliest entry that differs first: that is where to start looking.
            raise CommandError(" ".join(problem for _position, problem in sorted(problems)))
        said = f"The audit trail verifies: {check.entries_checked} entries, unbroken."
        if anchored is None:
            said += (
                " Its tail is unchecked: give --anchor FILE (the shipped log or a backup) to find entries cut from "
                "the end or rewritten."
            )
        else:
            said += f" It matches its anchor ({anchored.anchors} anchors, up to entry {anchored.last_anchored})."
            if anchored.last_entry > anchored.last_anchored:
                said += f" Entries after {anchored.last_anchored} are not anchored yet."
        self.stdout.write(self.style.SUCCESS(said))

    def keys(self) -> None:
        configured = [key.key_id for key in audit_keys()]
        used = dict(
            AuditEntry.objects.order_by()
            .values("key_id")
            .annotate(entries=Count("id"))
            .values_list("key_id", "entries")
        )
        for number, key_id in enumerate(configured):
            role = "newest, signs new entries" if number == 0 else "older"
            self.stdout.write(f"{key_id} ({role}): {used.get(key_id, 0)} entries")
        unknown = {key_id: entries for key_id, entries in used.items() if key_id not in configured}
        for key_id, entries in sorted(unknown.items()):
            self.stdout.write(f"{key_id or '(no key)'} (not configured): {entries} entries")
        if unknown:
            raise CommandError("Some entries are under no configured audit key: `sahay audit verify` refuses them.")
        needed = [key_id for number, key_id in enumerate(configured) if number == 0 or key_id in used]
        self.stdout.write(
            f"Keep {len(needed)} of the {len(configured)} configured keys in SAHAY_AUDIT_KEYS: an older key that "
            "no entry names may be removed."
        )
