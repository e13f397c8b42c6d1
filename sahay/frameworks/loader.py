"""Reads a framework file and checks it against the schema, naming the file and the path of any problem."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from sahay.core.datafiles import DataFileError, parse_yaml, read_text, schema_problem
from sahay.core.periods import Period
from sahay.figures.engine.rules import CountingRule, RuleError

SCHEMA_PATH = Path(__file__).parent / "data" / "framework.schema.json"


class FrameworkFileError(DataFileError):
    """A framework file that cannot be loaded: which file, where in it, and what is wrong."""


@dataclass(frozen=True)
class FrameworkFile:
    file_name: str
    text: str
    data: dict[str, Any]


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def read_framework_file(path: Path) -> FrameworkFile:
    file_name = path.name
    text = read_text(path, FrameworkFileError)
    data = parse_yaml(text, file_name, FrameworkFileError)
    if not isinstance(data, dict):
        raise FrameworkFileError(file_name=file_name, location="(top level)", problem="expected a mapping of keys")
    problem = schema_problem(_validator(), data)
    if problem is not None:
        raise FrameworkFileError(file_name=file_name, location=problem[0], problem=problem[1])
    _check_meaning(file_name, data)
    return FrameworkFile(file_name=file_name, text=text, data=data)


def _check_meaning(file_name: str, data: dict[str, Any]) -> None:
    """What a schema cannot say: references between parts of the file, and dates in order."""

    def fail(location: str, problem: str) -> None:
        raise FrameworkFileError(file_name=file_name, location=location, problem=problem)

    programme = data["programme"]
    start, end = date.fromisoformat(programme["start"]), date.fromisoformat(programme["end"])
    if end <= start:
        fail("programme.end", f"{end} is not after the start {start}")
    if programme["thresholds"]["at_risk"] > programme["thresholds"]["on_track"]:
        fail("programme.thresholds.at_risk", "must not be above on_track")
    countries = set(programme["countries"])

    strategy_codes: set[str] = set()
    for index, strategy in enumerate(data["strategies"]):
        if strategy["code"] in strategy_codes:
            fail(f"strategies[{index}].code", f"“{strategy['code']}” is used twice")
        strategy_codes.add(strategy["code"])

    indicator_codes: set[str] = set()
    for index, indicator in enumerate(data["indicators"]):
        where = f"indicators[{index}]"
        if indicator["code"] in indicator_codes:
            fail(f"{where}.code", f"“{indicator['code']}” is used twice")
        indicator_codes.add(indicator["code"])
        try:
            CountingRule.parse(indicator["rule"], f"{where}.rule")
        except RuleError as error:
            fail(error.location, error.problem)
        for language, text in indicator.get("statement", {}).items():
            try:
                text.format(place="", value="")
            except (KeyError, IndexError, ValueError):
                fail(f"{where}.statement.{language}", "may hold only the placeholders {place} and {value}")
        if indicator["strategy"] not in strategy_codes:
            fail(
                f"{where}.strategy", f"“{indicator['strategy']}” is not one of the strategies {sorted(strategy_codes)}"
            )
        for target_index, target in enumerate(indicator.get("targets", [])):
            target_where = f"{where}.targets[{target_index}]"
            if "country" in target and target["country"] not in countries:
                fail(f"{target_where}.country", f"“{target['country']}” is not a programme country")
            if "period" in target:
                period = Period.parse(target["period"])
                if period.end < start or period.start > end:
                    fail(f"{target_where}.period", f"{period} lies outside the programme period")
