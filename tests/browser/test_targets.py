"""Changing a target as the programme manager: a reason is required and kept in the history."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Screenshot, SignIn, Site
from tests.browser.helpers import field_in_error, form_field

REASON = "The donor raised the awareness budget in the 2018 grant."


@pytest.mark.browser
def test_change_a_target_with_a_reason(site: Site, signed_in: SignIn, screenshot: Screenshot) -> None:
    page = signed_in(site.users.programme_manager)
    page.goto(site.url("/"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Targets").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Targets")
    change = page.get_by_role("link", name="Change PREV-1", exact=True)
    target_row = page.get_by_role("row").filter(has=change)
    expect(target_row).to_contain_text("Whole programme")
    expect(target_row).to_contain_text("Programme period")
    expect(target_row.get_by_role("cell").nth(2)).to_have_text("11,000")
    screenshot("1-targets")

    change.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change the target of PREV-1")
    expect(page.locator(".lead")).to_contain_text("now 11,000")
    value = form_field(page, "New target")
    reason = form_field(page, "Why does it change?")
    save = page.get_by_role("button", name="Save target")
    expect(value).to_have_value(re.compile(r"^11000(\.00?)?$"))

    # No reason: the browser refuses to send the form and points at the reason.
    value.fill("12000")
    save.click()
    expect(reason).to_be_focused()
    assert reason.evaluate("field => field.validity.valueMissing")
    assert reason.evaluate("field => field.validationMessage"), "the browser shows no message for the empty reason"
    expect(page).to_have_url(re.compile(r"/framework/targets/\d+/$"))
    expect(page.get_by_role("status")).to_have_count(0)
    screenshot("2-reason-missing-in-browser")

    # Only spaces get past the browser; the server says the reason is required and keeps the new value.
    reason.fill("   ")
    save.click()
    expect(page.get_by_role("alert")).to_have_text("This field is required.")
    expect(field_in_error(page, "Why does it change?")).to_be_visible()
    expect(value).to_have_value("12000")
    expect(page.locator(".lead")).to_contain_text("now 11,000")  # nothing changed yet
    screenshot("3-reason-missing")

    reason.fill(REASON)
    save.click()
    expect(page).to_have_url(site.url("/framework/targets/"))
    expect(page.get_by_role("status")).to_have_text("Target of PREV-1 changed.")
    expect(target_row.get_by_role("cell").nth(2)).to_have_text("12,000")
    screenshot("4-changed")

    change.click()
    expect(page.locator(".lead")).to_contain_text("now 12,000")
    history = page.get_by_role("table")
    expect(history.get_by_role("row")).to_have_count(3)  # the header, this change, and the framework file's
    changed = history.get_by_role("row").filter(has_text=REASON)
    expect(changed.get_by_role("cell")).to_have_text([re.compile(r"\d"), "manager", "11,000", "12,000", REASON])
    loaded = history.get_by_role("row").filter(has_text="framework file")
    expect(loaded.get_by_role("cell")).to_have_text(
        [re.compile(r"\d"), "framework file", "–", "11,000", re.compile("default.yaml")]
    )
    screenshot("5-history")
