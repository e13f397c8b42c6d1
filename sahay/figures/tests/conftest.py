"""A tiny programme world, written through the services, for the figure tests."""

from __future__ import annotations

import pytest

from sahay.figures.tests.test_engine import World


@pytest.fixture
def world(programme, role_users, organisations) -> World:
    return World(role_users.me_officer, organisations)
