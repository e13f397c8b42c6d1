"""Counting rules as the framework file writes them, checked against what the engine understands."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

COUNTS = ("unique_people", "unique_households", "unique_organisations", "items", "events", "reach", "percentage")

# For each record source, the filters it understands. The framework loader checks rules against this.
SOURCE_FILTERS: dict[str, set[str]] = {
    "participations": {
        "activity_kind",
        "training_topic",
        "campaign_kind",
        "age_on_date",
        "role",
        "profession",
        "completed",
        "sex",
    },
    "services": {"service_kind", "education_support", "role", "age_on_date", "household_of_role", "sex"},
    "activities": {"activity_kind", "campaign_kind", "training_topic"},
    "activity_organisations": {"activity_kind", "organisation_kind", "sector"},
    "cooperations": {"status", "sector"},
    "curricula": {"status_reached"},
    "policy_strategies": {"status_reached"},
    "offenders": {"status_reached"},
    "reach": {"activity_kind", "audience"},
}
# What each count may be taken from.
COUNT_SOURCES: dict[str, set[str]] = {
    "unique_people": {"participations", "services"},
    "unique_households": {"services"},
    "unique_organisations": {"activity_organisations", "cooperations"},
    "items": {"curricula", "policy_strategies", "offenders"},
    "events": {"activities"},
    "reach": {"reach"},
}
AGE_THRESHOLDS = (12, 18)


# Sources of items with a status path, and the kind of item each counts.
ITEM_KINDS = {
    "curricula": "curriculum",
    "policy_strategies": "policy_strategy",
    "offenders": "offender",
    "cooperations": "cooperation",
}


@cache
def _vocabulary() -> dict[str, set[str]]:
    """The values each filter accepts: the records' own choices (read late, once the models are loaded)."""
    from sahay.records.models import Activity, AggregateReach, ExternalOrganisation, PersonRole, Service, Sex

    roles = set(PersonRole.Role.values)
    return {
        "activity_kind": set(Activity.Kind.values) | {"awareness"},
        "training_topic": set(Activity.TrainingTopic.values),
        "campaign_kind": set(Activity.CampaignKind.values),
        "service_kind": set(Service.Kind.values),
        "education_support": set(Service.EducationSupport.values),
        "role": roles,
        "household_of_role": roles,
        "profession": set(PersonRole.Profession.values),
        "organisation_kind": set(ExternalOrganisation.Kind.values),
        "sector": set(ExternalOrganisation.Sector.values),
        "audience": set(AggregateReach.Audience.values),
        "sex": set(Sex.values),
    }


def _check_values(source: str, key: str, value: Any, location: str) -> None:
    if key == "completed":
        if not isinstance(value, bool):
            raise RuleError(location, "write true or false")
        return
    if key in ("status", "status_reached"):
        from sahay.records.models import TrackedItem

        path = TrackedItem.PATHS[ITEM_KINDS[source]]
        if value not in path:
            raise RuleError(location, f"“{value}” is not a status of {source}: {path}")
        return
    allowed = _vocabulary()[key]
    for item in value if isinstance(value, list) else [value]:
        if item not in allowed:
            raise RuleError(location, f"“{item}” is not one of {sorted(allowed)}")


class RuleError(ValueError):
    """A rule the engine cannot interpret; `location` is the path inside the rule."""

    def __init__(self, location: str, problem: str) -> None:
        self.location = location
        self.problem = problem
        super().__init__(f"{location}: {problem}")


@dataclass(frozen=True)
class CountingRule:
    count: str
    source: str
    where: dict[str, Any] = field(default_factory=dict)
    accepts_reach: bool = False
    numerator: CountingRule | None = None
    denominator: CountingRule | None = None

    @property
    def counts_unique(self) -> bool:
        return self.count.startswith("unique_")

    @property
    def counts_people(self) -> bool:
        return self.count == "unique_people"

    @classmethod
    def parse(cls, data: dict[str, Any], location: str = "rule") -> CountingRule:
        count = data.get("count")
        if count not in COUNTS:
            raise RuleError(f"{location}.count", f"“{count}” is not one of {list(COUNTS)}")
        if count == "percentage":
            parts = {}
            for part in ("numerator", "denominator"):
                if part not in data:
                    raise RuleError(location, f"a percentage needs a {part}")
                parts[part] = cls.parse(data[part], f"{location}.{part}")
            return cls(
                count=count,
                source=str(data.get("from", "")),
                numerator=parts["numerator"],
                denominator=parts["denominator"],
            )
        source = data.get("from")
        if source not in COUNT_SOURCES[count]:
            raise RuleError(
                f"{location}.from", f"{count} is counted from {sorted(COUNT_SOURCES[count])}, not “{source}”"
            )
        where = dict(data.get("where") or {})
        if source in ITEM_KINDS and source != "cooperations" and "status_reached" not in where:
            raise RuleError(f"{location}.where", f"{source} are counted when they reach a status: give status_reached")
        for key, value in where.items():
            if key not in SOURCE_FILTERS[source]:
                raise RuleError(
                    f"{location}.where.{key}",
                    f"{source} cannot be filtered by “{key}”; use {sorted(SOURCE_FILTERS[source])}",
                )
            if key == "age_on_date":
                cls._check_age(value, f"{location}.where.age_on_date")
            else:
                _check_values(source, key, value, f"{location}.where.{key}")
        return cls(count=count, source=source, where=where, accepts_reach=bool(data.get("accepts_reach", False)))

    @staticmethod
    def _check_age(value: Any, location: str) -> None:
        if not isinstance(value, dict) or not value or set(value) - {"under", "at_least"}:
            raise RuleError(location, "write {under: 18} or {at_least: 18}")
        for bound in value.values():
            if bound not in AGE_THRESHOLDS:
                raise RuleError(location, f"age bounds are {list(AGE_THRESHOLDS)}, not {bound}")
