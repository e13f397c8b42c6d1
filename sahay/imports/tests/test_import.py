"""Importing files: round trips per kind, all-or-nothing, idempotency, real-world files, scope and period locks."""

from __future__ import annotations

import codecs
import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from sahay.core.models import Country
from sahay.imports.kinds import KINDS
from sahay.imports.models import ImportedRecord
from sahay.imports.services import import_file
from sahay.imports.templates_files import template_file
from sahay.imports.tests.helpers import csv_bytes, template_rows, xlsx_bytes, xlsx_rows
from sahay.records.models import (
    Activity,
    AggregateReach,
    ExternalOrganisation,
    Household,
    OffenderDetails,
    Participation,
    Person,
    PersonRole,
    Service,
    TrackedItem,
)
from sahay.reports.models import PeriodReview

pytestmark = pytest.mark.django_db


def run(role_users, organisations, kind, data, name="file.csv", **options):
    return import_file(
        kind=kind,
        organisation=organisations.partners["TH"],
        uploaded_by=role_users.partner_staff,
        data=data,
        file_name=name,
        **options,
    )


def imported(role_users, organisations, kind, rows, name="file.xlsx"):
    data = xlsx_bytes(rows) if name.endswith("xlsx") else csv_bytes(rows)
    result = run(role_users, organisations, kind, data, name)
    assert result.ok, [str(error) for error in result.errors] or result.file_error
    return result


def prerequisites(role_users, organisations, kind):
    """The people and activities the example rows of `kind` refer to."""
    if kind in ("households", "participations", "services"):
        header, example = template_rows("people")
        second = list(example)
        second[0] = "TH-0002"
        imported(role_users, organisations, "people", [header, example, second])
    if kind in ("participations", "aggregate-reach"):
        imported(role_users, organisations, "activities", template_rows("activities"))


COUNTS = {
    "people": lambda: Person.objects.count(),
    "households": lambda: Household.objects.count(),
    "organisations": lambda: ExternalOrganisation.objects.count(),
    "activities": lambda: Activity.objects.count(),
    "participations": lambda: Participation.objects.count(),
    "services": lambda: Service.objects.count(),
    "aggregate-reach": lambda: AggregateReach.objects.count(),
    "offenders": lambda: OffenderDetails.objects.count(),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_round_trip_template_fill_import_and_again(role_users, organisations, kind, file_format):
    prerequisites(role_users, organisations, kind)
    before = COUNTS[kind]()
    rows = template_rows(kind, "nl" if file_format == "csv" else "en")
    name = f"{kind}.{file_format}"
    first = imported(role_users, organisations, kind, rows, name)
    assert (first.created, first.updated, first.unchanged) == (1, 0, 0)
    assert COUNTS[kind]() == before + 1
    again = imported(role_users, organisations, kind, rows, name)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert COUNTS[kind]() == before + 1


def test_a_changed_row_updates_and_counts(role_users, organisations):
    header, example = template_rows("activities")
    imported(role_users, organisations, "activities", [header, example])
    changed = list(example)
    changed[header.index("Title")] = "Training for head teachers"
    other = list(example)
    other[0] = "SESSION-2024-002"
    result = imported(role_users, organisations, "activities", [header, changed, other])
    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    assert set(Activity.objects.values_list("title", flat=True)) == {
        "Training for head teachers",
        "Training for teachers",
    }
    assert ImportedRecord.objects.filter(kind="activities").count() == 2


def test_offender_status_and_details_are_written(role_users, organisations):
    imported(role_users, organisations, "offenders", template_rows("offenders"))
    item = TrackedItem.objects.get(kind="offender")
    assert item.offender.offender_kind == "travelling"
    assert item.offender.nationality == "NL"
    assert list(item.statuses.values_list("status", "reached_on")) == [("arrested", date(2024, 4, 2))]


@pytest.fixture
def ten_thousand_people(organisations):
    # Built in bulk: the test is about the import of participations, not about saving people.
    partner = organisations.partners["TH"]
    Person.objects.bulk_create(
        Person(organisation=partner, country=partner.country, code=f"P{number:05d}", public_id=f"pid{number}")
        for number in range(10_000)
    )


def test_ten_thousand_rows_with_one_bad_row_write_nothing(role_users, organisations, ten_thousand_people):
    imported(role_users, organisations, "activities", template_rows("activities"))
    header = ["Activity id", "Person code", "Attended", "Completed"]
    rows = [header] + [["SESSION-2024-001", f"P{number:05d}", "yes", "no"] for number in range(10_000)]
    rows[5_001][1] = "NOBODY"  # row 5,002 of the file
    data = csv_bytes(rows)
    result = run(role_users, organisations, "participations", data)
    assert not result.ok
    assert result.error_count == 1
    error = result.errors[0]
    assert (error.row, error.column, error.value) == (5_002, "Person code", "NOBODY")
    assert "not found in Test Partner TH" in str(error)
    assert Participation.objects.count() == 0
    assert result.error_file is not None

    rows[5_001][1] = "P05000"
    corrected = csv_bytes(rows)
    result = run(role_users, organisations, "participations", corrected)
    assert (result.ok, result.created, result.unchanged) == (True, 10_000, 0), [str(e) for e in result.errors[:3]]
    assert Participation.objects.count() == 10_000

    again = run(role_users, organisations, "participations", corrected)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 10_000)
    assert Participation.objects.count() == 10_000


