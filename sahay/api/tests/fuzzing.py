"""Schemathesis over the whole API: every operation, called with generated valid and invalid input.

Used by the test suite (a few examples per operation and role, so the suite keeps its time budget) and by
`make bench` (many more). A failure is a 5xx, or a response that does not match what the schema declares.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import schemathesis
from django.core import signals
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from sahay.wsgi import application

CHECKS = [not_a_server_error, response_schema_conformance]


def api_schema() -> schemathesis.schemas.BaseSchema:
    """The schema Sahay serves at /api/schema/, called in-process through the WSGI application."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(generated)
    schema.app = application
    return schema


def fuzz(callers: Mapping[str, dict[str, str]], *, examples: int, seed_everything: bool = True) -> list[str]:
    """Call every operation as each caller (name → request headers); return the failures, one line each."""
    failures: list[str] = []
    schema = api_schema()
    with connection_kept_open():
        for result in schema.get_all_operations():
            operation = result.ok()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                for caller, headers in callers.items():
                    failures += _fuzz_operation(operation, mode, caller, headers, examples, seed_everything)
    return failures


@contextmanager
def connection_kept_open() -> Iterator[None]:
    """Calls go through the WSGI handler, which closes the database connection after each request; a test's
    database lives in that connection's transaction, so it must stay open (Django's test client does the same)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _fuzz_operation(
    operation: Any, mode: GenerationMode, caller: str, headers: dict[str, str], examples: int, derandomize: bool
) -> list[str]:
    found: list[str] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=derandomize,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def call(case: Any) -> None:
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except Exception as failure:
            found.append(
                f"{caller} {mode.value} {case.method} {case.formatted_path}: "
                f"{response.status_code} {_first_line(failure)}"
            )

    call()
    return found


def _first_line(failure: Exception) -> str:
    text = str(failure).strip()
    return text.splitlines()[0][:300] if text else type(failure).__name__
