"""`make bench` (load): 200 people at once against Sahay's production server on PostgreSQL, with no lost write.

`python -m benchmarks.loadtest` creates a throw-away database (`sahay_load` on 127.0.0.1:5432), loads the
demo into it, gives every virtual user a login of its own (a clone of a demo login, with its role, scope,
second factor and a personal API token; the demo's ten case workers play themselves, with their
caseloads), serves Sahay in the production profile with `sahay serve` (gunicorn, 2 x cores + 1 workers),
runs the scenario of `benchmarks/locustfile.py` headless, stops the server, checks that every write the
server acknowledged is in the database, prints the latency of each kind of request, and drops the database.
It fails on any failed request and on any lost write.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SERVER = "127.0.0.1"
POSTGRES = "postgres://postgres@127.0.0.1:5432"
# The share of each kind of virtual user; case work is the demo's ten case workers plus supervisor clones.
SHARES = {"programme": 0.25, "recorder": 0.30, "casework": 0.25, "donor": 0.20}
PROGRAMME_LOGINS = ("manager", "me.officer", "coordinator.np")
RECORDER_LOGINS = ("partner.th", "partner2.th")
CASES_PER_SEAT = 40
KNOWN_PEOPLE_PER_SEAT = 30


def postgres_admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(statement)  # DROP and CREATE of our own throw-away database


def development_environment(database_url: str, var_dir: Path) -> dict[str, str]:
    """The demo's own settings: what `sahay demo` needs, and the keys it leaves under var_dir."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("SAHAY_")}
    return {**environment, "DATABASE_URL": database_url, "SAHAY_VAR_DIR": str(var_dir)}


def production_environment(database_url: str, var_dir: Path) -> dict[str, str]:
    """The production profile, reading the demo's data with the encryption and audit keys the demo wrote it with."""
    return {
        **development_environment(database_url, var_dir),
        "SAHAY_PROFILE": "production",
        "SAHAY_SECRET_KEY": secrets.token_urlsafe(64),
        "SAHAY_ENCRYPTION_KEYS": (var_dir / "dev-encryption-key").read_text().strip(),
        "SAHAY_AUDIT_KEYS": (var_dir / "dev-audit-key").read_text().strip(),
        "SAHAY_ALLOWED_HOSTS": SERVER,
        # One proxy in front (the load test stands in for it): X-Forwarded-For names each virtual user.
        "SAHAY_TRUSTED_PROXIES": "1",
        # Kept between runs: collecting (hashing and compressing) takes minutes on two cores.
        "SAHAY_STATIC_ROOT": str(var_dir.parent / "loadtest-static"),
        # Sync workers keep their database connection between requests, as a production install would.
        "SAHAY_DB_CONN_MAX_AGE": "60",
    }


def seat_counts(users: int) -> dict[str, int]:
    counts = {kind: int(users * share) for kind, share in SHARES.items()}
    counts["recorder"] += users - sum(counts.values())
    return counts


