"""Goal 19: pip-audit over requirements.lock, where a known vulnerability passes only under a dated waiver.

Run by `make security`. Fails when a vulnerability has no waiver, when a waiver has expired (so every
waiver is looked at again by its date) or is malformed. Packages the vulnerability service could not be
asked about are printed as NOT AUDITED; they fail the run only with SAHAY_AUDIT_REQUIRE_SERVICE=1, because
some machines (this project's CI among them) reach a package index that serves no vulnerability data.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WAIVERS = HERE / "pip-audit-waivers.txt"
LOCK = HERE.parent / "requirements.lock"
WAIVER_LINE = re.compile(r"^(?P<id>\S+)\s+until\s+(?P<until>\d{4}-\d{2}-\d{2})\s+(?P<reason>\S.*)$")


@dataclass(frozen=True)
class Waiver:
    vulnerability_id: str
    until: datetime.date
    reason: str


def parse_waivers(text: str) -> tuple[list[Waiver], list[str]]:
    """The waivers of a file (`ID  until YYYY-MM-DD  reason`, `#` comments) and its malformed lines."""
    waivers: list[Waiver] = []
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = WAIVER_LINE.match(line)
        if match is None:
            problems.append(f"waiver line {number} is not `ID  until YYYY-MM-DD  reason`: {raw.strip()}")
            continue
        try:
            until = datetime.date.fromisoformat(match["until"])
        except ValueError:
            problems.append(f"waiver line {number} has no valid date: {raw.strip()}")
            continue
        waivers.append(Waiver(match["id"], until, match["reason"].strip()))
    return waivers, problems


def judge(report: dict[str, Any], waivers: list[Waiver], today: datetime.date) -> tuple[list[str], list[str]]:
    """Problems that fail the audit, and the names of the packages that could not be audited."""
    problems = [
        f"waiver for {waiver.vulnerability_id} expired on {waiver.until.isoformat()}: look at it again"
        for waiver in waivers
        if waiver.until < today
    ]
    live = {waiver.vulnerability_id for waiver in waivers if waiver.until >= today}
    unaudited: list[str] = []
    for dependency in report.get("dependencies", []):
        if "skip_reason" in dependency:
            unaudited.append(dependency["name"])
            continue
        for vulnerability in dependency.get("vulns", []):
            names = {vulnerability["id"], *vulnerability.get("aliases", [])}
            if names & live:
                continue
            fixed = ", ".join(vulnerability.get("fix_versions", [])) or "no fixed version"
            problems.append(
                f"{dependency['name']} {dependency['version']}: {vulnerability['id']} ({fixed}) has no waiver"
            )
    return problems, unaudited


def run_pip_audit(lock: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as directory:
        output = Path(directory) / "audit.json"
        # --no-deps --disable-pip: the lock already pins every package, so nothing is resolved or installed.
        command = [sys.executable, "-m", "pip_audit", "-r", str(lock), "--no-deps", "--disable-pip"]
        command += ["--progress-spinner", "off", "-f", "json", "-o", str(output)]
        finished = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        if not output.exists():
            sys.exit(f"pip-audit produced no report:\n{finished.stderr}")
        report: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
        return report


def main() -> int:
    today = datetime.datetime.now(datetime.UTC).date()
    waivers, problems = parse_waivers(WAIVERS.read_text(encoding="utf-8"))
    report = run_pip_audit(LOCK)
    found, unaudited = judge(report, waivers, today)
    problems += found
    total = len(report.get("dependencies", []))
    for problem in problems:
        print(f"pip-audit: {problem}")
    if unaudited:
        print(
            f"pip-audit: NOT AUDITED: {len(unaudited)} of {total} packages: the vulnerability service gave no "
            "answer for them from this machine (its package index serves no per-version vulnerability data)"
        )
        if os.environ.get("SAHAY_AUDIT_REQUIRE_SERVICE") == "1":
            problems.append("packages not audited")
    if problems:
        return 1
    audited = total - len(unaudited)
    print(f"pip-audit: {audited} of {total} packages audited, 0 vulnerabilities without a live waiver")
    return 0


if __name__ == "__main__":
    sys.exit(main())
