"""Tables of the figure ledger (imported by `sahay.figures.models`)."""

from __future__ import annotations

from django.db import models


class LedgerRule(models.Model):
    """A counting rule whose rows are kept; figures use them once the rule is built (`ready`)."""

    class State(models.TextChoices):
        BUILDING = "building"
        READY = "ready"

    # The sha256 of the rule as the engine reads it (count, from, where): indicators with the same rule share it.
    key = models.CharField(max_length=64, unique=True)
    rule = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.BUILDING)
    built_at = models.DateTimeField(null=True, blank=True)
    # The window starts counts are kept for (`counts.window_starts` of the programmes using the rule).
    window_starts = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"{self.rule.get('count')} from {self.rule.get('from')} ({self.state})"


class LedgerRow(models.Model):
    """One qualifying interval of one subject, from one record, under one rule.

    Plain integer columns rather than foreign keys: a row is re-derived whenever its record changes, and
    must never hold up the deletion of what it was derived from.
    """

    rule = models.ForeignKey(LedgerRule, on_delete=models.CASCADE, related_name="+")
    # The record the row was derived from (its model name and id), and the activity it belongs to, if any.
    source = models.CharField(max_length=40)
    record = models.BigIntegerField()
    activity = models.BigIntegerField(null=True)
    subject = models.BigIntegerField()
    person = models.BigIntegerField(null=True)
    country = models.BigIntegerField()
    organisation = models.BigIntegerField(null=True)
    area = models.BigIntegerField(null=True)
    start = models.DateField()
    end = models.DateField(null=True)
    # Set on an interval that starts inside a range: the record qualifies in a window starting on or after
    # this day only (the engine takes age and roles on the first day of the range inside the window).
    window_from = models.DateField(null=True)
    # The record is an open range: like the engine, it counts only in windows that have started by today.
    open_record = models.BooleanField(default=False)
    value = models.BigIntegerField(default=1)
    sex = models.CharField(max_length=10, null=True)
    turns_12_on = models.DateField(null=True)
    turns_18_on = models.DateField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["rule", "start"], name="ledger_rule_start"),
            models.Index(fields=["rule", "subject"], name="ledger_rule_subject"),
            models.Index(fields=["rule", "source", "record"], name="ledger_rule_record"),
            models.Index(fields=["activity"], name="ledger_activity"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.record}: {self.subject} {self.start}..{self.end}"


class LedgerCount(models.Model):
    """A change to how many subjects first qualify, in windows from `window_start`, in the half year ending
    on `until`. A count is the sum of its rows (`counts.apply`, `counts.compact`).

    Per place: `level` says which of country and organisation the count is kept for (0 where it is not).
    """

    rule = models.ForeignKey(LedgerRule, on_delete=models.CASCADE, related_name="+")
    window_start = models.DateField()
    level = models.CharField(max_length=12)
    country = models.BigIntegerField()
    organisation = models.BigIntegerField()
    until = models.DateField()
    sex = models.CharField(max_length=10)
    band = models.CharField(max_length=10)
    n = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["rule", "window_start", "level", "until"], name="ledger_count_window")]

    def __str__(self) -> str:
        return f"{self.level} {self.country}/{self.organisation} from {self.window_start} by {self.until}: {self.n}"
