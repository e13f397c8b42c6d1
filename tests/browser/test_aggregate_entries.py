"""Typing in an aggregate figure as the M&E officer, and seeing it on the dashboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from sahay.frameworks.models import Indicator
from tests.browser.conftest import Screenshot, SignIn, Site
from tests.browser.helpers import field_in_error, figure_cell, form_field, selected_option


def indicator_option(site: Site, code: str) -> str:
    """How the indicator reads in the form's list: its code and English name."""
    return f"{code} {Indicator.objects.get(programme=site.programme, code=code).name_en}"


def fill_entry_form(page: Page, *, indicator: str, country: str, semester: str, part: str, figure: str) -> None:
    form_field(page, "Indicator").select_option(label=indicator)
    form_field(page, "Country").select_option(label=country)
    form_field(page, "Semester").select_option(label=semester)
    form_field(page, "Part of the figure").select_option(label=part)
    form_field(page, "Figure").fill(figure)


@pytest.mark.browser
def test_enter_a_figure_and_see_it_on_the_dashboard(site: Site, signed_in: SignIn, screenshot: Screenshot) -> None:
    out_1 = indicator_option(site, "OUT-1")
    page = signed_in(site.users.me_officer)
    page.goto(site.url("/"))
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Aggregate entries").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aggregate entries")
    expect(page.get_by_text("No figures entered yet.")).to_be_visible()
    screenshot("1-no-entries")

    page.get_by_role("link", name="Enter a figure").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter a figure")
    form_field(page, "Indicator").select_option(label=out_1)
    form_field(page, "Country").select_option(label="Bangladesh")
    form_field(page, "Semester").select_option(label="2017-H1")
    figure = form_field(page, "Figure")
    figure.press_sequentially("62")
    expect(selected_option(form_field(page, "Organisation"))).to_have_text("The whole country")
    expect(selected_option(form_field(page, "The figure counts"))).to_have_text("in the semester")
    expect(selected_option(form_field(page, "Part of the figure"))).to_have_text("Total")
    screenshot("2-filled-in")
    figure.press("Enter")  # Saves, as the "Save figure" button would.

    expect(page).to_have_url(site.url("/figures/entries/"))
    expect(page.get_by_role("status")).to_have_text("Saved: OUT-1 BD 2017-H1.")
    entry = page.get_by_role("row").filter(has=page.get_by_role("link", name="OUT-1", exact=True))
    expect(entry).to_have_count(1)
    expect(entry.get_by_role("cell")).to_have_text(
        ["Bangladesh", "–", "2017-H1", "in the semester", "total", "62", re.compile(r"\S")]
    )
    screenshot("3-saved")

    nav.get_by_role("link", name="Dashboard").click()
    expect(page.locator(".page-head .lead")).to_have_text("Figures for 2017-H1")  # the latest semester with figures
    expect(figure_cell(page, "OUT-1", "BD")).to_have_text("62")
    expect(figure_cell(page, "OUT-1", "Programme")).to_have_text("62")
    expect(figure_cell(page, "OUT-1", "NP")).to_have_text("–")
    screenshot("4-dashboard")


@pytest.mark.browser
def test_entry_form_explains_a_wrong_figure_and_keeps_it(site: Site, signed_in: SignIn, screenshot: Screenshot) -> None:
    out_1 = indicator_option(site, "OUT-1")
    page = signed_in(site.users.me_officer)
    page.goto(site.url("/figures/entries/new/"))
    save = page.get_by_role("button", name="Save figure")
    indicator = form_field(page, "Indicator")
    country = form_field(page, "Country")
    semester = form_field(page, "Semester")
    part = form_field(page, "Part of the figure")
    figure = form_field(page, "Figure")

    # OUT-1 counts meetings: it is not split by sex.
    fill_entry_form(page, indicator=out_1, country="Bangladesh", semester="2017-H1", part="girls and women", figure="9")
    save.click()
    expect(page.get_by_role("alert")).to_have_text("OUT-1 is not split this way.")
    expect(page.locator(".field.has-error")).to_have_count(1)
    expect(field_in_error(page, "Part of the figure")).to_be_visible()
    expect(selected_option(indicator)).to_have_text(out_1)
    expect(selected_option(country)).to_have_text("Bangladesh")
    expect(selected_option(semester)).to_have_text("2017-H1")
    expect(selected_option(part)).to_have_text("girls and women")
    expect(figure).to_have_value("9")
    screenshot("1-not-split-by-sex")

    part.select_option(label="Total")
    figure.fill("-3")
    save.click()
    expect(page.get_by_role("alert")).to_have_text("Ensure this value is greater than or equal to 0.")
    expect(field_in_error(page, "Figure")).to_be_visible()
    expect(figure).to_have_value("-3")
    expect(selected_option(indicator)).to_have_text(out_1)
    expect(selected_option(country)).to_have_text("Bangladesh")
    expect(selected_option(part)).to_have_text("Total")
    screenshot("2-negative")

    # Neither attempt saved anything.
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_text("No figures entered yet.")).to_be_visible()
