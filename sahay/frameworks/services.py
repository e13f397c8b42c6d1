"""Writes to the framework: loading a framework file and changing targets, each kept in history."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sahay.accounts.models import User
from sahay.core.models import Country
from sahay.figures.ledger.build import Progress, ledger_build
from sahay.figures.ledger.rules import ledger_rules_sync
from sahay.frameworks.loader import FrameworkFileError, read_framework_file
from sahay.frameworks.models import (
    Baseline,
    FrameworkVersion,
    Indicator,
    Programme,
    Strategy,
    Target,
    TargetChange,
)


@dataclass(frozen=True)
class LoadResult:
    programme: Programme
    changed: bool
    version: FrameworkVersion


def framework_load(*, path: Path, loaded_by: User | None = None, progress: Progress | None = None) -> LoadResult:
    """Load a framework file. The same file twice changes nothing; a changed file updates and is kept.

    A rule that changed gets its figure ledger built from the records, in batches (`progress` is told).
    """
    framework_file = read_framework_file(path)
    digest = hashlib.sha256(framework_file.text.encode("utf-8")).hexdigest()
    data = framework_file.data
    with transaction.atomic():
        programme = Programme.objects.filter(code=data["programme"]["code"]).first()
        if programme is not None:
            latest = programme.versions.order_by("-pk").first()
            if latest is not None and latest.sha256 == digest:
                return LoadResult(programme=programme, changed=False, version=latest)
        programme = _apply(framework_file.file_name, data)
        version = FrameworkVersion.objects.create(
            programme=programme,
            sha256=digest,
            file_name=framework_file.file_name,
            content=framework_file.text,
            loaded_by=loaded_by,
        )
        new_rules = ledger_rules_sync()
    # After the commit: until a new rule is built its figures are counted live.
    ledger_build(new_rules, progress=progress)
    return LoadResult(programme=programme, changed=True, version=version)


def _text(value: dict[str, str], prefix: str) -> dict[str, str]:
    return {f"{prefix}_en": value["en"], f"{prefix}_nl": value["nl"]}


def _countries(file_name: str, codes: list[str]) -> dict[str, Country]:
    found = {country.code: country for country in Country.objects.filter(code__in=codes)}
    for index, code in enumerate(codes):
        if code not in found:
            raise FrameworkFileError(
                file_name=file_name,
                location=f"programme.countries[{index}]",
                problem=f"“{code}” is not a known country",
            )
    return found


def _apply(file_name: str, data: dict[str, Any]) -> Programme:
    source = data["programme"]
    countries = _countries(file_name, source["countries"])
    programme, _created = Programme.objects.update_or_create(
        code=source["code"],
        defaults={
            **_text(source["name"], "name"),
            "start": date.fromisoformat(source["start"]),
            "end": date.fromisoformat(source["end"]),
            "on_track_threshold": Decimal(str(source["thresholds"]["on_track"])),
            "at_risk_threshold": Decimal(str(source["thresholds"]["at_risk"])),
            "iati": source.get("iati", {}),
        },
    )
    programme.countries.set(countries.values())

    strategies = {}
    for position, strategy in enumerate(data["strategies"]):
        strategies[strategy["code"]], _created = Strategy.objects.update_or_create(
            programme=programme,
            code=strategy["code"],
            defaults={**_text(strategy["name"], "name"), "position": position},
        )

    reason = _("Loaded from framework file %(file)s") % {"file": file_name}
    for position, entry in enumerate(data["indicators"]):
        indicator, _created = Indicator.objects.update_or_create(
            programme=programme,
            code=entry["code"],
            defaults={
                "strategy": strategies[entry["strategy"]],
                **_text(entry["name"], "name"),
                **_text(entry["description"], "description"),
                **_text(entry["unit"], "unit"),
                "counting_rule": entry["rule"],
                "disaggregations": entry.get("disaggregations", []),
                "direction": entry["direction"],
                "source": entry["source"],
                "about_victims": entry.get("about_victims", False),
                **_text(entry.get("statement", {"en": "", "nl": ""}), "statement"),
                "is_target": "target" in entry,
                "position": position,
            },
        )
        file_targets = list(entry.get("targets", []))
        if "target" in entry:
            file_targets.insert(0, {"value": entry["target"]})
        for target in file_targets:
            country = countries[target["country"]] if "country" in target else None
            _set_target(
                indicator=indicator,
                country=country,
                period_code=target.get("period", ""),
                value=Decimal(str(target["value"])),
                changed_by=None,
                reason=reason,
            )
        if "baseline" in entry:
            Baseline.objects.update_or_create(
                indicator=indicator,
                country=None,
                defaults={
                    "value": Decimal(str(entry["baseline"]["value"])),
                    "year": entry["baseline"]["year"],
                    "comment": entry["baseline"].get("comment", ""),
                },
            )
    return programme


def _set_target(
    *,
    indicator: Indicator,
    country: Country | None,
    period_code: str,
    value: Decimal,
    changed_by: User | None,
    reason: str,
) -> Target:
    target = (
        Target.objects.select_for_update()
        .filter(indicator=indicator, country=country, period_code=period_code)
        .order_by("pk")  # the default ordering joins nullable tables, which FOR UPDATE refuses
        .first()
    )
    old_value = target.value if target else None
    if target is None:
        target = Target.objects.create(indicator=indicator, country=country, period_code=period_code, value=value)
    elif target.value != value:
        target.value = value
        target.save(update_fields=["value"])
    else:
        return target
    TargetChange.objects.create(
        target=target, changed_by=changed_by, old_value=old_value, new_value=value, reason=reason
    )
    return target


def target_set(
    *, indicator: Indicator, country: Country | None, period_code: str, value: Decimal, changed_by: User, reason: str
) -> Target:
    """Set or change a target; the change is kept with who, when, old, new and why."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the target changes.")})
    if value < 0:
        raise ValidationError({"value": _("A target cannot be negative.")})
    with transaction.atomic():
        return _set_target(
            indicator=indicator,
            country=country,
            period_code=period_code,
            value=value,
            changed_by=changed_by,
            reason=reason.strip(),
        )
