"""A half year from draft to approved, then its report approved and downloaded in every format."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from sahay.accounts.access import TEST_SET_UP, access_confirm_at_set_up
from sahay.accounts.models import Role, User
from sahay.core.models import Country
from sahay.core.periods import Period
from sahay.frameworks.models import Indicator, Target
from sahay.reports.models import PeriodReview
from sahay.reports.services import review_approve, review_submit
from tests.browser.conftest import Screenshot, SignIn, Site

EXPLANATION = "Schools in Nepal closed for two months after the floods."


def approve_every_country_but_nepal(site: Site) -> None:
    """The other countries' coordinators and the manager have done their part already."""
    coordinator_role = Role.objects.get(code="country_coordinator")
    for country in site.programme.countries.exclude(code="NP"):
        coordinator = User.objects.create(
            username=f"coordinator-{country.code.lower()}", role=coordinator_role, country=country
        )
        access_confirm_at_set_up(user=coordinator, by=TEST_SET_UP)
        review_submit(
            programme=site.programme,
            country=country,
            period=Period.parse("2017-H1"),
            submitted_by=coordinator,
            explanations={},
        )
        review_approve(
            review=PeriodReview.objects.get(country=country, period_code="2017-H1"),
            approved_by=site.users.programme_manager,
            explanations={},
        )


@pytest.mark.browser
def test_a_half_year_goes_from_draft_to_approved_and_its_report_downloads(
    site: Site, signed_in: SignIn, signed_in_elsewhere: SignIn, screenshot: Screenshot, tmp_path: Path
) -> None:
    # Nepal has a target of its own that nothing has moved yet: it is off track and needs an explanation.
    Target.objects.create(
        indicator=Indicator.objects.get(code="PREV-1"), country=Country.objects.get(code="NP"), value=1000
    )
    approve_every_country_but_nepal(site)

    coordinator = signed_in(site.users.country_coordinator)
    coordinator.goto(site.url("/reports/?period=2017-H1"))
    nepal_row = coordinator.get_by_role("row").filter(has=coordinator.get_by_role("link", name="Nepal"))
    expect(nepal_row).to_contain_text("Draft")
    nepal_row.get_by_role("link", name="Nepal").click()
    expect(coordinator.get_by_role("heading", level=1)).to_have_text("Nepal: figures for 2017-H1")
    screenshot("1-draft", coordinator)
    coordinator.get_by_role("button", name="Submit for approval").click()
    expect(coordinator.get_by_role("alert").first).to_contain_text("Explain why these targets are off track: PREV-1")
    coordinator.get_by_label(re.compile(r"^Why is PREV-1")).fill(EXPLANATION)
    coordinator.get_by_role("button", name="Submit for approval").click()
    expect(coordinator.get_by_role("status")).to_have_text("Submitted for approval.")
    expect(coordinator.locator(".page-head .status")).to_have_text("Submitted")
    screenshot("2-submitted", coordinator)

    manager = signed_in_elsewhere(site.users.programme_manager)
    manager.goto(site.url("/reports/?period=2017-H1"))
    manager.get_by_role("link", name="Nepal").click()
    expect(manager.get_by_label(re.compile(r"^Why is PREV-1"))).to_have_value(EXPLANATION)
    manager.get_by_role("button", name="Approve").click()
    expect(manager.get_by_role("status")).to_have_text("Approved. The period is now locked for Nepal.")
    expect(manager.locator(".page-head .status")).to_have_text("Approved")
    expect(manager.locator(".history")).to_contain_text("Submitted by coordinator-np")
    screenshot("3-approved", manager)

    manager.goto(site.url("/reports/"))
    manager.get_by_label("Period").select_option("2017-H1")
    manager.get_by_label("Report for").select_option(label="The whole programme")
    manager.get_by_role("button", name="Open the report").click()
    expect(manager.locator(".page-head .status")).to_have_text("Draft")
    expect(manager.locator(".report-preview")).to_contain_text("Half-year progress report 2017-H1")
    screenshot("4-draft-report", manager)
    manager.get_by_label(re.compile("I understand that approving freezes")).check()
    # Approving renders and keeps the report's ten files before the page answers: seconds, more on a busy machine.
    manager.get_by_role("button", name="Approve and publish").click(timeout=180_000)
    expect(manager.get_by_role("status")).to_have_text("Report approved: its figures are frozen.", timeout=180_000)
    expect(manager.locator(".page-head .status")).to_have_text("Approved, version 1")
    screenshot("5-approved-report", manager)

    signatures = {"pdf": b"%PDF", "docx": b"PK", "xlsx": b"PK", "html": b"<!DOCTYPE html>"}
    for file_format, signature in signatures.items():
        with manager.expect_download() as download:
            manager.get_by_role("link", name=f"{file_format.upper()} (English)").click()
        name = download.value.suggested_filename
        assert name == f"sahay-report-2017-H1-programme-v1-en.{file_format}"
        saved = tmp_path / name
        download.value.save_as(saved)
        assert saved.read_bytes().startswith(signature), name
    assert "Explain" not in (tmp_path / "sahay-report-2017-H1-programme-v1-en.html").read_text(encoding="utf-8")
    assert EXPLANATION in (tmp_path / "sahay-report-2017-H1-programme-v1-en.html").read_text(encoding="utf-8")
