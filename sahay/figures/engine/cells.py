"""Disaggregation cells: sex, and the age band on a person's first qualifying day in the window."""

from __future__ import annotations

from datetime import date

SEXES = ("female", "male", "other", "unknown")
AGE_BANDS = ("0-11", "12-17", "18+", "unknown")


def age_band(first: date, turns_12_on: date | None, turns_18_on: date | None) -> str:
    if turns_18_on is None or turns_12_on is None:
        return "unknown"
    if first < turns_12_on:
        return "0-11"
    if first < turns_18_on:
        return "12-17"
    return "18+"


def cell_key(sex: str, band: str) -> str:
    return f"sex:{sex}|age_band:{band}"
