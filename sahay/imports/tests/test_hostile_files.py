"""Hostile import files (issue 15, items 18 to 25): each refused early, saying which limit and where, nothing written.

The files are those of `hostile_files`, built small, with limits made small to match.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sahay.imports.services import ImportResult, import_file
from sahay.imports.tests import hostile_files
from sahay.imports.tests.helpers import csv_bytes
from sahay.records.models import Person

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Case:
    build: Callable[[], bytes]
    file_name: str
    expected: tuple[str, ...]  # in what the user is told, compared without case and thousands separators
    limits: dict[str, int] = field(default_factory=dict)
    refused_whole: bool = True  # a problem of the file as a whole, else row errors
    unexpected: tuple[str, ...] = ()


CASES = {
    "row-jump": Case(  # item 18
        lambda: hostile_files.row_jump_xlsx(5_000),
        "people.xlsx",
        ("row 5000", "more than 100 rows"),
        {"SAHAY_IMPORT_MAX_ROWS": 100},
    ),
    "empty-rows-count": Case(  # item 18
        lambda: csv_bytes([hostile_files.PEOPLE_HEADER, *[[""]] * 150, ["ER-1", "female", ""]]),
        "people.csv",
        ("row 102", "more than 100 rows"),
        {"SAHAY_IMPORT_MAX_ROWS": 100},
    ),
    "shared-strings-count": Case(  # item 19
        lambda: hostile_files.shared_strings_bomb_xlsx(3_000),
        "people.xlsx",
        ("more than 1000 different texts", "shared strings"),
        {"SAHAY_IMPORT_MAX_SHARED_STRINGS": 1_000},
    ),
    "shared-strings-size": Case(  # item 19
        lambda: hostile_files.shared_strings_bomb_xlsx(3_000),
        "people.xlsx",
        ("shared strings", "10 kb"),
        {"SAHAY_IMPORT_MAX_SHARED_STRINGS_BYTES": 10_000},
    ),
    "unpacked-size": Case(  # item 19
        lambda: hostile_files.shared_strings_bomb_xlsx(20_000),
        "people.xlsx",
        ("unpacks to", "98 kb"),
        {"SAHAY_IMPORT_MAX_UNPACKED_BYTES": 100_000},
    ),
    "columns-flood": Case(  # item 20
        lambda: hostile_files.columns_flood_csv(10_000),
        "people.csv",
        ("row 2", "more than 50 columns"),
        {"SAHAY_IMPORT_MAX_COLUMNS": 50},
    ),
    "columns-flood-default-limits": Case(  # item 20
        lambda: hostile_files.columns_flood_csv(5 * 1024 * 1024),
        "people.csv",
        ("row 2", "more than 200 columns"),
    ),
    "control-characters": Case(  # item 21
        hostile_files.control_characters_csv,
        "people.csv",
        ("row 2, column 'code'", "row 2, column 'name'", "control character"),
        refused_whole=False,
    ),
    "control-characters-xlsx": Case(  # item 21
        hostile_files.control_characters_xlsx,
        "people.xlsx",
        ("row 2, column 'code'", "control character"),
        refused_whole=False,
    ),
    "long-cell": Case(  # item 22
        hostile_files.long_cell_csv,
        "people.csv",
        ("row 2, column 'name'", "longer than 10000 characters", "row 3, column 'sex'"),
        refused_whole=False,
        unexpected=("field limit",),
    ),
    "header-only": Case(  # item 23
        hostile_files.header_only_csv, "people.csv", ("no data rows",)
    ),
    "header-and-empty-rows": Case(  # item 23
        lambda: hostile_files.header_only_csv(3), "people.csv", ("no data rows",)
    ),
    "unknown-headers": Case(  # item 24
        hostile_files.unknown_headers_csv, "people.csv", ("“date_of_birth”", "“date of birth”")
    ),
    "xxe": Case(  # item 25
        hostile_files.xxe_xlsx, "people.xlsx", ("xml entity declaration",), unexpected=("cannot be opened", "root:")
    ),
    "billion-laughs": Case(  # item 25
        hostile_files.billion_laughs_xlsx, "people.xlsx", ("xml entity declaration",), unexpected=("cannot be opened",)
    ),
}


def cases() -> list[str]:
    return list(CASES)


def plain(text: str) -> str:
    return re.sub(r"(?<=\d),(?=\d{3})", "", text).casefold()


def told(result: ImportResult) -> str:
    return "\n".join([result.file_error, *(str(error) for error in result.errors)])


def check(case: Case, message: str) -> None:
    for expected in case.expected:
        assert plain(expected) in plain(message), message[:2000]
    for unexpected in case.unexpected:
        assert plain(unexpected) not in plain(message), message[:2000]
    assert Person.objects.count() == 0


@pytest.mark.parametrize("name", cases())
def test_a_hostile_file_is_refused_through_the_service(name: str, role_users: Any, organisations: Any, settings):
    case = CASES[name]
    for setting, value in case.limits.items():
        setattr(settings, setting, value)
    result = import_file(
        kind="people",
        organisation=organisations.partners["TH"],
        uploaded_by=role_users.partner_staff,
        data=case.build(),
        file_name=case.file_name,
    )
    assert not result.ok
    assert bool(result.file_error) == case.refused_whole, told(result)[:2000]
    check(case, told(result))


@pytest.mark.parametrize("name", cases())
def test_a_hostile_file_is_refused_through_the_command(
    name: str, role_users: Any, organisations: Any, settings, tmp_path: Path, capsys
):
    case = CASES[name]
    for setting, value in case.limits.items():
        setattr(settings, setting, value)
    path = tmp_path / case.file_name
    path.write_bytes(case.build())
    with pytest.raises(CommandError) as refused:
        call_command("import", str(path), kind="people", organisation="Test Partner TH", user="partner-th")
    check(case, f"{refused.value}\n{capsys.readouterr().err}")


def empty_lines_then_a_row(empty: int) -> bytes:
    return csv_bytes([hostile_files.PEOPLE_HEADER, *[[""]] * empty, ["PR-1", "female", ""]])


def test_progress_is_told_at_least_every_thousand_rows_read_empty_ones_included(role_users, organisations):
    calls: list[tuple[int, int | None]] = []
    import_file(
        kind="people",
        organisation=organisations.partners["TH"],
        uploaded_by=role_users.partner_staff,
        data=empty_lines_then_a_row(5_000),
        file_name="people.csv",
        dry_run=True,
        progress=lambda done, total: calls.append((done, total)),
    )
    done = [0] + [call[0] for call in calls]
    assert len(calls) >= 5
    assert all(0 < later - earlier <= 1_000 for earlier, later in pairwise(done))


def test_a_progress_that_raises_stops_the_write_and_writes_nothing(role_users, organisations):
    """The jobs runner stops a job past its time limit by raising from its progress: here, once writing began."""

    class TimeLimitPassedError(Exception):
        pass

    calls: list[int] = []

    def progress(done: int, total: int | None) -> None:
        if calls and done <= calls[-1]:  # counting again from the start: the file is read again to be written
            raise TimeLimitPassedError
        calls.append(done)

    with pytest.raises(TimeLimitPassedError):
        import_file(
            kind="people",
            organisation=organisations.partners["TH"],
            uploaded_by=role_users.partner_staff,
            data=empty_lines_then_a_row(2_500),
            file_name="people.csv",
            progress=progress,
        )
    assert Person.objects.count() == 0


def test_a_progress_that_raises_while_a_workbook_is_parsed_is_passed_on_as_it_is(role_users, organisations):
    """Even an error that looks like a damaged file's (a ValueError) stops the import as the caller raised it."""

    class StopNowError(ValueError):
        pass

    def progress(done: int, total: int | None) -> None:
        raise StopNowError

    with pytest.raises(StopNowError):
        import_file(
            kind="people",
            organisation=organisations.partners["TH"],
            uploaded_by=role_users.partner_staff,
            data=hostile_files.shared_strings_bomb_xlsx(60_000),  # some 120,000 elements: the parser ticks
            file_name="people.xlsx",
            progress=progress,
        )


def test_headers_of_collection_tools_and_of_the_error_file_are_known(role_users, organisations):
    rows = [
        ["Code", "Sex", "_id", "formhub/uuid", "SubmissionDate", "Errors"],
        ["KH-1", "female", "81", "abc", "2024-01-01", "Sex: not an allowed value."],
    ]
    result = import_file(
        kind="people",
        organisation=organisations.partners["TH"],
        uploaded_by=role_users.partner_staff,
        data=csv_bytes(rows),
        file_name="people.csv",
    )
    assert result.ok and result.created == 1, result.file_error


def test_the_row_jump_of_the_attack_is_refused_at_once_with_the_default_limits(role_users, organisations):
    result = import_file(
        kind="people",
        organisation=organisations.partners["TH"],
        uploaded_by=role_users.partner_staff,
        data=hostile_files.row_jump_xlsx(2_000_000_000),
        file_name="people.xlsx",
        dry_run=True,
    )
    assert "Row 2,000,000,000: the file has more than 200,000 rows" in result.file_error