def test_every_error_is_reported_with_row_column_and_value(role_users, organisations):
    header = ["Code", "Sex", "Date of birth", "Estimated year of birth"]
    rows = [header, ["A1", "female", "31-02-2017", ""], ["A2", "alien", "2017-03-31", "x"], ["A3", "male", "", ""]]
    result = run(role_users, organisations, "people", csv_bytes(rows))
    assert result.error_count == 3
    messages = [str(error) for error in result.errors]
    assert messages[0] == ("Row 2, column 'Date of birth' (“31-02-2017”): not a date. Write 2017-03-31 or 31-03-2017.")
    assert "Row 3, column 'Sex' (“alien”)" in messages[1]
    assert "Row 3, column 'Estimated year of birth' (“x”)" in messages[2]
    assert Person.objects.count() == 0


def test_rows_with_the_same_key_are_errors(role_users, organisations):
    rows = [["Code"], ["A"], ["B"], ["A"], ["a"], ["B"], ["A"]]
    result = run(role_users, organisations, "people", csv_bytes(rows))
    assert sorted(str(error) for error in result.errors) == [
        "Row 4: same Code as row 2.",
        "Row 6: same Code as row 3.",
        "Row 7: same Code as row 2.",
    ]
    assert Person.objects.count() == 0


def test_dry_run_counts_and_writes_nothing(role_users, organisations):
    calls = []
    result = run(
        role_users,
        organisations,
        "people",
        xlsx_bytes(template_rows("people")),
        "p.xlsx",
        dry_run=True,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert (result.ok, result.dry_run, result.created) == (True, True, 1)
    assert calls == [(1, 1)]
    assert Person.objects.count() == 0


def test_partner_staff_cannot_import_for_another_organisation(role_users, organisations):
    with pytest.raises(PermissionDenied):
        import_file(
            kind="people",
            organisation=organisations.partners["NP"],
            uploaded_by=role_users.partner_staff,
            data=csv_bytes(template_rows("people")),
            file_name="people.csv",
        )
    assert Person.objects.count() == 0


def test_a_person_of_another_organisation_is_not_found(role_users, organisations):
    imported(role_users, organisations, "activities", template_rows("activities"))
    Person.objects.create(
        organisation=organisations.partners["TH2"], country=organisations.partners["TH2"].country, code="OTHER"
    )
    rows = [["Activity id", "Person code"], ["SESSION-2024-001", "OTHER"]]
    result = run(role_users, organisations, "participations", csv_bytes(rows))
    assert str(result.errors[0]) == "Row 2, column 'Person code' (“OTHER”): not found in Test Partner TH."


# Real files


PEOPLE = [["Code", "Sex", "Date of birth"], ["R1", "female", "2015-06-01"], ["R2", "male", "01-02-2014"]]


def test_utf8_with_byte_order_mark(role_users, organisations):
    imported_count = run(role_users, organisations, "people", codecs.BOM_UTF8 + csv_bytes(PEOPLE)).created
    assert imported_count == 2


def test_utf16_with_byte_order_mark(role_users, organisations):
    data = csv_bytes([*PEOPLE, ["R3", "other", "", ""]], delimiter="\t", encoding="utf-16")
    assert data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE)
    assert run(role_users, organisations, "people", data).created == 3


def test_semicolons_and_windows_1252(role_users, organisations):
    rows = [["Code", "Naam", "Geboortedatum"], ["R1", "Zoë", "31/03/2017"]]
    result = run(role_users, organisations, "people", csv_bytes(rows, delimiter=";", encoding="cp1252"))
    assert result.ok and result.created == 1
    person = Person.objects.get(code="R1")
    assert (person.name, person.birth_date) == ("Zoë", date(2017, 3, 31))


def test_excel_date_cells_and_serial_numbers(role_users, organisations):
    rows = [["Code", "Date of birth"], ["D1", date(2016, 5, 4)], ["D2", 42825], ["D3", "42825"]]
    result = run(role_users, organisations, "people", xlsx_bytes(rows), "people.xlsx")
    assert result.ok, [str(error) for error in result.errors]
    births = dict(Person.objects.values_list("code", "birth_date"))
    assert births == {"D1": date(2016, 5, 4), "D2": date(2017, 3, 31), "D3": date(2017, 3, 31)}


