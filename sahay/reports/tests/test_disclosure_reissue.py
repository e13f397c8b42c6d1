"""Approved reports whose published figures the disclosure rules would no longer publish are issued again."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command

from sahay.reports.figureset import PROGRAMME, CellKey, Window
from sahay.reports.models import Report
from sahay.reports.tests.conftest import H1, World

pytestmark = pytest.mark.django_db
BANDS = ("0-11", "12-17", "18+", "unknown")


def _lone_age_band(report: Report, place: str) -> bool:
    """Whether the report shows every victim of a suppressed JUST-1 count in one age band (others "0")."""
    published = report.published
    assert published is not None
    whole = published.get(CellKey("JUST-1", place, Window.PERIOD))
    assert whole is not None and whole.display == "<5"
    bands = [published.get(CellKey("JUST-1", place, Window.PERIOD, f"age_band:{band}")) for band in BANDS]
    return None not in bands and [cell.display for cell in bands if cell is not None].count("0") == 3


def test_an_approved_report_that_leaks_is_issued_again_as_a_new_version(world: World) -> None:
    world.victims_with_legal_aid("TH", 3, date(2017, 2, 1))  # three victims of 11, all in one age band
    world.approve(H1)
    first = world.issue(H1)
    # The report was approved under the rules of its day; make it show what they showed if today's hide it.
    frozen = dict(first.frozen or {})
    published = frozen["published"]
    for place in (PROGRAMME, "TH"):
        for band in BANDS:
            published["cells"][f"JUST-1|{place}|period|age_band:{band}"] = (
                ["small", None] if band == "0-11" else ["shown", "0"]
            )
    Report.objects.filter(pk=first.pk).update(frozen=frozen)
    first.refresh_from_db()
    assert _lone_age_band(first, PROGRAMME) and _lone_age_band(first, "TH")

    output = io.StringIO()
    call_command("reissue_reports", by="manager", stdout=output)
    latest = Report.objects.approved_latest(programme=world.programme, period_code=H1.code, country=None)
    assert latest is not None and latest.version == 2 and latest.approved_by == world.users.programme_manager
    assert not _lone_age_band(latest, PROGRAMME) and not _lone_age_band(latest, "TH")
    assert "2017-H1" in output.getvalue() and "version 2" in output.getvalue()
    Report.objects.get(pk=first.pk)  # the leaking version stays, as every issued version does

    again = io.StringIO()
    call_command("reissue_reports", by="manager", stdout=again)  # nothing leaks any more: nothing is issued
    assert Report.objects.filter(period_code=H1.code, country__isnull=True).count() == 2
