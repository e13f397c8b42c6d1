"""Reading the YAML and JSON files people write for Sahay (a results framework, a DHIS2 mapping), with every
error saying which file, where in it, and what is wrong."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator


class DataFileError(Exception):
    """A file that cannot be used: which file, where in it, and what is wrong."""

    def __init__(self, *, file_name: str, location: str, problem: str) -> None:
        self.file_name = file_name
        self.location = location
        self.problem = problem
        super().__init__(f"{file_name}: {location}: {problem}")


class PlainLoader(yaml.SafeLoader):
    """Safe YAML without implicit dates: `2017-01-01` stays the text written, which the schema checks."""


PlainLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_text(path: Path, error: type[DataFileError] = DataFileError) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as failure:
        raise error(file_name=path.name, location="(file)", problem=str(failure)) from failure


def parse_yaml(text: str, file_name: str, error: type[DataFileError] = DataFileError) -> Any:
    try:
        return yaml.load(text, Loader=PlainLoader)  # noqa: S506 - a SafeLoader subclass  # nosec B506
    except yaml.YAMLError as failure:
        mark = getattr(failure, "problem_mark", None)
        location = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        problem = getattr(failure, "problem", None) or str(failure)
        raise error(
            file_name=file_name, location=location, problem=_("not valid YAML: %(problem)s") % {"problem": problem}
        ) from failure


def parse_json(text: str, file_name: str, error: type[DataFileError] = DataFileError) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as failure:
        raise error(
            file_name=file_name,
            location=f"line {failure.lineno}, column {failure.colno}",
            problem=_("not valid JSON: %(problem)s") % {"problem": failure.msg},
        ) from failure


def location_of(path: Iterable[Any]) -> str:
    """A place in the data as one writes it: `dataElements[3].indicator`."""
    parts = [f"[{part}]" if isinstance(part, int) else f".{part}" for part in path]
    return "".join(parts).lstrip(".") or _("(top level)")


def schema_problem(validator: Draft202012Validator, data: Any) -> tuple[str, str] | None:
    """The first place (in file order) where the data breaks the schema, and what is wrong there."""
    errors = sorted(validator.iter_errors(data), key=lambda error: [str(part) for part in error.absolute_path])
    if not errors:
        return None
    first = errors[0]
    location = list(first.absolute_path)
    if "propertyNames" in first.absolute_schema_path:  # the offending key itself is the place to look
        location.append(first.instance)
    return location_of(location), first.message
