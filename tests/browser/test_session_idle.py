"""The idle warning: staying signed in keeps what was typed; sign-out leaves the old cookie reaching nothing.

The idle limit is cut to six seconds (and the warning to three before it) so the journey takes seconds.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import Page, expect

from sahay.accounts.models import UserSession
from tests.browser.conftest import Screenshot, SignIn, Site
from tests.browser.helpers import form_field

IDLE_MINUTES = 0.1  # six seconds


@pytest.fixture
def short_idle(settings: Any) -> None:
    settings.SAHAY_SESSION_IDLE_MINUTES = IDLE_MINUTES
    settings.SAHAY_SESSION_WARNING_SECONDS = 3


def session_cookie(page: Page) -> str:
    cookies = page.context.cookies()
    return next(cookie["value"] for cookie in cookies if cookie["name"] == django_settings.SESSION_COOKIE_NAME)


def old_cookie_is_sent_to_sign_in(key: str) -> bool:
    client = Client()
    client.cookies[django_settings.SESSION_COOKIE_NAME] = key
    response = client.get("/framework/indicators/")
    return response.status_code == 302 and response["Location"].startswith("/sign-in/?next=")


@pytest.mark.browser
def test_stay_signed_in_keeps_what_was_typed(
    short_idle: None, site: Site, signed_in: SignIn, screenshot: Screenshot
) -> None:
    page = signed_in(site.users.system_administrator)
    page.goto(site.url("/users/new/"))
    user_name = form_field(page, "User name")
    user_name.fill("typed before the warning")
    user_name.focus()

    warning = page.get_by_role("alertdialog", name="You are about to be signed out")
    stay = warning.get_by_role("button", name="Stay signed in")
    expect(warning).to_be_visible(timeout=8000)
    expect(stay).to_be_focused()
    screenshot("1-warning")

    stay.click()
    expect(warning).to_be_hidden()
    expect(page).to_have_url(site.url("/users/new/"))
    expect(user_name).to_have_value("typed before the warning")
    expect(user_name).to_be_focused()
    screenshot("2-stayed")

    # Past the idle limit counted from the page, but not from "Stay signed in": still signed in.
    page.wait_for_timeout(3500)
    page.goto(site.url("/users/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Users")

    # Signing out ends the session: the old cookie reaches nothing.
    key = session_cookie(page)
    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(site.url("/sign-in/"))
    assert old_cookie_is_sent_to_sign_in(key)
    assert not UserSession.objects.filter(session_key=key).exists()
    screenshot("3-signed-out")


@pytest.mark.browser
def test_idle_past_the_limit_signs_out_but_leaves_the_text(
    short_idle: None, site: Site, signed_in: SignIn, screenshot: Screenshot
) -> None:
    page = signed_in(site.users.system_administrator)
    page.goto(site.url("/users/new/"))
    user_name = form_field(page, "User name")
    user_name.fill("still here to copy")
    key = session_cookie(page)

    warning = page.get_by_role("alertdialog")
    expect(warning).to_contain_text("You were signed out because of inactivity", timeout=10000)
    expect(warning.get_by_role("button", name="Stay signed in")).to_be_hidden()
    expect(user_name).to_have_value("still here to copy")
    screenshot("1-signed-out-in-place")

    page.goto(site.url("/users/"))
    expect(page).to_have_url(site.url("/sign-in/?next=/users/"))
    expect(page.get_by_role("status")).to_contain_text("without activity")
    assert old_cookie_is_sent_to_sign_in(key)
