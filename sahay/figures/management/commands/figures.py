"""`sahay figures rebuild [--indicator CODE]` and `sahay figures verify`: the figure ledger, for operators."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sahay.figures.engine.rules import CountingRule
from sahay.figures.ledger.build import ledger_build
from sahay.figures.ledger.check import figure_differences
from sahay.figures.ledger.counts import compact_all
from sahay.figures.ledger.models import LedgerRule
from sahay.figures.ledger.rules import counted_rules, ledger_rules_sync, rule_key
from sahay.frameworks.models import Indicator


class Command(BaseCommand):
    help = "Rebuild the figure ledger from the records, or check every figure it gives against a live recount."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        rebuild = actions.add_parser("rebuild", help="Build the ledger again from the records, in batches.")
        rebuild.add_argument("--indicator", help="Only the rule(s) this indicator counts (its code).")
        actions.add_parser(
            "verify", help="Recount every figure live and compare with the ledger; exit 1 on any difference."
        )
        actions.add_parser(
            "compact", help="Fold the ledger's count changes together (a Celery worker with -B does it every 10 min)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rebuild":
            self._rebuild(options.get("indicator"))
        elif options["action"] == "compact":
            self.stdout.write(f"Folded {compact_all():,} count rows together.")
        else:
            self._verify()

    def _rebuild(self, code: str | None) -> None:
        ledger_rules_sync()
        rules = LedgerRule.objects.order_by("pk")
        if code:
            indicators = Indicator.objects.filter(code=code, source=Indicator.Source.RECORDS)
            if not indicators.exists():
                raise CommandError(f"No indicator counted from records has the code “{code}”.")
            keys = {
                rule_key(rule)
                for indicator in indicators
                for rule in counted_rules(CountingRule.parse(indicator.counting_rule))
            }
            rules = rules.filter(key__in=keys)
        started = time.perf_counter()
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.perf_counter()
            if done == total or now - last[0] >= 2:
                last[0] = now
                share = 100 * done / total if total else 100
                self.stdout.write(f"  {done:,} of {total:,} records ({share:.0f}%)")

        stored = ledger_build(rules, progress=progress)
        self.stdout.write(f"Built {rules.count()} rules: {stored:,} rows in {time.perf_counter() - started:.1f} s.")

    def _verify(self) -> None:
        differences = figure_differences(on_indicator=lambda code: self.stdout.write(f"  {code}"))
        for difference in differences:
            self.stdout.write(str(difference))
        if differences:
            raise CommandError(f"{len(differences)} figures differ between the ledger and a live recount.")
        unbuilt = LedgerRule.objects.exclude(state=LedgerRule.State.READY).count()
        note = f" ({unbuilt} rules not built yet: counted live)" if unbuilt else ""
        self.stdout.write(f"The ledger agrees with a live recount on every figure{note}.")