def prepare_seats(users: int) -> dict[str, Any]:
    """One login per virtual user, with its second-factor key, its API token and what it works on."""
    import django

    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from sahay.accounts.access import DEMO_SET_UP, access_confirm_at_set_up
    from sahay.accounts.models import User
    from sahay.api.models import ApiToken
    from sahay.api.tokens import token_create
    from sahay.cases.models import Case
    from sahay.core.models import Country
    from sahay.demo.management.commands.demo import DEMO_PASSWORD
    from sahay.demo.second_factor import demo_totp_key, ensure_demo_devices
    from sahay.frameworks.models import Indicator
    from sahay.records.models import Person
    from sahay.reports.models import Report

    counts = seat_counts(users)
    expires_on = timezone.localdate() + timedelta(days=7)
    all_countries = sorted(Country.objects.filter(programmes__isnull=False).values_list("code", flat=True).distinct())
    approved_reports = list(Report.objects.filter(status=Report.Status.APPROVED).values_list("pk", flat=True))
    templates = {user.username: user for user in User.objects.select_related("role", "organisation")}
    case_workers = sorted(name for name in templates if name.startswith("caseworker."))
    supervisors = sorted(name for name in templates if name.startswith("supervisor."))

    def clone(template: str, number: int) -> User:
        original = templates[template]
        user = User.objects.create(
            username=f"load.{template}.{number}",
            role=original.role,
            country=original.country,
            organisation=original.organisation,
            password=original.password,  # the demo's hash of the demo password: no Argon2 run per clone
            first_name="Load",
            last_name=f"test {number}",
        )
        # Made by the load test's set-up, like the demo logins it copies: confirmed as such.
        access_confirm_at_set_up(user=user, by=DEMO_SET_UP)
        return user

    def seat(user: User, access: str = ApiToken.Access.READ, **extra: Any) -> dict[str, Any]:
        token = token_create(owner=user, name="load test", access=access, expires_on=expires_on)
        return {"username": user.username, "totp_key": demo_totp_key(user.username), "token": token.secret, **extra}

    seats: dict[str, list[dict[str, Any]]] = {kind: [] for kind in counts}
    with transaction.atomic():
        for number in range(counts["programme"]):
            template = PROGRAMME_LOGINS[number % len(PROGRAMME_LOGINS)]
            user = clone(template, number)
            countries = [user.country.code] if user.country else all_countries
            seats["programme"].append(seat(user, countries=countries))
        for number in range(counts["recorder"]):
            user = clone(RECORDER_LOGINS[number % len(RECORDER_LOGINS)], number)
            known = list(
                Person.objects.filter(organisation=user.organisation).order_by("pk").values_list("code", flat=True)
            )
            seats["recorder"].append(
                seat(
                    user,
                    ApiToken.Access.READ_WRITE,
                    organisation=user.organisation_id,
                    code_prefix=f"LOAD{number:03d}",
                    known_codes=known[number :: max(1, len(known) // KNOWN_PEOPLE_PER_SEAT)][:KNOWN_PEOPLE_PER_SEAT],
                )
            )
        for number in range(counts["casework"]):
            if number < len(case_workers):
                user = templates[case_workers[number]]
                cases = Case.objects.filter(case_worker=user)
            else:
                user = clone(supervisors[number % len(supervisors)], number)
                cases = Case.objects.filter(organisation=user.organisation)
            case_ids = list(cases.order_by("pk").values_list("public_id", flat=True)[:CASES_PER_SEAT])
            seats["casework"].append(seat(user, cases=case_ids))
        for number in range(counts["donor"]):
            seats["donor"].append(seat(clone("donor", number), reports=approved_reports))
        ensure_demo_devices(list(User.objects.filter(username__startswith="load.")))
    return {
        "password": DEMO_PASSWORD,
        "indicators": sorted(Indicator.objects.values_list("code", flat=True).distinct()),
        "seats": seats,
    }


def lost_writes(acknowledged: dict[str, list[Any]]) -> dict[str, int]:
    """How many acknowledged writes of each kind the database does not hold."""
    from django.db.models import Count

    from sahay.records.models import Activity, Participation, Person

    people = {(organisation, code) for organisation, code in acknowledged["people"]}
    found_people = set(
        Person.objects.filter(code__in=[code for _organisation, code in people]).values_list("organisation_id", "code")
    )
    activities = set(acknowledged["activities"])
    found_activities = set(Activity.objects.filter(public_id__in=activities).values_list("public_id", flat=True))
    held = dict(
        Participation.objects.filter(
            activity__public_id__in=[public_id for public_id, _n in acknowledged["participations"]]
        )
        .values("activity__public_id")
        .annotate(count=Count("pk"))
        .values_list("activity__public_id", "count")
    )
    missing_participations = sum(
        max(0, count - held.get(public_id, 0)) for public_id, count in acknowledged["participations"]
    )
    return {
        "people": len(people - found_people),
        "activities": len(activities - found_activities),
        "participations": missing_participations,
    }


def server_command(port: int, workers: int) -> list[str]:
    return [str(BIN / "sahay"), "serve", "--bind", f"{SERVER}:{port}", "--workers", str(workers)]


def wait_until_serving(port: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(f"http://{SERVER}:{port}/sign-in/", headers={"X-Forwarded-Proto": "https"})
    while time.monotonic() < deadline:
        try:
            # The first answer of each worker waits for Django to load.
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
                if answer.status == 200:
                    return
        except OSError:  # refused while starting, or timed out
            pass
        time.sleep(0.5)
    raise SystemExit(f"The server did not answer on port {port} within {timeout:.0f} s.")


def read_stats(csv_prefix: Path) -> list[dict[str, str]]:
    with (csv_prefix.parent / f"{csv_prefix.name}_stats.csv").open(newline="") as stats:
        return list(csv.DictReader(stats))


def print_table(rows: list[dict[str, str]], seconds: float) -> None:
    header = (
        f"{'request':<42} {'count':>7} {'fail':>5} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7} {'req/s':>6}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "all requests"
        print(
            f"{name[:42]:<42} {int(row['Request Count']):>7} {int(row['Failure Count']):>5} {row['50%']:>7} "
            f"{row['95%']:>7} {row['99%']:>7} {float(row['Max Response Time']):>7.0f} "
            f"{int(row['Request Count']) / seconds:>6.1f}"
        )


def run_load(args: argparse.Namespace, database_url: str, var_dir: Path) -> tuple[list[dict[str, str]], Any, float]:
    """Demo, logins, server, locust: the statistics, what the server acknowledged, and the seconds of load."""
    phase = time.monotonic()
    development = development_environment(database_url, var_dir)
    subprocess.run(  # noqa: S603 (our own commands, fixed arguments)
        [BIN / "sahay", "demo", "--no-serve"], env=development, check=True, stdout=subprocess.DEVNULL
    )
    print(f"Demo loaded in {time.monotonic() - phase:.0f} s.", flush=True)
    phase = time.monotonic()
    os.environ.update({key: development[key] for key in ("DATABASE_URL", "SAHAY_VAR_DIR")})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sahay.settings")
    seats_file = var_dir / "seats.json"
    seats_file.write_text(json.dumps(prepare_seats(args.users)))
    print(f"{args.users} logins with their second factor and API token made in {time.monotonic() - phase:.0f} s.")

    phase = time.monotonic()
    production = production_environment(database_url, var_dir)
    ready = subprocess.run(  # noqa: S603 (our own commands, fixed arguments)
        [BIN / "sahay", "serve", "--check"], env=production, check=False, capture_output=True
    )
    if ready.returncode != 0:
        subprocess.run(  # noqa: S603 (our own commands, fixed arguments)
            [BIN / "sahay", "collectstatic", "--noinput"], env=production, check=True, stdout=subprocess.DEVNULL
        )
    command = server_command(args.port, args.workers)
    with (var_dir / "server.log").open("wb") as server_log:
        server = subprocess.Popen(command, env=production, cwd=ROOT, stdout=server_log, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        wait_until_serving(args.port)
        print(f"Serving ({Path(command[0]).name} {' '.join(command[1:])}) after {time.monotonic() - phase:.0f} s.")
        print(f"Locust: {args.users} users, {args.spawn_rate:g} started a second, {args.run_time} s.", flush=True)
        csv_prefix = var_dir / "locust"
        acks_file = var_dir / "acknowledged.json"
        locust_started = time.monotonic()
        load_before = os.getloadavg()[0]
        subprocess.run(  # noqa: S603
            [
                BIN / "locust",
                "-f",
                ROOT / "benchmarks" / "locustfile.py",
                "--headless",
                "--only-summary",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(args.spawn_rate),
                "--run-time",
                f"{args.run_time}s",
                "--stop-timeout",
                "30",
                "--host",
                f"http://{SERVER}:{args.port}",
                "--csv",
                csv_prefix,
                "--loglevel",
                "WARNING",
            ],
            env={**os.environ, "LOAD_SEATS": str(seats_file), "LOAD_ACKS": str(acks_file)},
            check=False,  # failures are counted from the statistics
            stdout=subprocess.DEVNULL,
        )
        load_seconds = time.monotonic() - locust_started
        # The machine's load average over the last minute of the run (locust, server, database and anything
        # else the machine was doing), so figures from a busy machine are read as such.
        print(f"Load average: {load_before:.1f} before, {os.getloadavg()[0]:.1f} at the end.", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=60)
    return read_stats(csv_prefix), json.loads(acks_file.read_text()), load_seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=3, help="virtual users started per second")
    parser.add_argument("--run-time", type=int, default=180, help="seconds, ramp-up included")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--database", default="sahay_load")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "loadtest")
    args = parser.parse_args(argv)

    started = time.monotonic()
    database_url = f"{POSTGRES}/{args.database}"
    var_dir = args.out
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    postgres_admin(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
    postgres_admin(f'CREATE DATABASE "{args.database}"')
    try:
        rows, acknowledged, load_seconds = run_load(args, database_url, var_dir)
        lost = lost_writes(acknowledged)
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        postgres_admin(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')

    print()
    print_table(rows, load_seconds)
    total = next(row for row in rows if row["Name"] == "Aggregated")
    failures = int(total["Failure Count"])
    participations = sum(count for _public_id, count in acknowledged["participations"])
    print(
        f"\n{args.users} users, {args.workers} workers, {load_seconds:.0f} s of load, "
        f"{int(total['Request Count']) / load_seconds:.1f} requests/s, {failures} failed.\n"
        f"Acknowledged writes: {len(acknowledged['people'])} people, {len(acknowledged['activities'])} activities, "
        f"{participations} participations; lost: {sum(lost.values())} {lost}; "
        f"sent but never answered: {len(acknowledged['unanswered'])}.\n"
        f"Whole run: {time.monotonic() - started:.0f} s."
    )
    (var_dir / "summary.json").write_text(
        json.dumps({"rows": rows, "lost": lost, "load_seconds": load_seconds, "failures": failures}, indent=1)
    )
    if failures or sum(lost.values()):
        print(f"FAILED: {failures} failed requests, {sum(lost.values())} lost writes.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
