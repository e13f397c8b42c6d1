"""Imports run as background jobs: the upload page starts one, and its page shows progress and the outcome."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from sahay.core.encryption import decrypt_bytes, encrypt_bytes
from sahay.core.models import Organisation
from sahay.imports.services import ImportResult, import_file
from sahay.jobs.models import Job
from sahay.jobs.runner import Progress, job, job_create

IMPORT_JOB = "import"
ERRORS_SHOWN = 200  # on the page; the error file has every bad row


def import_start(
    *,
    kind: str,
    organisation: Organisation,
    uploaded_by: Any,
    data: bytes,
    file_name: str,
    dry_run: bool,
    correction_reason: str,
) -> Job:
    return job_create(
        kind=IMPORT_JOB,
        owner=uploaded_by,
        payload=data,
        arguments={
            "kind": kind,
            "organisation": organisation.pk,
            # A file's name may name a child: kept encrypted, like the file.
            "file_name": encrypt_bytes(file_name.encode()).decode("ascii"),
            "dry_run": dry_run,
            "correction_reason": correction_reason,
        },
    )


# Far more than a file within the row and size limits takes; a file that takes longer is refused with a message.
@job(IMPORT_JOB, time_limit=15 * 60, title=gettext_lazy("imports"))
def run_import(job_row: Job, progress: Progress) -> None:
    arguments = job_row.arguments
    result = import_file(
        kind=arguments["kind"],
        organisation=Organisation.objects.get(pk=arguments["organisation"]),
        uploaded_by=job_row.owner,
        data=decrypt_bytes(bytes(job_row.payload)),
        file_name=file_name_of(job_row),
        dry_run=arguments["dry_run"],
        correction_reason=arguments["correction_reason"],
        progress=progress,
    )
    job_row.message = outcome(result)
    job_row.result = {
        "ok": result.ok,
        "dry_run": result.dry_run,
        "rows": result.rows,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "error_count": result.error_count,
        # The error file's format only: the file's own name may name a child.
        "error_format": "csv" if result.error_file_name.endswith(".csv") else "xlsx",
    }
    if not result.ok:
        job_row.status = Job.Status.FAILED
        # The bad rows' values may be names: they are kept encrypted, like the file they came from.
        errors = [vars(error) for error in result.errors[:ERRORS_SHOWN]]
        job_row.result["errors"] = encrypt_bytes(json.dumps(errors).encode()).decode("ascii")
        if result.error_file:
            job_row.output = encrypt_bytes(result.error_file)


def outcome(result: ImportResult) -> str:
    if result.file_error:
        return result.file_error
    if result.error_count:
        return ngettext(
            "%(count)s problem found: nothing was imported. Correct the row and upload the file again.",
            "%(count)s problems found: nothing was imported. Correct the rows and upload the file again.",
            result.error_count,
        ) % {"count": result.error_count}
    counts = {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
    if result.dry_run:
        return (
            _("Checked, nothing written: %(created)s would be created, %(updated)s updated, %(unchanged)s unchanged.")
            % counts
        )
    return _("Imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.") % counts


def file_name_of(job_row: Job) -> str:
    return decrypt_bytes(job_row.arguments["file_name"].encode("ascii")).decode()


def shown_errors(job_row: Job) -> list[dict[str, Any]]:
    """The bad rows an import found, for its page (the first ones; the error file has them all)."""
    token = job_row.result.get("errors")
    if not token:
        return []
    errors: list[dict[str, Any]] = json.loads(decrypt_bytes(token.encode("ascii")))
    return errors


def error_file(job_row: Job) -> bytes | None:
    output = bytes(job_row.output)
    return decrypt_bytes(output) if output else None
