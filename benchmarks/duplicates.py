"""`make bench` (duplicates): how long finding probable duplicates among 20,000 people of one organisation takes.

The names are synthetic syllable pairs, so many are alike and the comparison does real work. Runs on a
throw-away SQLite file unless DATABASE_URL is set.
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import date
from pathlib import Path

PEOPLE = 20_000
SYLLABLES = ["ra", "him", "sa", "ki", "ta", "mo", "na", "li", "de", "vi", "ku", "mar", "so", "pa", "an", "jo"]


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="sahay-bench-duplicates-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ.setdefault("SAHAY_VAR_DIR", str(workdir))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sahay.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from sahay.accounts.models import Role, User
    from sahay.core.models import Country, Organisation
    from sahay.frameworks.services import framework_load
    from sahay.records.duplicates import duplicate_candidates
    from sahay.records.models import Person

    call_command("migrate", verbosity=0, interactive=False)
    framework_load(path=settings.SAHAY_DEFAULT_FRAMEWORK)
    country = Country.objects.get(code="NP")
    organisation, _created = Organisation.objects.get_or_create(
        name="Bench duplicates partner", defaults={"kind": Organisation.Kind.PARTNER, "country": country}
    )
    user, _created = User.objects.get_or_create(
        username="bench-duplicates",
        defaults={"role": Role.objects.get(code="partner_staff"), "organisation": organisation, "country": country},
    )
    Person.objects.filter(organisation=organisation).delete()
    Person.objects.bulk_create(
        (
            Person(
                organisation=organisation,
                country=country,
                code=f"P{number}",
                sex=["female", "male"][number % 2],
                birth_date=date(2000 + number % 18, 1 + number % 12, 1 + number % 28),
                name=f"{SYLLABLES[number % 16]}{SYLLABLES[(number // 16) % 16]} "
                f"{SYLLABLES[(number // 256) % 16]}{SYLLABLES[(number // 4096) % 16]}a",
            )
            for number in range(PEOPLE)
        ),
        batch_size=2000,
    )
    started = time.perf_counter()
    pairs = duplicate_candidates(organisation=organisation, user=user)
    elapsed = time.perf_counter() - started
    database = os.environ["DATABASE_URL"].split(":", 1)[0]
    print(f"Probable duplicates on {database}: {PEOPLE:,} people, {len(pairs):,} pairs, {elapsed:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
