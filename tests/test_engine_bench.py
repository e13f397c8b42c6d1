"""The engine benchmark of `make bench`, small: its data set and a whole run, so it cannot silently break again."""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

from django.conf import settings

from benchmarks.dataset import generate
from sahay.core.periods import semesters_between
from sahay.frameworks.loader import read_framework_file

ROOT = Path(__file__).resolve().parent.parent


def test_a_small_data_set_is_generated(tmp_path: Path) -> None:
    process = multiprocessing.get_context("spawn").Process(target=generate, args=(tmp_path, 1500))
    process.start()
    process.join(timeout=30)  # a second or two when it works
    if process.is_alive():
        process.terminate()
        process.join()
    assert process.exitcode == 0, "generating 1,500 people did not finish within 30 s"


def test_no_household_has_the_same_member_twice(tmp_path: Path) -> None:
    generate(tmp_path, 2100)  # a size whose draws once gave a person twice to one household
    with (tmp_path / "householdmember.csv").open(encoding="utf-8", newline="") as handle:
        memberships = Counter((row["household_id"], row["person_id"]) for row in csv.DictReader(handle))
    assert [pair for pair, times in memberships.items() if times > 1] == []


def test_a_small_run_of_the_engine_benchmark_agrees_with_duckdb_on_every_figure_of_the_framework(
    tmp_path: Path,
) -> None:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sahay.settings",
        # A throw-away SQLite database, whatever database the suite itself runs on.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite3'}",
        "SAHAY_VAR_DIR": str(tmp_path / "var"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])),
    }
    run = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-m", "benchmarks", "--people", "2000", "--data", str(tmp_path / "data")],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout)
    assert (report["database"], report["people"], report["disagreements"]) == ("sqlite", 2000, 0)
    framework = read_framework_file(settings.SAHAY_DEFAULT_FRAMEWORK).data
    programme = framework["programme"]
    semesters = semesters_between(date.fromisoformat(programme["start"]), date.fromisoformat(programme["end"]))
    places = len(programme["countries"]) + 1  # and the programme as a whole
    windows = 2 * len(semesters)  # each semester, and cumulative to its end
    assert report["framework_figures"] == len(framework["indicators"]) * places * windows
