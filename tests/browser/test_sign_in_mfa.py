"""The second factor in the browser: setting up an authenticator app, signing in with it, the sign-in lock."""

from __future__ import annotations

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from conftest import TEST_PASSWORD
from sahay.accounts.second_factor import device_code
from tests.browser.conftest import Screenshot, Site


def password_step(site: Site, page: Page, username: str, password: str = TEST_PASSWORD) -> None:
    page.goto(site.url("/sign-in/"))
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def app_code(secret: str) -> str:
    """What an authenticator app shows for this base32 secret now, worked out as the app does (RFC 6238)."""
    from base64 import b32decode

    from django_otp.oath import totp

    return str(totp(b32decode(secret))).zfill(6)


@pytest.mark.browser
def test_a_new_user_sets_up_the_app_then_signs_in_with_it(site: Site, page: Page, screenshot: Screenshot) -> None:
    password_step(site, page, "me")
    expect(page).to_have_url(re.compile(r"/sign-in/second-factor/set-up/"))
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    expect(page.locator(".qr-code svg")).to_be_visible()
    # Before the second step, no page but these: the main menu is not shown.
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    screenshot("1-set-up")

    secret = page.locator(".totp-secret").inner_text()
    page.get_by_label("Code").fill(app_code(secret))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    screenshot("2-recovery-codes")
    page.get_by_role("link", name="I have kept them: continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(site.programme.name_en)

    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    password_step(site, page, "me")
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    # The page asked for is still behind the second step.
    page.goto(site.url("/framework/indicators/"))
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    screenshot("3-second-step")
    device = TOTPDevice.objects.get(user=site.users.me_officer, confirmed=True)
    page.get_by_label("Code").fill(device_code(device))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(site.url("/framework/indicators/"))


@pytest.mark.browser
def test_five_wrong_passwords_lock_the_sign_in(site: Site, page: Page, screenshot: Screenshot) -> None:
    TOTPDevice.objects.create(user=site.users.programme_manager, name="phone", confirmed=True)
    for _ in range(5):
        password_step(site, page, "manager", "not the password")
        expect(page.get_by_role("alert")).to_have_text("The user name or password is not right. Try again.")
    password_step(site, page, "manager")
    expect(page).to_have_url(site.url("/sign-in/"))
    expect(page.get_by_role("alert")).to_have_text("The user name or password is not right. Try again.")
    screenshot("locked")
