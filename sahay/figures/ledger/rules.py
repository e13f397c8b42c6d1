"""Which counting rules the ledger keeps, and the key each is kept under."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sahay.figures.engine.rules import CountingRule
from sahay.figures.ledger.counts import window_starts
from sahay.figures.ledger.models import LedgerRule


def rule_as_data(rule: CountingRule) -> dict[str, Any]:
    """What decides a rule's rows: its count, its records and its filters."""
    return {"count": rule.count, "from": rule.source, "where": rule.where}


def rule_key(rule: CountingRule) -> str:
    text = json.dumps(rule_as_data(rule), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def counted_rules(rule: CountingRule) -> list[CountingRule]:
    """The rules whose events are counted: a percentage's parts, or the rule itself."""
    if rule.numerator is not None and rule.denominator is not None:
        return [rule.numerator, rule.denominator]
    return [rule]


@dataclass
class KeptRule:
    rule: CountingRule
    window_starts: set[date] = field(default_factory=set)


def kept_rules() -> dict[str, KeptRule]:
    """Every rule an indicator of any programme counts from records, by key, with the window starts it needs."""
    from sahay.frameworks.models import Indicator

    kept: dict[str, KeptRule] = {}
    indicators = Indicator.objects.filter(source=Indicator.Source.RECORDS).select_related("programme")
    for indicator in indicators:
        programme = indicator.programme
        for rule in counted_rules(CountingRule.parse(indicator.counting_rule)):
            entry = kept.setdefault(rule_key(rule), KeptRule(rule))
            entry.window_starts |= set(window_starts(programme.start, programme.end))
    return kept


def ledger_rules_sync() -> list[LedgerRule]:
    """Keep a ledger for every rule in use and drop the others; return those to build (new, or other windows)."""
    wanted = kept_rules()
    LedgerRule.objects.exclude(key__in=list(wanted)).delete()
    existing = {ledger_rule.key: ledger_rule for ledger_rule in LedgerRule.objects.all()}
    to_build = []
    for key, kept in wanted.items():
        starts = [day.isoformat() for day in sorted(kept.window_starts)]
        ledger_rule = existing.get(key)
        if ledger_rule is None:
            to_build.append(LedgerRule.objects.create(key=key, rule=rule_as_data(kept.rule), window_starts=starts))
        elif ledger_rule.window_starts != starts:
            # A programme's dates changed: its counts are kept for other windows, counted live until rebuilt.
            ledger_rule.window_starts, ledger_rule.state = starts, LedgerRule.State.BUILDING
            ledger_rule.save(update_fields=["window_starts", "state"])
            to_build.append(ledger_rule)
    return to_build


def parsed(ledger_rule: LedgerRule) -> CountingRule:
    return CountingRule.parse(ledger_rule.rule)


def starts_of(ledger_rule: LedgerRule) -> list[date]:
    return [date.fromisoformat(day) for day in ledger_rule.window_starts]
