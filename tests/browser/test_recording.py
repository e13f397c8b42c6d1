"""Recording an awareness session with its participants, and seeing the dashboard figure move."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from sahay.records.services import person_save
from tests.browser.conftest import Screenshot, SignIn, Site
from tests.browser.helpers import figure_cell, form_field


@pytest.mark.browser
def test_record_an_awareness_session_and_see_prev1_move(
    site: Site, signed_in: SignIn, screenshot: Screenshot, organisations
) -> None:
    coordinator = site.users.country_coordinator  # Nepal
    nepal = organisations.partners["NP"]
    person_save(
        saved_by=site.users.me_officer, organisation=nepal, code="NP-KNOWN-1", sex="female", birth_date=date(2008, 3, 3)
    )
    page = signed_in(coordinator)

    page.goto(site.url("/?period=2017-H1"))
    expect(figure_cell(page, "PREV-1", "NP")).to_have_text("0")

    page.get_by_role("link", name="Records", exact=True).click()
    page.get_by_role("link", name="Record an activity").click()
    form_field(page, "Organisation").select_option(label=str(nepal))
    form_field(page, "Kind").select_option(label="awareness session")
    form_field(page, "Title").fill("Online safety session, Bhaktapur school")
    form_field(page, "Date").fill("2017-04-12")
    screenshot("1-activity")
    page.get_by_role("button", name="Save and add participants").click()
    expect(page.get_by_role("heading", name="Online safety session, Bhaktapur school")).to_be_visible()

    form_field(page, "Codes of people who took part").fill("NP-KNOWN-1")
    rows = page.locator("table.row-form tbody tr")
    for index, (code, sex, year) in enumerate([("NP-NEW-1", "male", "2009"), ("NP-NEW-2", "female", "2011")]):
        rows.nth(index).locator("input[name$='-code']").fill(code)
        rows.nth(index).locator("select[name$='-sex']").select_option(sex)
        rows.nth(index).locator("input[name$='-birth_year_estimated']").fill(year)
        rows.nth(index).locator("select[name$='-role']").select_option("at_risk_child")
    screenshot("2-participants-typed")
    page.get_by_role("button", name="Save participants").click()
    expect(page.get_by_text("3 participants recorded.")).to_be_visible()
    expect(page.get_by_role("heading", name="3 participants")).to_be_visible()
    screenshot("3-participants-saved")

    page.goto(site.url("/?period=2017-H1"))
    expect(figure_cell(page, "PREV-1", "NP")).to_have_text("3")
    screenshot("4-dashboard")
    figure_cell(page, "PREV-1", "NP").get_by_role("link").click()
    for code in ("NP-KNOWN-1", "NP-NEW-1", "NP-NEW-2"):
        expect(page.get_by_role("link", name=code)).to_be_visible()
    screenshot("5-records-behind")
