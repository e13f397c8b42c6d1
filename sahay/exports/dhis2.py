"""Published figures as a DHIS2 `dataValueSets` payload, through a mapping of indicators and places to DHIS2 uids.

The mapping file (YAML or JSON, described in docs/dhis2.md) says which DHIS2 data element and category option
combination each indicator's total or disaggregation goes to, and which organisation unit each place is. It is
checked against a JSON schema and then against the programme; every problem names the file and where in it.

Only published figures leave: a suppressed cell ("<5", "x") is left out, never sent as a number. So are
cells the mapping does not name, places without an organisation unit, and the cumulative window (DHIS2 adds
up periods itself).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, NoReturn

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from jsonschema import Draft202012Validator

from sahay.core.datafiles import DataFileError, parse_json, parse_yaml, read_text, schema_problem
from sahay.core.periods import Period, PeriodKind
from sahay.frameworks.models import Programme
from sahay.reports.disclosure import PublishedFigures
from sahay.reports.figureset import PROGRAMME, Window, indicator_facts, split_keys

SHIPPED_MAPPING = Path(__file__).parent / "data" / "dhis2-mapping.yaml"
TOTAL = "total"  # the whole figure, as the mapping and the API name it
PROGRAMME_PLACE = "programme"  # the programme total's place, as the mapping and the API name it
UID_PATTERN = r"^[A-Za-z][A-Za-z0-9]{10}$"  # DHIS2 uids: 11 letters and digits, a letter first
HALF_YEAR_PATTERN = r"^[0-9]{4}-H[12]$"

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["orgUnits", "dataElements"],
    "properties": {
        "dataSet": {"type": "string", "pattern": UID_PATTERN},
        "attributeOptionCombo": {"type": "string", "pattern": UID_PATTERN},
        "periods": {
            "type": "object",
            "propertyNames": {"pattern": HALF_YEAR_PATTERN},
            "additionalProperties": {"type": "string", "pattern": r"^[0-9]{4}[A-Za-z0-9]+$"},
        },
        "orgUnits": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"pattern": r"^(programme|[A-Z]{2})$"},
            "additionalProperties": {"type": "string", "pattern": UID_PATTERN},
        },
        "dataElements": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["indicator", "disaggregation", "dataElement", "categoryOptionCombo"],
                "properties": {
                    "indicator": {"type": "string", "minLength": 1},
                    "disaggregation": {"type": "string", "minLength": 1},
                    "dataElement": {"type": "string", "pattern": UID_PATTERN},
                    "categoryOptionCombo": {"type": "string", "pattern": UID_PATTERN},
                    "attributeOptionCombo": {"type": "string", "pattern": UID_PATTERN},
                },
            },
        },
    },
}


class MappingError(DataFileError):
    """A mapping that cannot be used: which file, where in it, and what is wrong."""


@dataclass(frozen=True)
class Target:
    """Where one Sahay figure goes in DHIS2 (the organisation unit comes from its place)."""

    data_element: str
    category_option_combo: str
    attribute_option_combo: str | None


@dataclass(frozen=True)
class Dhis2Mapping:
    data_set: str | None
    # Sahay place (PROGRAMME or a country code) → organisation unit uid.
    org_units: dict[str, str]
    # (indicator code, split: "" for the total) → where it goes; in the file's order.
    targets: dict[tuple[str, str], Target]
    periods: dict[str, str] = field(default_factory=dict)

    def period(self, period: Period) -> str:
        """The DHIS2 period of a Sahay half year: the file's own, else six-monthly (2017-H1 → 2017S1)."""
        return self.periods.get(period.code) or six_monthly(period)


def six_monthly(period: Period) -> str:
    if period.kind != PeriodKind.SEMESTER:
        raise ValueError(f"DHIS2 periods are made from half years, not from {period}")
    return f"{period.start.year}S{1 if period.start.month == 1 else 2}"


# --- Reading and checking a mapping ---------------------------------------------------------------------


def configured_mapping_path() -> Path:
    """The mapping the API uses: `SAHAY_DHIS2_MAPPING`, or the shipped example when that is empty."""
    configured = str(getattr(settings, "SAHAY_DHIS2_MAPPING", "") or "")
    return Path(configured) if configured else SHIPPED_MAPPING


def read_mapping(path: Path, *, programme: Programme) -> Dhis2Mapping:
    """The mapping in the file, checked against the schema and the programme's indicators and countries."""
    text = read_text(path, MappingError)
    parse = parse_json if path.suffix.lower() == ".json" else parse_yaml
    return parse_mapping(parse(text, path.name, MappingError), path.name, programme)


@cache
def _validator() -> Draft202012Validator:
    Draft202012Validator.check_schema(SCHEMA)
    return Draft202012Validator(SCHEMA)


