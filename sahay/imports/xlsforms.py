"""XLSForms for field collection with KoboToolbox or ODK Central, made from the import kinds' own columns.

A collection server sits outside the organisation: the forms carry codes and never names, and no free-text
field about a child. A submission's `meta/instanceID` becomes the record's external id, so exporting the
submissions again and importing them changes nothing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from openpyxl import Workbook

from sahay.imports.columns import Column, ColumnType, ImportKind
from sahay.imports.kinds import KINDS

LANGUAGES = (("English (en)", "en"), ("Dutch (nl)", "nl"))
YES_NO = "yes_no"


@dataclass(frozen=True)
class FieldForm:
    form_id: str  # also the name `sahay xlsform` and the import page use
    title_en: str
    title_nl: str
    kind: ImportKind
    group: str  # the fields sit in one group, as forms usually do: exports then name them group/field
    fields: tuple[str, ...]  # column keys, in the order asked
    fixed: tuple[tuple[str, str], ...] = ()  # columns the form fills in itself (calculate)


FORMS = {
    form.form_id: form
    for form in (
        FieldForm(
            "attendance",
            "Awareness session attendance",
            "Aanwezigheid bij een voorlichtingssessie",
            KINDS["participations"],
            "attendance",
            ("activity_id", "person_code", "attended", "completed"),
        ),
        FieldForm(
            "service-delivery",
            "Service delivery",
            "Geleverde dienst",
            KINDS["services"],
            "service",
            ("kind", "person_code", "household_code", "start", "end", "education_support", "provider"),
        ),
        FieldForm(
            "community-report",
            "Community report to the authorities",
            "Melding door de gemeenschap bij de autoriteiten",
            KINDS["activities"],
            "report",
            ("date",),
            # A typed title could name a child: the form gives every report the same one.
            fixed=(("kind", "community_report"), ("title", "Community report")),
        ),
    )
}

XLSFORM_TYPES = {
    ColumnType.TEXT: "text",
    ColumnType.CODE: "text",
    ColumnType.INTEGER: "integer",
    ColumnType.DATE: "date",
}


def _field_type(column: Column) -> str:
    if column.type == ColumnType.CHOICE:
        return f"select_one {column.key}"
    if column.type == ColumnType.CHOICES:
        return f"select_multiple {column.key}"
    if column.type == ColumnType.BOOLEAN:
        return f"select_one {YES_NO}"
    return XLSFORM_TYPES[column.type]


def xlsform(form: FieldForm) -> bytes:
    """The form as an XLSForm workbook: survey, choices and settings, labelled in English and Dutch."""
    book = Workbook()
    survey = book.active
    assert survey is not None  # a new workbook has its sheet  # noqa: S101
    survey.title = "survey"
    labels = [f"label::{name}" for name, _code in LANGUAGES]
    hints = [f"hint::{name}" for name, _code in LANGUAGES]
    survey.append(["type", "name", *labels, *hints, "required", "calculation"])
    survey.append(["begin_group", form.group, form.title_en, form.title_nl, "", "", "", ""])
    for key in form.fields:
        column = form.kind.column(key)
        survey.append(
            [
                _field_type(column),
                column.key,
                column.header_en,
                column.header_nl,
                column.help_en,
                column.help_nl,
                "yes" if column.required else "",
                "",
            ]
        )
    for key, value in form.fixed:
        survey.append(["calculate", key, "", "", "", "", "", f"'{value}'"])
    survey.append(["end_group", "", "", "", "", "", "", ""])

    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", *labels])
    listed = [form.kind.column(key) for key in form.fields]
    for column in listed:
        for choice in column.choices:
            choices.append([column.key, choice.value, choice.label_en, choice.label_nl])
    if any(column.type == ColumnType.BOOLEAN for column in listed):
        choices.append([YES_NO, "yes", "Yes", "Ja"])
        choices.append([YES_NO, "no", "No", "Nee"])

    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "default_language", "version"])
    settings.append([form.title_en, f"sahay_{form.form_id.replace('-', '_')}", LANGUAGES[0][0], "1"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
