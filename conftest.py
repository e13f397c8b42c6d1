"""Shared fixtures: the default framework, organisations, and one user per role with a named scope."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Max
from django.test import Client
from django.utils import translation

from sahay.accounts.access import TEST_SET_UP, access_confirm_at_set_up
from sahay.accounts.models import Role, User
from sahay.audit import guard
from sahay.core.models import Country, Organisation
from sahay.figures.ledger import maintain
from sahay.figures.ledger.check import row_differences
from sahay.figures.ledger.models import LedgerRule
from sahay.figures.ledger.signals import COUNTED_MODELS
from sahay.frameworks.models import Programme
from sahay.frameworks.services import framework_load

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls there are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

TEST_PASSWORD = "correct horse battery staple"  # noqa: S105 - test users only


@pytest.fixture(autouse=True)
def english_by_default() -> Iterator[None]:
    """Each test starts in English: a Dutch request in an earlier test must not leak into the next."""
    with translation.override("en"):
        yield


class _AuditGuardState:
    """Whether this test process has taken the audit guard off its test database (None: not yet known)."""

    lifted: bool | None = None


@pytest.fixture(autouse=True)
def audit_guard_for_flush(request: pytest.FixtureRequest) -> Iterator[None]:
    """Keep the audit trail's triggers on while a test runs, and off while a transactional test's database is emptied.

    A transactional test (transactional_db, live_server) ends with a flush: DELETE on SQLite, TRUNCATE on
    PostgreSQL, both refused by the triggers. This fixture asks for pytest-django's database helper before
    taking the guard off, so it is set up after that helper and torn down before it: the guard is removed
    just before the flush. The next test that uses the database puts it back before it starts (inside a
    rolled-back test transaction, where the helper has already opened it, for that test alone).
    """
    uses_database = (
        "_django_db_helper" in request.fixturenames
        or "live_server" in request.fixturenames
        or request.node.get_closest_marker("django_db") is not None
    )
    if not uses_database:
        yield
        return
    request.getfixturevalue("django_db_setup")
    blocker = request.getfixturevalue("django_db_blocker")
    with blocker.unblock():
        if _AuditGuardState.lifted is None:
            _AuditGuardState.lifted = not guard.is_installed(connection)
        if _AuditGuardState.lifted and not connection.in_atomic_block:
            guard.install(connection)
            _AuditGuardState.lifted = False
    request.getfixturevalue("_django_db_helper")
    # From here on this fixture's teardown runs before the helper's, which flushes a transactional test's tables.
    transactional = not connection.in_atomic_block
    if _AuditGuardState.lifted:
        with blocker.unblock():
            guard.install(connection)
            _AuditGuardState.lifted = not transactional
    yield
    if transactional:
        with blocker.unblock():
            guard.remove(connection)
        _AuditGuardState.lifted = True


def _counted_tables() -> list[tuple[int, int | None]]:
    """How many rows each counted table holds, and its highest id: a bulk write changes one or the other."""
    return [
        (model._default_manager.count(), model._default_manager.aggregate(top=Max("pk"))["top"])
        for model in COUNTED_MODELS
    ]


@pytest.fixture(autouse=True)
def figure_ledger_kept(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test that writes counted records leaves the figure ledger equal to the records.

    So no service can write a counted record past the change step, and nobody keeps a list of them: a write
    outside the step, or a bulk write that did not mark what it touched, fails the test that made it. (Tests
    whose database is emptied after them, and tests that wrote nothing counted, are not checked.)
    """
    uses_database = "_django_db_helper" in request.fixturenames or request.node.get_closest_marker("django_db")
    if not uses_database or "live_server" in request.fixturenames:
        yield
        return
    request.getfixturevalue("_django_db_helper")
    if not connection.in_atomic_block:  # a transactional test
        yield
        return
    maintain.discard_pending()
    maintain.unstepped_writes()
    marks, tables = maintain.marks_made(), _counted_tables()
    yield
    try:
        kept = LedgerRule.objects.exists()
    except DatabaseError:  # the test closed its database (a console script's test): nothing to look at
        return
    if not kept or (maintain.marks_made() == marks and _counted_tables() == tables):
        return
    # Marks left behind are not a fault in themselves: a write that failed leaves them, its records unchanged.
    unstepped = maintain.unstepped_writes()
    differences = row_differences(limit=5)
    problems = []
    if unstepped:
        problems.append(f"counted records written outside the change step: {sorted(set(unstepped))}")
    if differences:
        problems.append("the figure ledger differs from the records:\n  " + "\n  ".join(differences))
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture(autouse=True)
def jobs_at_once(settings: Any) -> None:
    """Background work runs in the test itself, so its outcome can be checked; tests/jobs try the thread."""
    settings.SAHAY_JOBS_INLINE = True


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any, request: pytest.FixtureRequest) -> None:
    """Argon2 is slow on purpose; tests that are not about hashing use a fast hasher."""
    if "argon2" not in request.keywords:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def programme(db: None) -> Programme:
    return framework_load(path=settings.SAHAY_DEFAULT_FRAMEWORK).programme