def parse_mapping(data: Any, file_name: str, programme: Programme) -> Dhis2Mapping:
    """A mapping read from YAML or JSON, checked: the schema first, then what it names of the programme."""

    def fail(location: str, problem: Any) -> NoReturn:
        raise MappingError(file_name=file_name, location=location, problem=str(problem))

    if not isinstance(data, dict):
        fail(str(_("(top level)")), _("expected a mapping with orgUnits and dataElements"))
    problem = schema_problem(_validator(), data)
    if problem is not None:
        fail(*problem)

    countries = sorted(programme.countries.values_list("code", flat=True))
    org_units: dict[str, str] = {}
    seen_units: dict[str, str] = {}
    for place, uid in data["orgUnits"].items():
        if place != PROGRAMME_PLACE and place not in countries:
            fail(
                f"orgUnits.{place}",
                _("%(place)s is not a country of the programme %(programme)s (%(countries)s, or programme)")
                % {"place": place, "programme": programme.code, "countries": ", ".join(countries)},
            )
        if uid in seen_units:
            fail(
                f"orgUnits.{place}",
                _("%(uid)s is already the organisation unit of %(other)s") % {"uid": uid, "other": seen_units[uid]},
            )
        seen_units[uid] = place
        org_units[PROGRAMME if place == PROGRAMME_PLACE else place] = uid

    indicators = {indicator.code: indicator for indicator in programme.indicators.all()}
    targets: dict[tuple[str, str], Target] = {}
    where_of: dict[tuple[str, str], str] = {}
    combos: dict[tuple[str, str, str | None], str] = {}
    default_attribute = data.get("attributeOptionCombo")
    for index, entry in enumerate(data["dataElements"]):
        where = f"dataElements[{index}]"
        code, disaggregation = entry["indicator"], entry["disaggregation"]
        indicator = indicators.get(code)
        if indicator is None:
            fail(
                f"{where}.indicator",
                _("%(code)s is not an indicator of the programme %(programme)s")
                % {"code": code, "programme": programme.code},
            )
        splits = [key for dimension in indicator_facts(indicator).splits for key in split_keys(dimension)]
        if disaggregation != TOTAL and disaggregation not in splits:
            fail(
                f"{where}.disaggregation",
                _("%(split)s is not a disaggregation of %(code)s (it has: %(known)s)")
                % {"split": disaggregation, "code": code, "known": ", ".join([TOTAL, *splits])},
            )
        key = (code, "" if disaggregation == TOTAL else disaggregation)
        if key in targets:
            fail(
                where,
                _("%(code)s %(split)s is mapped twice (also in %(other)s)")
                % {"code": code, "split": disaggregation, "other": where_of[key]},
            )
        target = Target(
            data_element=entry["dataElement"],
            category_option_combo=entry["categoryOptionCombo"],
            attribute_option_combo=entry.get("attributeOptionCombo", default_attribute),
        )
        combo = (target.data_element, target.category_option_combo, target.attribute_option_combo)
        if combo in combos:
            fail(
                where,
                _("dataElement %(element)s with categoryOptionCombo %(combo)s is already used by %(other)s")
                % {"element": target.data_element, "combo": target.category_option_combo, "other": combos[combo]},
            )
        combos[combo] = where
        targets[key] = target
        where_of[key] = where
    return Dhis2Mapping(
        data_set=data.get("dataSet"), org_units=org_units, targets=targets, periods=dict(data.get("periods", {}))
    )


# --- The payload --------------------------------------------------------------------------------------


@dataclass
class DataValueSet:
    payload: dict[str, Any]
    suppressed: int = 0  # mapped figures left out because disclosure control hides them
    unmapped: int = 0  # figures of the period the mapping has no place for

    @property
    def values(self) -> int:
        return len(self.payload["dataValues"])


def dhis2_value(value: Decimal) -> str:
    """A figure as DHIS2 takes it: a string, a whole number without decimals, never an exponent."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def data_value_set(
    published: Iterable[tuple[Period, PublishedFigures]],
    mapping: Dhis2Mapping,
    *,
    complete_date: date | None = None,
) -> DataValueSet:
    """The half years' published figures (window: the period) as one dataValueSets payload.

    Suppressed cells, cells the mapping does not name and places without an organisation unit are left out.
    """
    order = {key: number for number, key in enumerate(mapping.targets)}
    places = {place: number for number, place in enumerate(mapping.org_units)}
    rows: list[tuple[tuple[str, int, int], dict[str, str]]] = []
    result = DataValueSet(payload={})
    for period, figures in published:
        dhis2_period = mapping.period(period)
        for key, cell in figures.cells.items():
            if key.window != Window.PERIOD:
                continue
            target = mapping.targets.get((key.indicator, key.split))
            org_unit = mapping.org_units.get(key.place)
            if target is None or org_unit is None:
                result.unmapped += 1
                continue
            if cell.suppressed or cell.value is None:
                result.suppressed += 1
                continue
            value = {
                "dataElement": target.data_element,
                "period": dhis2_period,
                "orgUnit": org_unit,
                "categoryOptionCombo": target.category_option_combo,
            }
            if target.attribute_option_combo:
                value["attributeOptionCombo"] = target.attribute_option_combo
            value["value"] = dhis2_value(cell.value)
            rows.append(((period.code, order[(key.indicator, key.split)], places[key.place]), value))
    payload: dict[str, Any] = {}
    if mapping.data_set:
        payload["dataSet"] = mapping.data_set
    if complete_date is not None:
        payload["completeDate"] = complete_date.isoformat()
    payload["dataValues"] = [value for _position, value in sorted(rows, key=lambda row: row[0])]
    result.payload = payload
    return result
