"""`make bench`: the indicator engine on a large data set, checked against DuckDB.

Measures, on the database DATABASE_URL names (a throw-away SQLite file when unset), first with every
figure counted live from the records, then with the figure ledger built from nothing (timed):
  (a) every figure of the framework, for every country and the programme, for every semester,
      per period and cumulative, with sex and age disaggregation for counts of people;
  (b) the programme manager's dashboard and a country page, warm;
  (c) one new participation: the time until the figures show it;
  (d) recording a session of 40 people, and the process's peak memory.
The same figures are computed by DuckDB from hand-written SQL over the same files; any disagreement, live
or from the ledger, fails.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from benchmarks.dataset import generate_once

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 28)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--data", type=Path, default=None, help="where the CSV files are kept between runs")
    options = parser.parse_args()
    folder = options.data or ROOT / "var" / f"bench-data-{options.people}"

    started = time.perf_counter()
    # Generated in another process, so this one's peak memory is Sahay's alone.
    process = multiprocessing.get_context("spawn").Process(target=generate_once, args=(folder, options.people))
    process.start()
    process.join()
    if process.exitcode:
        return process.exitcode
    generated = time.perf_counter() - started
    counts = json.loads((folder / "complete.json").read_text())

    workdir = Path(tempfile.mkdtemp(prefix="sahay-bench-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ.setdefault("SAHAY_VAR_DIR", str(workdir))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sahay.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from benchmarks import duck
    from benchmarks.load import load
    from sahay.core.models import Country
    from sahay.core.periods import semesters_between
    from sahay.figures.engine.counting import Window, tally
    from sahay.figures.engine.rules import CountingRule
    from sahay.figures.ledger.build import ledger_rebuild
    from sahay.figures.ledger.models import LedgerRow, LedgerRule
    from sahay.frameworks.services import framework_load

    call_command("migrate", verbosity=0)
    programme = framework_load(path=settings.SAHAY_DEFAULT_FRAMEWORK).programme
    started = time.perf_counter()
    load(folder)
    loaded = time.perf_counter() - started
    codes = dict(Country.objects.values_list("pk", "code"))
    indicators = [
        (indicator.code, CountingRule.parse(indicator.counting_rule)) for indicator in programme.indicators.all()
    ]
    windows = []
    for semester in semesters_between(programme.start, programme.end):
        windows += [
            (semester.code, Window(semester.start, semester.end)),
            (f"..{semester.code}", Window(programme.start, semester.end)),
        ]
    # Every figure the framework defines: each indicator, for each of its countries and the programme, in each
    # window. A figure without records is 0, on both sides of the comparison.
    places = [*programme.countries.values_list("code", flat=True), "programme"]
    nepal = Country.objects.get(code="NP")
    session = Session.set_up(nepal)

    def measure(phase: str) -> tuple[dict[str, dict[tuple[str, str], int]], dict[str, float]]:
        """(a) to (c) and a session of 40 people, as the figures are read in this phase."""
        engine: dict[str, dict[tuple[str, str], int]] = {}
        started = time.perf_counter()
        for label, window in windows:
            figures = {(code, place): 0 for code, _rule in indicators for place in places}
            for code, rule in indicators:
                for grouping in ("country", "programme"):
                    results = tally(
                        rule, window=window, today=TODAY, grouping=grouping, disaggregate=rule.counts_people
                    )
                    for key, result in results.items():
                        figures[(code, "programme" if key is None else codes[key])] = int(result.value or 0)
            engine[label] = figures
        framework_seconds = time.perf_counter() - started
        dashboard, country = _dashboard_and_country_page(programme, nepal)
        return engine, {
            "framework_seconds": round(framework_seconds, 2),
            "dashboard_warm_ms": round(dashboard * 1000),
            "country_page_warm_ms": round(country * 1000),
            "new_participation_to_figure_ms": round(session.new_participation(programme, phase) * 1000),
            "session_of_40_ms": round(session.record_40() * 1000, 1),
        }

    # Before the ledger: every figure counted live from the records (no rule has a ledger).
    LedgerRule.objects.all().delete()
    live_figures, before = measure("live")
    # Building the ledger from nothing, with progress.
    started = time.perf_counter()
    ledger_rebuild(progress=_progress)
    built = time.perf_counter() - started
    build_peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ledger_figures, after = measure("ledger")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # DuckDB over the same files, from hand-written SQL
    started = time.perf_counter()
    database = duck.connect(folder)
    duck_load = time.perf_counter() - started
    started = time.perf_counter()
    reference = {label: duck.figures(database, window.start, window.end, TODAY) for label, window in windows}
    duck_seconds = time.perf_counter() - started
    disagreements = [
        (phase, label, key, engine[label].get(key, 0), reference[label].get(key, 0))
        for phase, engine in (("live", live_figures), ("ledger", ledger_figures))
        for label in reference
        for key in sorted(set(reference[label]) | set(engine[label]))
        if engine[label].get(key, 0) != reference[label].get(key, 0)
    ]
    for measured in (before, after):
        measured["ratio_to_duckdb"] = round(measured["framework_seconds"] / duck_seconds, 1)

    report = {
        "database": connection.vendor,
        "people": options.people,
        "records": counts,
        "generate_seconds": round(generated, 1),
        "load_seconds": round(loaded, 1),
        "framework_figures": sum(len(figures) for figures in ledger_figures.values()),
        "duckdb_seconds": round(duck_seconds, 2),
        "duckdb_load_seconds": round(duck_load, 1),
        "before_ledger": before,
        "ledger_build_seconds": round(built, 1),
        "ledger_rows": LedgerRow.objects.count(),
        "ledger_build_peak_memory_mib": round(build_peak_mib),
        "with_ledger": after,
        "session_of_40_extra_ms": round(after["session_of_40_ms"] - before["session_of_40_ms"], 1),
        "peak_memory_mib": round(peak_mib),
        "disagreements": len(disagreements),
    }
    print(json.dumps(report, indent=2))
    for phase, label, key, ours, theirs in disagreements[:20]:
        print(f"DISAGREE ({phase}) {label} {key}: engine {ours}, DuckDB {theirs}", file=sys.stderr)
    return 1 if disagreements else 0


def _progress(done: int, total: int) -> None:
    print(f"building the ledger: {done:,} of {total:,} records", file=sys.stderr, flush=True)


def _dashboard_and_country_page(programme, country) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """The programme manager's dashboard and a country page (period and cumulative), warm: medians of 3."""
    from sahay.accounts.models import ScopeKind
    from sahay.accounts.scope import Scope
    from sahay.core.periods import Period
    from sahay.figures.selectors import figure_table_in_scope

    scope = Scope(ScopeKind.ALL)
    last = Period.parse("2019-H2")
    figure_table_in_scope(scope=scope, programme=programme, period=last, cumulative=True)
    dashboard_times, country_times = [], []
    for _ in range(3):
        started = time.perf_counter()
        figure_table_in_scope(scope=scope, programme=programme, period=last, cumulative=True)
        dashboard_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        for cumulative in (False, True):
            figure_table_in_scope(scope=scope, programme=programme, period=last, cumulative=cumulative, country=country)
        country_times.append(time.perf_counter() - started)
    return statistics.median(dashboard_times), statistics.median(country_times)


