"""The hostile-file benchmark of `make bench` (goal 29), small: the same code, so it cannot silently rot.

Small files under small limits (the environment settings of the imports), through the import page of a real
`sahay serve` (embedded runner), through `sahay import` (the three files that cost most, as each is a process of
its own) and through the page with a Celery worker on Redis; each must be refused within the benchmark's bounds.
"""

from __future__ import annotations

import io
import socket
from pathlib import Path

import pytest

from benchmarks.hostile import DEFAULT_BROKER, SMALL_LIMITS, SMALL_SIZES, Bench, failures, run, table

COSTLY = ("row-jump", "shared-strings-bomb", "columns-flood")


def test_every_hostile_file_is_refused_within_the_bounds_through_the_page_the_command_and_a_worker(
    tmp_path: Path,
) -> None:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.fail(f"This test needs Redis at {DEFAULT_BROKER}: start it (the suite never skips).")
    log = io.StringIO()
    bench = Bench(
        workdir=tmp_path,
        sizes=SMALL_SIZES,
        settings=SMALL_LIMITS,
        command_files=COSTLY,
        max_seconds=60,  # most of it the command's start on a busy machine
        max_megabytes=150,
        log=log,
    )
    measures = run(bench)
    files = {measure.file for measure in measures}
    assert set(COSTLY) <= files and len(files) >= 10  # the whole corpus
    assert {(measure.channel, measure.file) for measure in measures} == {
        *((channel, name) for channel in ("page", "worker") for name in files),
        *(("command", name) for name in COSTLY),
    }
    assert failures(bench, measures) == [], table(measures) + "\n" + log.getvalue()[-3000:]