def test_text_dates(role_users, organisations):
    rows = [["Code", "Date of birth"], ["T1", "2017-03-31"], ["T2", "31-03-2017"], ["T3", "31/03/2017"]]
    imported(role_users, organisations, "people", rows, "people.csv")
    assert set(Person.objects.values_list("birth_date", flat=True)) == {date(2017, 3, 31)}


def test_dutch_headers_any_case_and_spaces(role_users, organisations):
    rows = [["  CODE ", "geslacht", " Geboortedatum"], ["N1", "Vrouwelijk", "2015-01-01"]]
    imported(role_users, organisations, "people", rows, "people.csv")
    assert Person.objects.get(code="N1").sex == "female"


def test_trailing_empty_rows_are_ignored(role_users, organisations):
    rows = [*PEOPLE, ["", "", ""], [None, None, None]]
    assert imported(role_users, organisations, "people", rows, "people.xlsx").created == 2
    assert imported(role_users, organisations, "people", [*PEOPLE, ["", "", ""], [",,"]], "people.csv").unchanged == 2


def test_formula_cells_stay_text_and_are_neutralised_in_the_error_file(role_users, organisations):
    rows = [["Code", "Sex", "Name"], ['=HYPERLINK("http://x")', "female", "=1+1"], ["F2", "bad", "ok"]]
    result = run(role_users, organisations, "people", csv_bytes(rows))
    assert result.error_count == 1
    text = result.error_file.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'=1+1" in text
    assert text.splitlines()[0].endswith("Errors")
    rows[2][1] = "male"
    imported(role_users, organisations, "people", rows, "people.csv")
    assert Person.objects.get(code__startswith="=").name == "=1+1"


def test_xlsx_text_cells_starting_with_equals_stay_text(role_users, organisations):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Code", "Sex", "Name"])
    sheet.append(["E1", "alien", "x"])
    cell = sheet.cell(row=2, column=3)
    cell.value, cell.data_type = "=cmd|' /C calc'!A0", "s"  # a text cell, as Excel saves a quoted formula
    output = io.BytesIO()
    workbook.save(output)
    result = run(role_users, organisations, "people", output.getvalue(), "people.xlsx")
    assert xlsx_rows(result.error_file)[1][2] == "'=cmd|' /C calc'!A0"


def test_xlsx_error_file_has_errors_beside_rows_in_dutch(role_users, organisations):
    rows = [["Code", "Geslacht"], ["X1", "vrouwelijk"], ["X2", "onbekend?"]]
    result = run(role_users, organisations, "people", xlsx_bytes(rows), "mensen.xlsx")
    assert result.error_file_name == "mensen-errors.xlsx"
    lines = xlsx_rows(result.error_file)
    assert lines[0] == ["Code", "Geslacht", "Fouten"]
    assert lines[1][2] in ("", None)
    assert "Geslacht" in lines[2][2]


@override_settings(SAHAY_IMPORT_MAX_BYTES=100)
def test_an_oversized_file_is_refused(role_users, organisations):
    result = run(role_users, organisations, "people", csv_bytes(PEOPLE * 10))
    assert "the largest file that can be imported is" in result.file_error
    assert Person.objects.count() == 0


@override_settings(SAHAY_IMPORT_MAX_ROWS=2)
def test_too_many_rows_are_refused(role_users, organisations):
    result = run(role_users, organisations, "people", csv_bytes([*PEOPLE, ["R3", "male", ""]]))
    assert "more than 2 rows" in result.file_error


def test_missing_columns_are_named_once_in_both_languages(role_users, organisations):
    result = run(role_users, organisations, "activities", csv_bytes([["Title"], ["x"]]))
    assert "“External id” (Dutch: “Extern id”)" in result.file_error
    assert "“Date” (Dutch: “Datum”)" in result.file_error


def test_kobo_headers_map(role_users, organisations):
    rows = [
        [
            "start",
            "end",
            "deviceid",
            "person/code",
            "person/sex",
            "person/roles",
            "person/roles_from",
            "meta/instanceID",
            "_submission_time",
        ],
        ["2024-01-01", "2024-01-01", "abc", "K1", "female", "caregiver community_member", "2024-01-15", "uuid:1", "x"],
    ]
    imported(role_users, organisations, "people", rows, "kobo.csv")
    assert set(PersonRole.objects.filter(person__code="K1").values_list("role", flat=True)) == {
        "caregiver",
        "community_member",
    }
    services = [
        ["start", "group_a/kind", "group_a/person_code", "group_a/start", "meta/instanceID"],
        ["2024-03-05T09:00:00", "medical", "K1", "2024-02-01", "uuid:abc"],
    ]
    imported(role_users, organisations, "services", services, "kobo.csv")
    assert ImportedRecord.objects.get(kind="services").external_id == "uuid:abc"
    assert Service.objects.get().start == date(2024, 2, 1)  # the form's start, not Kobo's own
    assert imported(role_users, organisations, "services", services, "kobo.csv").unchanged == 1


