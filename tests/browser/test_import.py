"""Importing a spreadsheet: a file with an error is refused with the error shown, the fixed file imports,
and the dashboard figures move."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Screenshot, SignIn, Site
from tests.browser.helpers import figure_cell, form_field

HEADER = "external id;kind;title;date"
ROWS = [
    "NP-REPORT-1;community_report;Community report;2017-02-03",
    "NP-REPORT-2;community_report;Community report;2017-03-14",
    "NP-REPORT-3;community_report;Community report;31-02-2017",  # 31 February: no such day
]


def write(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8-sig")
    return path


@pytest.mark.browser
def test_a_file_with_an_error_is_refused_then_the_fixed_file_moves_the_figures(
    site: Site, signed_in: SignIn, screenshot: Screenshot, tmp_path: Path
) -> None:
    page = signed_in(site.users.country_coordinator)
    page.goto(site.url("/?period=2017-H1"))
    expect(figure_cell(page, "OUT-5", "NP")).to_have_text("0")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Imports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import records from a spreadsheet")
    form_field(page, "What the file holds").select_option("activities")
    form_field(page, "For").select_option(label="Test Partner NP")
    form_field(page, "File").set_input_files(write(tmp_path / "reports.csv", ROWS))
    screenshot("1-upload", page)
    page.get_by_role("button", name="Import").click()

    expect(page.locator("#job-status")).to_have_text("Failed")
    expect(page.locator("#job-outcome")).to_contain_text("nothing was imported")
    problem = page.locator("table.import-errors tbody tr").first
    expect(problem.locator("td").nth(0)).to_have_text("4")  # the header is row 1
    expect(problem.locator("td").nth(1)).to_have_text(re.compile("date", re.IGNORECASE))
    expect(problem.locator("td").nth(2)).to_have_text("31-02-2017")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the file with the problems beside the rows").click()
    assert download.value.suggested_filename.endswith(".csv")
    screenshot("2-errors", page)

    page.goto(site.url("/imports/"))
    form_field(page, "What the file holds").select_option("activities")
    form_field(page, "For").select_option(label="Test Partner NP")
    fixed = [*ROWS[:2], "NP-REPORT-3;community_report;Community report;2017-02-28"]
    form_field(page, "File").set_input_files(write(tmp_path / "reports-fixed.csv", fixed))
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#job-status")).to_have_text("Done")
    expect(page.locator("#job-outcome")).to_have_text("Imported: 3 created, 0 updated, 0 unchanged.")
    screenshot("3-imported", page)

    page.goto(site.url("/?period=2017-H1"))
    expect(figure_cell(page, "OUT-5", "NP")).to_have_text("3")
    screenshot("4-dashboard", page)