@dataclass
class Organisations:
    head_office: Organisation
    country_offices: dict[str, Organisation]
    partners: dict[str, Organisation]


@pytest.fixture
def organisations(db: None) -> Organisations:
    head_office = Organisation.objects.create(
        name="Test Head Office", kind=Organisation.Kind.HEAD_OFFICE, country=Country.objects.get(code="NL")
    )
    offices, partners = {}, {}
    for country in Country.objects.filter(is_programme_country=True):
        offices[country.code] = Organisation.objects.create(
            name=f"Test Office {country.code}",
            kind=Organisation.Kind.COUNTRY_OFFICE,
            country=country,
            parent=head_office,
        )
        partners[country.code] = Organisation.objects.create(
            name=f"Test Partner {country.code}",
            kind=Organisation.Kind.PARTNER,
            country=country,
            parent=offices[country.code],
        )
    partners["TH2"] = Organisation.objects.create(
        name="Test Partner TH second",
        kind=Organisation.Kind.PARTNER,
        country=offices["TH"].country,
        parent=offices["TH"],
    )
    return Organisations(head_office, offices, partners)


MakeUser = Callable[..., User]


@pytest.fixture
def make_user(db: None) -> MakeUser:
    counter = iter(range(1, 10_000))

    def make(
        role_code: str,
        *,
        country: str | None = None,
        organisation: Organisation | None = None,
        username: str | None = None,
    ) -> User:
        user = User(
            username=username or f"{role_code}-{next(counter)}",
            role=Role.objects.get(code=role_code),
            organisation=organisation,
            country=organisation.country if organisation else (Country.objects.get(code=country) if country else None),
        )
        user.set_password(TEST_PASSWORD)
        user.save()
        # Made by the test set-up, not by an administrator: its rights over identities are confirmed as such.
        access_confirm_at_set_up(user=user, by=TEST_SET_UP)
        return user

    return make


@dataclass
class RoleUsers:
    """One user of every role, each with the scope its role names."""

    programme_manager: User
    me_officer: User
    country_coordinator: User  # Nepal
    partner_staff: User  # a Thai partner
    donor_viewer: User
    system_administrator: User

    def all(self) -> dict[str, User]:
        return dict(vars(self))


@pytest.fixture
def role_users(make_user: MakeUser, organisations: Organisations) -> RoleUsers:
    return RoleUsers(
        programme_manager=make_user("programme_manager", username="manager"),
        me_officer=make_user("me_officer", username="me"),
        country_coordinator=make_user("country_coordinator", country="NP", username="coordinator-np"),
        partner_staff=make_user("partner_staff", organisation=organisations.partners["TH"], username="partner-th"),
        donor_viewer=make_user("donor_viewer", username="donor"),
        system_administrator=make_user("system_administrator", username="admin"),
    )


def sign_in_verified(client: Client, user: User) -> Client:
    """Sign a test client in as a user past both steps: the password (force_login) and the second factor.

    The user gets a confirmed TOTP device if they have none, and the session is marked as verified by it,
    as django_otp.login does after a right code.
    """
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        return sign_in_verified(Client(), user)

    return make


def typed_in(*codes: str) -> None:
    """Let these indicators take their figures from aggregate entries, as a programme without records would."""
    from sahay.frameworks.models import Indicator

    Indicator.objects.filter(code__in=codes).update(source=Indicator.Source.AGGREGATE_ENTRIES)


@pytest.fixture
def entered_programme(programme: Programme) -> Programme:
    """The default framework with the indicators the aggregate-entry tests use switched to typed-in figures."""
    typed_in("OUT-1", "OUT-6", "JUST-3")
    return programme


@pytest.fixture
def committed_db(transactional_db: None, django_db_serialized_rollback: None) -> None:
    """A database whose transactions really commit, emptied after the test like the browser tests' one.

    With a serialized rollback the flush at teardown leaves the tables empty (no content types
    recreated), which is what the next serialized-rollback test (the browser tests) expects to load into.
    """
