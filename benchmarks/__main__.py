"""`make bench`: how long the dashboard's figures take on the demo data set, warm, per database.

Uses a throw-away database (SQLite under a temporary folder unless DATABASE_URL is set), loads the
demo data, then times `figure_table` for every period of the programme, per period and cumulative.
"""

import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="sahay-bench-"))
    os.environ.setdefault("SAHAY_VAR_DIR", str(workdir))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sahay.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from sahay.accounts.models import User
    from sahay.figures.selectors import figure_table, programme_periods
    from sahay.frameworks.selectors import current_programme

    call_command("demo", no_serve=True, verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    manager = User.objects.get(username="manager")
    programme = current_programme()
    assert programme is not None
    periods = programme_periods(programme)
    timings = []
    for _round in range(3):
        for period in periods:
            for cumulative in (False, True):
                started = time.perf_counter()
                figure_table(user=manager, programme=programme, period=period, cumulative=cumulative)
                timings.append(time.perf_counter() - started)
    tracemalloc.start()
    figure_table(user=manager, programme=programme, period=periods[-1], cumulative=True)
    _current, peak = tracemalloc.get_traced_memory()
    print(f"database: {connection.vendor}")
    print(f"dashboard tables computed: {len(timings)} (21 indicators x 9 countries each)")
    print(f"median {statistics.median(timings) * 1000:.1f} ms, max {max(timings) * 1000:.1f} ms")
    print(f"peak Python memory while computing: {peak / 2**20:.1f} MiB")


if __name__ == "__main__":
    sys.exit(main())