def test_a_row_in_an_approved_half_year_needs_a_reason(role_users, organisations, programme):
    PeriodReview.objects.create(
        programme=programme,
        country=Country.objects.get(code="TH"),
        period_code="2024-H1",
        status=PeriodReview.Status.APPROVED,
    )
    rows = template_rows("activities")
    result = run(role_users, organisations, "activities", xlsx_bytes(rows), "a.xlsx")
    assert result.error_count == 1
    assert "2024-H1" in str(result.errors[0]) and "reason" in str(result.errors[0])
    assert Activity.objects.count() == 0
    result = run(role_users, organisations, "activities", xlsx_bytes(rows), "a.xlsx", correction_reason="Late report")
    assert result.ok and Activity.objects.count() == 1


def test_a_future_date_and_end_before_start(role_users, organisations):
    header = ["External id", "Kind", "Title", "Date", "End date"]
    future = (date.today() + timedelta(days=3)).isoformat()  # noqa: DTZ011
    rows = [header, ["S1", "campaign", "C", future, ""], ["S2", "training", "T", "2024-03-01", "2024-02-01"]]
    result = run(role_users, organisations, "activities", csv_bytes(rows))
    columns = sorted((error.row, error.column) for error in result.errors)
    assert columns == [(2, "Campaign kind"), (2, "Date"), (3, "End date"), (3, "Training topic")]


def test_templates_have_lists_instructions_and_dutch(role_users):
    data = template_file(KINDS["services"], "xlsx", "nl")
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["Data", "Lijsten", "Uitleg"]
    assert workbook["Lijsten"].sheet_state == "hidden"
    assert workbook["Data"].data_validations.dataValidation
    assert workbook["Data"]["A1"].value == "Extern id"
    csv_template = template_file(KINDS["services"], "csv", "en")
    assert csv_template.startswith(codecs.BOM_UTF8)


def test_commands(role_users, organisations, tmp_path, capsys):
    out = tmp_path / "people.csv"
    call_command("import_template", kind="people", format="csv", out=str(out))
    call_command("import", str(out), kind="people", organisation="Test Partner TH", user="partner-th", dry_run=True)
    assert "Would create 1" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([["Code", "Sex"], ["B1", "alien"]]))
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="1 errors"):
        call_command(
            "import",
            str(bad),
            kind="people",
            organisation="Test Partner TH",
            user="partner-th",
            errors_out=str(tmp_path / "errors.csv"),
        )
    assert "Row 2, column 'Sex'" in capsys.readouterr().err
    assert (tmp_path / "errors.csv").exists()


def test_an_import_neither_reveals_nor_sets_an_identity_the_uploader_may_not_see(
    role_users: Any, organisations: Any
) -> None:
    from sahay.records.services import person_save

    partner = organisations.partners["TH"]
    person = person_save(
        saved_by=role_users.partner_staff, organisation=partner, code="TH-77", sex="female", name="Synthetic Name"
    )
    person.identity_erased_at = timezone.now()  # an erased identity stays erased
    person.name = ""
    person.save()
    rows = [["code", "sex", "name"], ["TH-77", "female", "Synthetic Name"]]
    result = import_file(
        kind="people",
        organisation=partner,
        uploaded_by=role_users.partner_staff,
        data=csv_bytes(rows),
        file_name="people.csv",
        dry_run=True,
    )
    assert not result.ok
    assert "may not set the name" in str(result.errors[0])
    person.refresh_from_db()
    assert person.name == ""


def test_a_workbook_that_unpacks_to_far_more_than_its_size_is_refused(role_users: Any, organisations: Any) -> None:
    import zipfile

    bomb = io.BytesIO()
    with (
        zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/sharedStrings.xml", "w") as member,
    ):
        for _chunk in range(20):
            member.write(b"\0" * (1024 * 1024))
    result = import_file(
        kind="people",
        organisation=organisations.partners["TH"],
        uploaded_by=role_users.partner_staff,
        data=bomb.getvalue(),
        file_name="people.xlsx",
    )
    assert "unpacks to 20 MB" in result.file_error


def test_a_damaged_file_is_said_to_be_so(role_users: Any, organisations: Any) -> None:
    damaged = xlsx_bytes([["code", "sex"], ["TH-1", "female"]])[:-200]
    result = import_file(
        kind="people",
        organisation=organisations.partners["TH"],
        uploaded_by=role_users.partner_staff,
        data=damaged,
        file_name="people.xlsx",
    )
    assert (
        result.file_error.startswith("The file cannot be opened as an Excel workbook") or "damaged" in result.file_error
    )
