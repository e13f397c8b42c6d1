"""`make bench` (imports): how fast a spreadsheet is checked, and how much memory that takes, as files grow.

Writes participations files of 10,000 and 100,000 rows (people and activities exist already) and times
`import_file(..., dry_run=True)`: every row read and validated, references looked up, nothing written. Each
size runs in a process of its own, so its peak memory is its own. Runs on DATABASE_URL (a throw-away SQLite
file when unset).
"""

from __future__ import annotations

import argparse
import csv
import io
import multiprocessing
import os
import resource
import tempfile
import time
from datetime import date
from pathlib import Path

SIZES = (10_000, 100_000)
PEOPLE = 20_000
ACTIVITIES = 500


def _setup() -> None:
    import django

    django.setup()


def prepare() -> None:
    """Migrate, load the framework, and record the people and activities the files refer to."""
    _setup()
    from django.conf import settings
    from django.core.management import call_command

    from sahay.accounts.models import Role, User
    from sahay.core.models import Country, Organisation
    from sahay.frameworks.services import framework_load
    from sahay.imports.models import ImportedRecord
    from sahay.records.models import Activity, Person

    call_command("migrate", verbosity=0, interactive=False)
    framework_load(path=settings.SAHAY_DEFAULT_FRAMEWORK)
    country = Country.objects.get(code="TH")
    organisation, _created = Organisation.objects.get_or_create(
        name="Bench partner", defaults={"kind": Organisation.Kind.PARTNER, "country": country}
    )
    User.objects.get_or_create(
        username="bench-importer",
        defaults={"role": Role.objects.get(code="partner_staff"), "organisation": organisation, "country": country},
    )
    if not Person.objects.filter(organisation=organisation).exists():
        Person.objects.bulk_create(
            Person(organisation=organisation, country=country, code=f"P{number:06d}", sex="female")
            for number in range(PEOPLE)
        )
        activities = Activity.objects.bulk_create(
            Activity(
                organisation=organisation,
                country=country,
                kind="awareness_session",
                title=f"Session {number}",
                date=date(2017, 3, 1),
            )
            for number in range(ACTIVITIES)
        )
        ImportedRecord.objects.bulk_create(
            ImportedRecord(organisation=organisation, kind="activities", external_id=f"S{number:04d}", object_id=a.pk)
            for number, a in enumerate(activities)
        )


def participations_file(rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["activity id", "person code", "attended", "completed"])
    for number in range(rows):
        # Every (activity, person) pair once: a file a partner could really send.
        writer.writerow([f"S{number % ACTIVITIES:04d}", f"P{(number // ACTIVITIES) % PEOPLE:06d}", "yes", "no"])
    return out.getvalue().encode("utf-8")


def measure(rows: int, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    _setup()
    from sahay.accounts.models import User
    from sahay.core.models import Organisation
    from sahay.imports.services import import_file

    data = participations_file(rows)
    organisation = Organisation.objects.get(name="Bench partner")
    user = User.objects.get(username="bench-importer")
    started = time.perf_counter()
    result = import_file(
        kind="participations",
        organisation=organisation,
        uploaded_by=user,
        data=data,
        file_name="bench.csv",
        dry_run=True,
    )
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results.put((rows, elapsed, peak_mb, result.error_count, len(data)))


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.imports")
    parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="sahay-bench-imports-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ.setdefault("SAHAY_VAR_DIR", str(workdir))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sahay.settings")
    os.environ.setdefault("SAHAY_IMPORT_MAX_ROWS", "1000000")
    context = multiprocessing.get_context("spawn")
    preparing = context.Process(target=prepare)
    preparing.start()
    preparing.join()
    database = os.environ["DATABASE_URL"].split(":", 1)[0]
    print(f"Import validation on {database} (participations, {PEOPLE:,} people, {ACTIVITIES} activities)")
    for rows in SIZES:
        results: multiprocessing.Queue = context.Queue()  # type: ignore[type-arg]
        process = context.Process(target=measure, args=(rows, results))
        process.start()
        size, elapsed, peak_mb, errors, file_bytes = results.get()
        process.join()
        print(
            f"  {size:>7,} rows ({file_bytes / 1e6:.1f} MB): {elapsed:6.2f} s, {size / elapsed:>8,.0f} rows/s, "
            f"peak memory {peak_mb:,.0f} MB, {errors} errors"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
