"""Import a file of records: every row checked first, then all written in one transaction, or nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sahay.accounts.models import User
from sahay.core.models import Organisation
from sahay.imports.errors import error_file, file_language
from sahay.imports.kinds import KINDS
from sahay.imports.reading import ImportFileError, Table, open_table
from sahay.imports.validation import (
    CHUNK,
    CREATED,
    UNCHANGED,
    UPDATED,
    Context,
    Errors,
    Plan,
    RowError,
    context_for,
    plans,
)
from sahay.imports.writing import BATCH_WRITERS, WRITERS, Writer
from sahay.jobs.runner import Progress
from sahay.records.services import require_capture_scope


@dataclass
class ImportResult:
    kind: str
    dry_run: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: int = 0
    # A problem with the file as a whole (too big, unreadable, missing columns): no row was read.
    file_error: str = ""
    errors: list[RowError] = field(default_factory=list)  # the first 1,000
    error_count: int = 0
    error_file: bytes | None = None
    error_file_name: str = ""

    @property
    def ok(self) -> bool:
        return not self.file_error and not self.error_count


class _RolledBackError(Exception):
    """Raised inside the write transaction to undo it when a service refused a row."""


def import_file(
    *,
    kind: str,
    organisation: Organisation,
    uploaded_by: User,
    data: bytes,
    file_name: str,
    dry_run: bool = False,
    correction_reason: str = "",
    progress: Progress | None = None,
) -> ImportResult:
    """Check every row; if all are right (and not a dry run) write them all, else write nothing.

    Raises PermissionDenied when the user may not record data for the organisation.
    """
    require_capture_scope(uploaded_by, organisation)
    import_kind = KINDS[kind]
    result = ImportResult(kind=kind, dry_run=dry_run)
    try:
        table = open_table(kind=import_kind, data=data, file_name=file_name, progress=progress)
        errors = Errors()
        context = context_for(
            kind=import_kind,
            organisation=organisation,
            table=table,
            correction_reason=correction_reason,
            uploaded_by=uploaded_by,
            errors=errors,
        )
        for plan in plans(context, progress):
            _count(result, plan.action)
        result.rows = context.rows_read
        if not errors.count and not dry_run:
            errors = _write(
                kind=kind,
                organisation=organisation,
                uploaded_by=uploaded_by,
                data=data,
                file_name=file_name,
                correction_reason=correction_reason,
                result=result,
                progress=progress,
            )
    except ImportFileError as error:
        result.file_error = error.message
        return result
    if errors.count:
        result.created = result.updated = result.unchanged = 0
        result.errors, result.error_count = errors.items, errors.count
        result.error_file = error_file(
            data=data,
            file_format=table.format,
            by_row=errors.by_row,
            language=file_language(import_kind, table.headers),
        )
        stem = file_name.rsplit(".", 1)[0] or "import"
        result.error_file_name = f"{stem}-errors.{table.format}"
    return result


def _count(result: ImportResult, action: str) -> None:
    if action == CREATED:
        result.created += 1
    elif action == UPDATED:
        result.updated += 1
    elif action == UNCHANGED:
        result.unchanged += 1


def _write(
    *,
    kind: str,
    organisation: Organisation,
    uploaded_by: User,
    data: bytes,
    file_name: str,
    correction_reason: str,
    result: ImportResult,
    progress: Progress | None,
) -> Errors:
    """Read and check the file again inside the transaction (nothing can change underneath), writing as it goes.

    A row a records service refuses (a rule only the service knows) becomes a row error and undoes everything.
    """
    import_kind = KINDS[kind]
    writer = Writer(user=uploaded_by, organisation=organisation, correction_reason=correction_reason)
    write = WRITERS[kind]
    batch_write = BATCH_WRITERS.get(kind)
    errors = Errors()
    if progress is not None:
        told = progress
        # Every row was counted as it was checked: the page stays at the end while the rows are written, and the
        # callback still hears from the write, so a job past its time limit stops here too (and is undone).
        progress = lambda done, total: told(total or done, total)  # noqa: E731
    table: Table = open_table(kind=import_kind, data=data, file_name=file_name, progress=progress)
    try:
        with transaction.atomic():
            # One import at a time per organisation: two of the same file at once would both create its records.
            Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
            context = context_for(
                kind=import_kind,
                organisation=organisation,
                table=table,
                correction_reason=correction_reason,
                uploaded_by=uploaded_by,
                errors=errors,
            )
            counts = ImportResult(kind=kind, dry_run=False)
            batch: list[Plan] = []
            for plan in plans(context, progress):
                _count(counts, plan.action)
                if plan.action == UNCHANGED:
                    continue
                if batch_write is None:
                    _guarded(context, table, [plan], partial(write, writer, plan))
                    continue
                batch.append(plan)
                if len(batch) >= CHUNK:
                    _guarded(context, table, batch, partial(batch_write, writer, batch))
                    batch = []
            if batch and batch_write is not None:
                _guarded(context, table, batch, partial(batch_write, writer, batch))
            if errors.count:
                raise _RolledBackError
    except _RolledBackError:
        return errors
    result.created, result.updated, result.unchanged = counts.created, counts.updated, counts.unchanged
    return errors


def _guarded(context: Context, table: Table, plans: list[Plan], write: Callable[[], None]) -> None:
    """Write, turning a service's refusal into an error of the (first) row it concerns."""
    try:
        with transaction.atomic():
            write()
    except ValidationError as error:
        for field_name, messages in error.message_dict.items():
            column = field_name if field_name in table.present else ""
            for message in messages:
                context.error(plans[0], column, message)
    except PermissionDenied:
        context.error(plans[0], "", _("you may not record this for the organisation."))
