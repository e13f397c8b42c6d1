"""Load the benchmark's CSV files into Sahay's database (the one DATABASE_URL names)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction

from benchmarks.dataset import COUNTRIES
from sahay.core.models import Country, Organisation
from sahay.records.models import (
    Activity,
    ExternalOrganisation,
    Household,
    HouseholdMember,
    Participation,
    Person,
    PersonRole,
    Service,
    TrackedItem,
    TrackedItemStatus,
)

ReachedOrganisation = Activity.reached_organisations.through
CREATED = "2020-01-01 00:00:00+00:00"  # when each loaded person was recorded: the column has no default


class LoadError(Exception):
    """The loader no longer matches the models: which table and column."""


def _rows(folder: Path, name: str) -> Iterator[list[str]]:
    with (folder / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        yield from reader


def _insert(model: type[models.Model], given: list[str], rows: Iterable[list[Any]]) -> None:
    """Write rows of `given` columns into the model's table: COPY on PostgreSQL, batched executemany on SQLite.

    Every other column takes what the model gives a new row (NULL, its default, or the empty string of a blank
    text field), so a column added to a model later does not break the load. A new column that needs a value
    of its own (required, or unique) stops the load, naming it.
    """
    table = model._meta.db_table
    fields = {field.column: field for field in model._meta.concrete_fields}
    unknown = [column for column in given if column not in fields]
    if unknown:
        raise LoadError(f"{table} has no column {', '.join(unknown)}: benchmarks/load.py is behind the models")
    others = [field for column, field in fields.items() if column not in given]
    lacking = [field.column for field in others if not _takes_a_common_value(field)]
    if lacking:
        raise LoadError(f"benchmarks/load.py gives no value for {table}.{', '.join(lacking)}, which needs one")
    filler = [field.get_db_prep_save(field.get_default(), connection) for field in others]
    columns = ", ".join(connection.ops.quote_name(column) for column in [*given, *(f.column for f in others)])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([*row, *filler])
            # Later inserts through the ORM need the table's sequence past the loaded ids.
            for statement in connection.ops.sequence_reset_sql(no_style(), [model]):
                cursor.execute(statement)
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * (len(given) + len(others)))})"
        batch: list[list[Any]] = []
        for row in rows:
            batch.append([*row, *filler])
            if len(batch) == 20_000:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def _takes_a_common_value(field: models.Field[Any, Any]) -> bool:
    """Whether every loaded row may share what the model gives a new one: not for unique or required columns."""
    if field.unique:
        return False
    return field.null or field.has_default() or (field.blank and field.empty_strings_allowed)


def _none(value: str) -> str | None:
    return value or None


def load(folder: Path) -> dict[int, int]:
    """Returns the country id of each country position (1-based), for the engine's grouping."""
    with transaction.atomic():
        netherlands = Country.objects.get(code="NL")
        head = Organisation.objects.create(name="Bench head office", kind="head_office", country=netherlands)
        partners: dict[int, int] = {}
        countries: dict[int, int] = {}
        for position, code in enumerate(COUNTRIES, start=1):
            country = Country.objects.get(code=code)
            office = Organisation.objects.create(
                name=f"Bench office {code}", kind="country_office", country=country, parent=head
            )
            partners[position] = Organisation.objects.create(
                name=f"Bench partner {code}", kind="partner", country=country, parent=office
            ).pk
            countries[position] = country.pk

        _insert(
            Person,
            [
                "id",
                "public_id",
                "organisation_id",
                "code",
                "sex",
                "birth_date",
                "turns_12_on",
                "turns_18_on",
                "country_id",
                "created_at",
            ],
            (
                [
                    int(i),
                    f"b{i}",
                    partners[int(c)],
                    code,
                    sex,
                    _none(born),
                    _none(t12),
                    _none(t18),
                    countries[int(c)],
                    CREATED,
                ]
                for i, c, code, sex, born, t12, t18 in _rows(folder, "person")
            ),
        )
        _insert(
            PersonRole,
            ["id", "person_id", "role", "profession", "start", "end"],
            ([int(i), int(p), r, prof, s, _none(e)] for i, p, r, prof, s, e in _rows(folder, "personrole")),
        )
        _insert(
            Activity,
            [
                "id",
                "public_id",
                "organisation_id",
                "country_id",
                "kind",
                "campaign_kind",
                "training_topic",
                "title",
                "date",
            ],
            (
                [int(i), f"a{i}", partners[int(c)], countries[int(c)], k, ck, t, k, d]
                for i, c, k, ck, t, d in _rows(folder, "activity")
            ),
        )
        _insert(
            Participation,
            ["id", "activity_id", "person_id", "attended", "completed"],
            ([int(i), int(a), int(p), a_ == "1", c == "1"] for i, a, p, a_, c in _rows(folder, "participation")),
        )
        _insert(
            Household,
            ["id", "public_id", "organisation_id", "code", "country_id"],
            ([int(i), f"h{i}", partners[int(c)], code, countries[int(c)]] for i, c, code in _rows(folder, "household")),
        )
        _insert(
            HouseholdMember,
            ["id", "household_id", "person_id"],
            ([int(i), int(h), int(p)] for i, h, p in _rows(folder, "householdmember")),
        )
        _insert(
            Service,
            [
                "id",
                "public_id",
                "kind",
                "education_support",
                "person_id",
                "household_id",
                "organisation_id",
                "start",
                "end",
            ],
            (
                [int(i), f"s{i}", k, e, _none(p), _none(h), partners[int(c)], s, _none(end)]
                for i, c, k, e, p, h, s, end in _rows(folder, "service")
            ),
        )
        _insert(
            ExternalOrganisation,
            ["id", "recorded_by_id", "name", "kind", "sector", "country_id"],
            (
                [int(i), partners[int(c)], n, k, s, countries[int(c)]]
                for i, c, k, s, n in _rows(folder, "externalorganisation")
            ),
        )
        _insert(
            ReachedOrganisation,
            ["id", "activity_id", "externalorganisation_id"],
            ([int(i), int(a), int(e)] for i, a, e in _rows(folder, "reached")),
        )
        _insert(
            TrackedItem,
            ["id", "public_id", "kind", "organisation_id", "country_id", "title", "company_id"],
            (
                [int(i), f"t{i}", k, partners[int(c)], countries[int(c)], k, _none(co)]
                for i, c, k, co in _rows(folder, "trackeditem")
            ),
        )
        _insert(
            TrackedItemStatus,
            ["id", "item_id", "status", "reached_on"],
            ([int(i), int(it), s, d] for i, it, s, d in _rows(folder, "trackeditemstatus")),
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return countries