class Session:
    """A partner's recorder, and 40 children of theirs, for the write measurements."""

    def __init__(self, recorder, partner, children) -> None:  # type: ignore[no-untyped-def]
        self.recorder, self.partner, self.children = recorder, partner, children

    @classmethod
    def set_up(cls, country) -> Session:  # type: ignore[no-untyped-def]
        from sahay.accounts.access import TEST_SET_UP, access_confirm_at_set_up
        from sahay.accounts.models import Role, User
        from sahay.core.models import Organisation
        from sahay.records.services import person_save

        partner = Organisation.objects.get(name=f"Bench partner {country.code}")
        recorder = User.objects.create(username="bench-recorder", role=Role.objects.get(code="me_officer"))
        access_confirm_at_set_up(user=recorder, by=TEST_SET_UP)
        children = [
            person_save(
                saved_by=recorder,
                organisation=partner,
                code=f"SESSION-{number}",
                sex="female" if number % 2 else "male",
                birth_date=date(2008, 1 + number % 12, 1 + number % 28),
            )
            for number in range(40)
        ]
        return cls(recorder, partner, children)

    def record_40(self) -> float:
        """Recording a session of 40 people (the activity exists already): the median of 3, each rolled back."""
        from django.db import transaction

        from sahay.records.services import Attendance, activity_save, participations_record

        times = []
        for _ in range(3):
            with transaction.atomic():
                activity = activity_save(
                    saved_by=self.recorder,
                    organisation=self.partner,
                    kind="awareness_session",
                    title="Session of 40",
                    date=date(2018, 4, 4),
                )
                started = time.perf_counter()
                participations_record(
                    saved_by=self.recorder,
                    activity=activity,
                    attendances=[Attendance(child) for child in self.children],
                )
                times.append(time.perf_counter() - started)
                transaction.set_rollback(True)
        return statistics.median(times)

    def new_participation(self, programme, phase: str) -> float:  # type: ignore[no-untyped-def]
        """Record one child at an awareness session and time until PREV-1 for the country and semester moves."""
        from django.db import transaction

        from sahay.figures.engine.counting import Window, tally
        from sahay.figures.engine.rules import CountingRule
        from sahay.records.services import Attendance, activity_save, participations_record, person_save

        country = self.partner.country
        rule = CountingRule.parse(programme.indicators.get(code="PREV-1").counting_rule)
        window = Window(date(2018, 1, 1), date(2018, 6, 30))
        # Rolled back afterwards, so the figures compared with DuckDB stay those of the files.
        with transaction.atomic():
            counted = tally(rule, window=window, today=TODAY, grouping="country")
            before = counted[country.pk].value if country.pk in counted else 0  # a small data set may have none
            child = person_save(
                saved_by=self.recorder,
                organisation=self.partner,
                code=f"NEW-CHILD-{phase}",
                sex="female",
                birth_date=date(2009, 2, 2),
            )
            activity = activity_save(
                saved_by=self.recorder,
                organisation=self.partner,
                kind="awareness_session",
                title="New session",
                date=date(2018, 3, 3),
            )
            started = time.perf_counter()
            participations_record(saved_by=self.recorder, activity=activity, attendances=[Attendance(child)])
            after = tally(rule, window=window, today=TODAY, grouping="country")[country.pk].value
            elapsed = time.perf_counter() - started
            transaction.set_rollback(True)
        if after != (before or 0) + 1:
            raise SystemExit(f"the new participation did not show: {before} -> {after}")
        return elapsed


if __name__ == "__main__":
    sys.exit(main())
