"""Which counting rules the ledger keeps, and the key each is kept under."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sahay.figures.engine.rules import CountingRule
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


def kept_rules() -> dict[str, CountingRule]:
    """Every rule an indicator of any programme counts from records, by key."""
    from sahay.frameworks.models import Indicator

    kept = {}
    for data in Indicator.objects.filter(source=Indicator.Source.RECORDS).values_list("counting_rule", flat=True):
        for rule in counted_rules(CountingRule.parse(data)):
            kept[rule_key(rule)] = rule
    return kept


def ledger_rules_sync() -> list[LedgerRule]:
    """Keep a ledger for every rule in use and drop the others; return the new ones, which need building."""
    wanted = kept_rules()
    LedgerRule.objects.exclude(key__in=list(wanted)).delete()
    existing = set(LedgerRule.objects.values_list("key", flat=True))
    return [
        LedgerRule.objects.create(key=key, rule=rule_as_data(rule))
        for key, rule in wanted.items()
        if key not in existing
    ]


def parsed(ledger_rule: LedgerRule) -> CountingRule:
    return CountingRule.parse(ledger_rule.rule)
