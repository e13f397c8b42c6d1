"""The engine benchmark of `make bench`, small: its data set and a whole run, so it cannot silently break again."""

from __future__ import annotations

import csv
import multiprocessing
from collections import Counter
from pathlib import Path

from benchmarks.dataset import generate


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
