"""The dashboard: figures by country and for the programme, for the period a user picks."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Screenshot, SignIn, Site
from tests.browser.helpers import enter_figure, figure_cell, indicator_row


@pytest.fixture
def meetings_2017_h1(site: Site) -> None:
    """OUT-1 (community meetings, adding up across countries) for Bangladesh and Nepal in 2017-H1."""
    for country, value in [("BD", 417), ("NP", 238)]:
        enter_figure(
            programme=site.programme,
            indicator="OUT-1",
            country=country,
            period="2017-H1",
            value=value,
            by=site.users.me_officer,
        )


@pytest.mark.browser
def test_programme_manager_sees_countries_and_programme_total(
    site: Site, meetings_2017_h1: None, signed_in: SignIn, screenshot: Screenshot
) -> None:
    page = signed_in(site.users.programme_manager)
    page.goto(site.url("/"))
    page.get_by_label("Period", exact=True).select_option("2017-H1")
    page.get_by_role("radio", name="In the period", exact=True).check()
    page.get_by_role("button", name="Show", exact=True).click()

    lead = page.locator(".page-head .lead")
    expect(lead).to_have_text("Figures for 2017-H1")
    expect(page.get_by_label("Period", exact=True)).to_have_value("2017-H1")
    expect(figure_cell(page, "OUT-1", "BD")).to_have_text("417")
    expect(figure_cell(page, "OUT-1", "NP")).to_have_text("238")
    expect(figure_cell(page, "OUT-1", "KH")).to_have_text("–")
    expect(figure_cell(page, "OUT-1", "Programme")).to_have_text("655")
    # OUT-2 is counted from records, and none are recorded: zero, not unknown.
    expect(figure_cell(page, "OUT-2", "BD")).to_have_text("0")
    screenshot("1-period")

    page.get_by_role("radio", name="Cumulative", exact=True).check()
    page.get_by_role("button", name="Show", exact=True).click()
    expect(lead).to_have_text("Cumulative figures from the programme start to the end of 2017-H1")
    expect(page.get_by_role("radio", name="Cumulative", exact=True)).to_be_checked()
    # The first semester of the programme: cumulative is the semester's own figure.
    expect(figure_cell(page, "OUT-1", "BD")).to_have_text("417")
    expect(figure_cell(page, "OUT-1", "Programme")).to_have_text("655")
    expect(figure_cell(page, "PREV-1", "Target")).to_have_text("11,000")
    screenshot("2-cumulative")


@pytest.mark.browser
def test_country_coordinator_sees_only_their_country(
    site: Site, meetings_2017_h1: None, signed_in: SignIn, screenshot: Screenshot
) -> None:
    page = signed_in(site.users.country_coordinator)  # Nepal
    page.goto(site.url("/?period=2017-H1"))

    expect(page.locator(".page-head .lead")).to_have_text("Figures for 2017-H1")
    expect(page.get_by_text("You see the figures of your scope.")).to_be_visible()
    expect(figure_cell(page, "OUT-1", "NP")).to_have_text("238")
    expect(indicator_row(page, "OUT-1")).not_to_contain_text("417")
    expect(indicator_row(page, "OUT-1")).not_to_contain_text("655")
    expect(page.get_by_role("columnheader", name="NP", exact=True).first).to_be_visible()
    expect(page.get_by_role("columnheader", name="BD", exact=True)).to_have_count(0)
    expect(page.get_by_role("columnheader", name="Programme", exact=True)).to_have_count(0)
    # Programme targets stay visible for reference.
    expect(figure_cell(page, "PREV-1", "Programme target")).to_have_text("11,000")
    screenshot("1-nepal")
