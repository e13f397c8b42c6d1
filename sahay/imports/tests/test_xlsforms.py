"""Field forms: every XLSForm converts with pyxform, carries no names, and its KoboToolbox/ODK export imports."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from pyxform.xls2xform import convert

from sahay.imports.services import import_file
from sahay.imports.tests.helpers import csv_bytes
from sahay.imports.xlsforms import FORMS, FieldForm, xlsform
from sahay.records.models import Activity, Person, Service
from sahay.records.services import person_save

pytestmark = pytest.mark.django_db

# What a form's submission holds for each field, as a phone would send it.
ANSWERS = {
    "activity_id": "SESSION-7",
    "person_code": "TH-0001",
    "attended": "yes",
    "completed": "no",
    "kind": "medical",
    "household_code": "",
    "start": "2017-02-01",
    "end": "2017-02-20",
    "education_support": "",
    "provider": "District clinic",
    "date": "2017-04-02",
}
# Columns KoboToolbox and ODK Central add to every export; Sahay ignores them.
EXPORT_EXTRAS = {"start": "2017-04-02T09:00:00", "_id": "81", "_submission_time": "2017-04-02T10:00:00"}


@pytest.mark.parametrize("form_id", sorted(FORMS))
def test_every_form_converts_with_pyxform_and_asks_no_name(form_id: str) -> None:
    form = FORMS[form_id]
    warnings: list[str] = []
    xform = convert(xlsform=io.BytesIO(xlsform(form)), warnings=warnings, file_type=".xlsx").xform
    assert "meta" in xform and "instanceID" in xform
    for key in form.fields:
        assert f"/data/{form.group}/{key}" in xform
    assert "name" not in form.fields and "outcome" not in form.fields
    assert "Dutch (nl)" in xform  # labelled in both languages


def kobo_export(form: FieldForm, instance: str, overrides: dict[str, str] | None = None) -> bytes:
    """A submissions export as KoboToolbox writes it: group paths, meta/instanceID, its own extra columns."""
    answers = {**ANSWERS, **dict(form.fixed), **(overrides or {})}
    keys = [*form.fields, *(key for key, _value in form.fixed)]
    header = [*EXPORT_EXTRAS, *(f"{form.group}/{key}" for key in keys), "meta/instanceID"]
    row = [*EXPORT_EXTRAS.values(), *(answers[key] for key in keys), f"uuid:{instance}"]
    return csv_bytes([header, row], delimiter=";")


def imported(form: FieldForm, user: Any, organisation: Any, data: bytes) -> Any:
    result = import_file(
        kind=form.kind.name, organisation=organisation, uploaded_by=user, data=data, file_name="export.csv"
    )
    assert result.ok, [str(error) for error in result.errors] or result.file_error
    return result


def test_each_forms_export_imports_and_importing_it_again_changes_nothing(role_users: Any, organisations: Any) -> None:
    user, partner = role_users.partner_staff, organisations.partners["TH"]
    person_save(saved_by=user, organisation=partner, code="TH-0001", sex="female", birth_date=date(2008, 5, 1))
    report = kobo_export(FORMS["community-report"], "b7f1")
    assert imported(FORMS["community-report"], user, partner, report).created == 1
    assert imported(FORMS["community-report"], user, partner, report).unchanged == 1
    assert Activity.objects.filter(kind="community_report", organisation=partner).count() == 1

    service = kobo_export(FORMS["service-delivery"], "c2a9")
    assert imported(FORMS["service-delivery"], user, partner, service).created == 1
    assert imported(FORMS["service-delivery"], user, partner, service).unchanged == 1
    assert Service.objects.get(organisation=partner).person == Person.objects.get(code="TH-0001")

    # The session the attendance refers to was imported with its own id.
    session = csv_bytes(
        [["external id", "kind", "title", "date"], ["SESSION-7", "awareness_session", "Session", "2017-04-02"]]
    )
    import_file(kind="activities", organisation=partner, uploaded_by=user, data=session, file_name="sessions.csv")
    attendance = kobo_export(FORMS["attendance"], "d4e0")
    assert imported(FORMS["attendance"], user, partner, attendance).created == 1
    assert imported(FORMS["attendance"], user, partner, attendance).unchanged == 1
