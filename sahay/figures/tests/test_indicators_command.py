"""`sahay indicators`: the same data always prints the same bytes, in every format."""

import csv
import io
import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from sahay.records.services import Attendance, activity_save, participations_record, person_save

pytestmark = pytest.mark.django_db


def run(*args: str, **options) -> str:
    out = io.StringIO()
    call_command("indicators", *args, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def session(programme, role_users, organisations):
    recorder, nepal = role_users.me_officer, organisations.partners["NP"]
    child = person_save(saved_by=recorder, organisation=nepal, code="C", sex="male", birth_date=date(2009, 1, 1))
    activity = activity_save(
        saved_by=recorder, organisation=nepal, kind="community_meeting", title="m", date=date(2017, 5, 5)
    )
    participations_record(saved_by=recorder, activity=activity, attendances=[Attendance(child)])


@pytest.mark.parametrize("output", ["table", "csv", "json"])
def test_the_same_data_prints_byte_identical_output(session, output) -> None:
    first = run(period="2017-H1", format=output)
    assert first == run(period="2017-H1", format=output)


def test_rows_per_indicator_and_country_plus_the_programme(session) -> None:
    rows = list(csv.DictReader(io.StringIO(run(period="2017-H1", format="csv"))))
    assert len(rows) == 21 * 10
    assert list(rows[0]) == ["code", "name", "country", "period", "figure", "target", "progress", "status"]
    by_key = {(row["code"], row["country"]): row for row in rows}
    assert by_key[("OUT-1", "NP")]["figure"] == "1" and by_key[("PREV-1", "NP")]["figure"] == "1"
    assert by_key[("PREV-1", "programme")]["target"] == "11000"
    cumulative = json.loads(run(period="2017-H2", cumulative=True, country="NP", format="json"))
    assert {row["country"] for row in cumulative} == {"NP"}
    assert next(row for row in cumulative if row["code"] == "OUT-1")["period"] == "2017-01-01..2017-H2"


def test_a_bad_period_or_country_is_named(session) -> None:
    with pytest.raises(CommandError, match="is not a period"):
        run(period="2017-H3")
    with pytest.raises(CommandError, match="not a country of"):
        run(period="2017-H1", country="FR")
