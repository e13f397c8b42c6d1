"""The demo, built once per test that asks for it (building it takes a while: ask for it sparingly)."""

from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.fixture
def demo(capsys: pytest.CaptureFixture[str]) -> str:
    """`sahay demo --no-serve` on the test database; its printed output."""
    call_command("demo", no_serve=True)
    return capsys.readouterr().out
