"""Progress against a target and the status it gives, on the linear path from the programme start."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from sahay.frameworks.models import Programme


class Status(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {Status.ON_TRACK: _("On track"), Status.AT_RISK: _("At risk"), Status.OFF_TRACK: _("Off track")}


def expected_share(programme: Programme, until: date) -> float:
    """The share of a programme target the linear path expects by the end of `until`."""
    total_days = (programme.end - programme.start).days + 1
    elapsed = (min(until, programme.end) - programme.start).days + 1
    return max(0.0, min(1.0, elapsed / total_days))


@dataclass(frozen=True)
class Figure:
    value: Decimal | None
    target: Decimal | None = None
    # Share of the target expected by now; None when the target is for this very period (all of it is expected).
    expected: float | None = None
    on_track_threshold: float = 0.9
    at_risk_threshold: float = 0.7
    # False when the target is for a longer span than the figure (a semester against the programme target):
    # the bar shows the share, but no status is judged from it.
    judged: bool = True

    @property
    def progress(self) -> float | None:
        if self.value is None or not self.target:
            return None
        return float(self.value / self.target)

    @property
    def progress_percent(self) -> int | None:
        progress = self.progress
        return None if progress is None else round(progress * 100)

    @property
    def bar_value(self) -> float | None:
        progress = self.progress
        return None if progress is None else min(progress, 1.0) * 100

    @property
    def expected_percent(self) -> int | None:
        return None if self.expected is None else round(self.expected * 100)

    @property
    def status(self) -> Status | None:
        progress = self.progress
        if progress is None or not self.judged:
            return None
        path = self.expected if self.expected is not None else 1.0
        if path <= 0:
            return Status.ON_TRACK
        ratio = progress / path
        if ratio >= self.on_track_threshold:
            return Status.ON_TRACK
        if ratio >= self.at_risk_threshold:
            return Status.AT_RISK
        return Status.OFF_TRACK
