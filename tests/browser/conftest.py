"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

The live server answers from another thread, so these tests cannot run inside a rolled-back
transaction: they use `transactional_db`, which empties every table after each test. The roles and
countries that migrations seed are restored before each test by a serialized rollback.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest
from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client
from playwright.sync_api import BrowserContext, Page, Playwright
from pytest_django.live_server_helper import LiveServer
from pytest_playwright import CreateContextCallback

from conftest import RoleUsers, sign_in_verified
from sahay.accounts.models import User
from sahay.frameworks.models import Programme

CHROMIUM_ENV = "SAHAY_CHROMIUM"
CHROMIUM_DEFAULT = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Outside test-results/, which pytest-playwright empties at the start of every run.
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "screenshots"


@pytest.fixture(scope="session")
def django_connections(django_db_setup: None) -> dict[str, BaseDatabaseWrapper]:
    """The connections the test databases were set up on, and their seed data serialized on."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return {alias: connections[alias] for alias in connections}
    pytest.fail(
        "Playwright's event loop was already running before tests/browser/conftest.py kept Django's "
        "database connections: no fixture outside it may start Playwright first.",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def playwright(django_connections: dict[str, BaseDatabaseWrapper], playwright: Playwright) -> Iterator[Playwright]:
    """pytest-playwright's Playwright, with Django kept on its own database connections.

    Playwright's sync API leaves an asyncio loop running in the test thread. asgiref then hands
    Django new, context-local connections instead of those the test databases were set up on:
    they would lack the serialized seed data (so roles and countries would be gone after the first
    test's flush) and, on SQLite in memory, not be the connection shared with the live server.
    """
    for alias, connection in django_connections.items():
        connections[alias] = connection
    yield playwright


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright's launch options (--headed, --slowmo, ...) plus the system Chromium."""
    executable = os.environ.get(CHROMIUM_ENV) or CHROMIUM_DEFAULT
    if not (Path(executable).is_file() and os.access(executable, os.X_OK)):
        # Never skip: CI must run these tests, so a missing browser is a failure.
        pytest.fail(
            f"The browser tests need Chromium, but {executable!r} is not an executable file. "
            f"Install Debian's chromium package (apt-get install chromium) or set {CHROMIUM_ENV} "
            "to the path of a Chromium executable.",
            pytrace=False,
        )
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """English unless a test switches, whatever the machine's locale; a laptop-sized window."""
    return {**browser_context_args, "locale": "en-GB", "viewport": {"width": 1366, "height": 900}}


@pytest.fixture
def browser_db(transactional_db: None, django_db_serialized_rollback: None) -> None:
    """A database the live server's thread sees, with the migrations' seed data in every test."""


@dataclass
class Site:
    """The running Sahay a browser test talks to, with the framework loaded and one user per role."""

    base_url: str
    programme: Programme
    users: RoleUsers

    def url(self, path: str) -> str:
        return self.base_url + path


@pytest.fixture
def site(browser_db: None, live_server: LiveServer, entered_programme: Programme, role_users: RoleUsers) -> Site:
    return Site(base_url=live_server.url, programme=entered_programme, users=role_users)


SignIn = Callable[[User], Page]


def sign_in_context(site: Site, context: BrowserContext, user: User) -> None:
    """Give a browser context a session for a user without the sign-in page (the login journey tests that)."""
    client = sign_in_verified(Client(), user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": site.base_url}])


@pytest.fixture
def signed_in(site: Site, context: BrowserContext, page: Page) -> SignIn:
    """The test's browser, signed in as a user."""

    def sign_in(user: User) -> Page:
        sign_in_context(site, context, user)
        return page

    return sign_in


@pytest.fixture
def signed_in_elsewhere(site: Site, new_context: CreateContextCallback) -> SignIn:
    """Another browser of its own (another person at their own computer), signed in as a user."""

    def sign_in(user: User) -> Page:
        context = new_context()
        sign_in_context(site, context, user)
        return context.new_page()

    return sign_in


class Screenshot(Protocol):
    def __call__(self, step: str, page: Page | None = None) -> None: ...


@pytest.fixture
def screenshot(request: pytest.FixtureRequest, page: Page) -> Screenshot:
    """Save the page (the test's own, or one of another browser) as screenshots/<test-name>-<step>.png."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    test_name = request.node.originalname
    own_page = page

    def take(step: str, page: Page | None = None) -> None:
        (page or own_page).screenshot(path=SCREENSHOT_DIR / f"{test_name}-{step}.png", full_page=True)

    return take
