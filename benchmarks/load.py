"""Load the benchmark's CSV files into Sahay's database (the one DATABASE_URL names)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from benchmarks.dataset import COUNTRIES
from sahay.core.models import Country, Organisation


def _rows(folder: Path, name: str) -> Iterator[list[str]]:
    with (folder / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        yield from reader


def _insert(table: str, columns: list[str], rows: Iterator[list[Any]]) -> None:
    """COPY on PostgreSQL, batched executemany on SQLite; empty strings in date or id columns are NULL."""
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({quoted}) VALUES ({', '.join(['%s'] * len(columns))})"
        batch: list[list[Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) == 20_000:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def _none(value: str) -> str | None:
    return value or None


def load(folder: Path) -> dict[int, int]:
    """Returns the organisation id of each country position (1-based), for the engine's grouping."""
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

        def person_rows() -> Iterator[list[object]]:
            for person_id, country, code, sex, born, turns_12, turns_18 in _rows(folder, "person"):
                position = int(country)
                yield [
                    int(person_id),
                    f"b{person_id}",
                    partners[position],
                    code,
                    sex,
                    _none(born),
                    _none(turns_12),
                    _none(turns_18),
                    countries[position],
                    "",
                    "",
                    "",
                    "2020-01-01 00:00:00+00:00",
                ]

        _insert(
            "records_person",
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
                "name",
                "contact",
                "address",
                "created_at",
            ],
            person_rows(),
        )
        _insert(
            "records_personrole",
            ["id", "person_id", "role", "profession", "start", "end"],
            ([int(i), int(p), r, prof, s, _none(e)] for i, p, r, prof, s, e in _rows(folder, "personrole")),
        )
        _insert(
            "records_activity",
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
            "records_participation",
            ["id", "activity_id", "person_id", "attended", "completed"],
            ([int(i), int(a), int(p), a_ == "1", c == "1"] for i, a, p, a_, c in _rows(folder, "participation")),
        )
        _insert(
            "records_household",
            ["id", "public_id", "organisation_id", "code", "country_id", "address"],
            (
                [int(i), f"h{i}", partners[int(c)], code, countries[int(c)], ""]
                for i, c, code in _rows(folder, "household")
            ),
        )
        _insert(
            "records_householdmember",
            ["id", "household_id", "person_id"],
            ([int(i), int(h), int(p)] for i, h, p in _rows(folder, "householdmember")),
        )
        _insert(
            "records_service",
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
                "provider",
                "outcome",
            ],
            (
                [int(i), f"s{i}", k, e, _none(p), _none(h), partners[int(c)], s, _none(end), "", ""]
                for i, c, k, e, p, h, s, end in _rows(folder, "service")
            ),
        )
        _insert(
            "records_externalorganisation",
            ["id", "recorded_by_id", "name", "kind", "sector", "country_id"],
            (
                [int(i), partners[int(c)], n, k, s, countries[int(c)]]
                for i, c, k, s, n in _rows(folder, "externalorganisation")
            ),
        )
        _insert(
            "records_activity_reached_organisations",
            ["id", "activity_id", "externalorganisation_id"],
            ([int(i), int(a), int(e)] for i, a, e in _rows(folder, "reached")),
        )
        _insert(
            "records_trackeditem",
            ["id", "public_id", "kind", "organisation_id", "country_id", "title", "company_id"],
            (
                [int(i), f"t{i}", k, partners[int(c)], countries[int(c)], k, _none(co)]
                for i, c, k, co in _rows(folder, "trackeditem")
            ),
        )
        _insert(
            "records_trackeditemstatus",
            ["id", "item_id", "status", "reached_on"],
            ([int(i), int(it), s, d] for i, it, s, d in _rows(folder, "trackeditemstatus")),
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # later inserts through the ORM need the sequences past the ids
            for table in (
                "records_person",
                "records_personrole",
                "records_activity",
                "records_participation",
                "records_household",
                "records_householdmember",
                "records_service",
                "records_externalorganisation",
                "records_activity_reached_organisations",
                "records_trackeditem",
                "records_trackeditemstatus",
            ):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return countries
