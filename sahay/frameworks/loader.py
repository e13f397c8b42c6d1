"""Reads a framework file and checks it against the schema, naming the file and the path of any problem."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError

from sahay.core.periods import Period
from sahay.figures.engine.rules import CountingRule, RuleError

SCHEMA_PATH = Path(__file__).parent / "data" / "framework.schema.json"


class FrameworkFileError(Exception):
    """A framework file that cannot be loaded: which file, where in it, and what is wrong."""

    def __init__(self, *, file_name: str, location: str, problem: str) -> None:
        self.file_name = file_name
        self.location = location
        self.problem = problem
        super().__init__(f"{file_name}: {location}: {problem}")


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


def _location(path: Any) -> str:
    parts = []
    for part in path:
        parts.append(f"[{part}]" if isinstance(part, int) else f".{part}")
    return "".join(parts).lstrip(".") or "(top level)"


def read_framework_file(path: Path) -> FrameworkFile:
    file_name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise FrameworkFileError(file_name=file_name, location="(file)", problem=str(error)) from error
    try:
        # Dates stay strings here: the schema checks their format, so YAML's own date parsing must not run.
        data = yaml.load(text, Loader=_StringDatesLoader)  # noqa: S506 - a SafeLoader subclass  # nosec B506
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        location = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        problem = getattr(error, "problem", None) or str(error)
        raise FrameworkFileError(
            file_name=file_name, location=location, problem=f"not valid YAML: {problem}"
        ) from error
    if not isinstance(data, dict):
        raise FrameworkFileError(file_name=file_name, location="(top level)", problem="expected a mapping of keys")
    errors = sorted(_validator().iter_errors(data), key=lambda error: list(error.absolute_path))
    if errors:
        first: SchemaError = errors[0]
        raise FrameworkFileError(file_name=file_name, location=_location(first.absolute_path), problem=first.message)
    _check_meaning(file_name, data)
    return FrameworkFile(file_name=file_name, text=text, data=data)


class _StringDatesLoader(yaml.SafeLoader):
    pass


# Drop the implicit timestamp resolver so `2017-01-01` stays the string the schema expects.
_StringDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


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
