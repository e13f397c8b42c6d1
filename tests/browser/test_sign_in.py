"""Signing in and out, as a user would in the browser."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from conftest import TEST_PASSWORD
from sahay.accounts.second_factor import device_code
from tests.browser.conftest import Screenshot, Site


def second_step(page: Page, device: TOTPDevice) -> None:
    """The second factor, with the code the manager's authenticator app would show."""
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    device.refresh_from_db()
    page.get_by_label("Code").fill(device_code(device))
    page.get_by_role("button", name="Continue").click()


@pytest.mark.browser
def test_sign_in_and_out(site: Site, page: Page, screenshot: Screenshot) -> None:
    device = TOTPDevice.objects.create(user=site.users.programme_manager, name="phone", confirmed=True)
    page.goto(site.url("/sign-in/"))
    heading = page.get_by_role("heading", name="Sign in to Sahay")
    user_name = page.get_by_label("User name")
    password = page.get_by_label("Password")
    sign_in = page.get_by_role("button", name="Sign in", exact=True)
    expect(heading).to_be_visible()
    expect(user_name).to_be_focused()
    expect(password).to_have_attribute("type", "password")
    expect(sign_in).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    screenshot("1-form")

    # A wrong password: the message, and the user name still typed so only the password needs retyping.
    user_name.fill("manager")
    password.fill("not the password")
    sign_in.click()
    expect(page.get_by_role("alert")).to_have_text("The user name or password is not right. Try again.")
    expect(page).to_have_url(site.url("/sign-in/"))
    expect(user_name).to_have_value("manager")
    expect(password).to_have_value("")
    screenshot("2-wrong-password")

    password.fill(TEST_PASSWORD)
    sign_in.click()
    second_step(page, device)
    expect(page).to_have_url(site.url("/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(site.programme.name_en)
    expect(page.get_by_role("heading", level=2, name="Prevention")).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text("manager · Programme manager")
    expect(page.get_by_role("alert")).to_have_count(0)
    screenshot("3-dashboard")

    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(site.url("/sign-in/"))
    expect(heading).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    screenshot("4-signed-out")

    # The session is gone: the dashboard asks to sign in again, and comes back after it.
    page.goto(site.url("/"))
    expect(page).to_have_url(site.url("/sign-in/?next=/"))
    expect(heading).to_be_visible()
    expect(user_name).to_have_value("")
    screenshot("5-dashboard-asks-sign-in")
    user_name.fill("manager")
    password.fill(TEST_PASSWORD)
    sign_in.click()
    second_step(page, device)
    expect(page).to_have_url(site.url("/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(site.programme.name_en)
