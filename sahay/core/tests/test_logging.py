"""Logs carry each request's id and no personal data: no query string, no request body, no request object."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from django.test import Client

from conftest import sign_in_verified
from sahay.core.request_ids import JsonFormatter, NoRequestDetailsFilter, RequestIdFilter

CHILD_NAME = "Anjali Synthetic-Tamang"  # synthetic, as every name in tests
PERSON_CODE = "NP-LOGCHECK-0042"


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """caplog with the filters the configured console handler has (caplog's own handler has none)."""
    console = next(handler for handler in logging.getLogger().handlers if handler.filters)
    assert {type(item) for item in console.filters} == {RequestIdFilter, NoRequestDetailsFilter}
    for item in console.filters:
        caplog.handler.addFilter(item)
    caplog.set_level(logging.DEBUG)
    yield caplog
    for item in console.filters:
        caplog.handler.removeFilter(item)


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    """Each record's message and every attribute it carries, and its JSON line as production writes it."""
    formatter = JsonFormatter()
    parts = []
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.extend(repr(value) for value in vars(record).values())
        parts.append(formatter.format(record))
    return "\n".join(parts)


@pytest.mark.django_db
def test_a_post_with_a_code_and_a_name_leaves_neither_in_the_logs(logged, role_users, organisations) -> None:
    client = sign_in_verified(Client(), role_users.partner_staff)
    body = {"code": PERSON_CODE, "name": CHILD_NAME, "sex": "female", "birth_year_estimated": "2011"}
    query = urlencode({"q": CHILD_NAME, "code": PERSON_CODE})

    created = client.post(f"/records/people/new/?{query}", body)
    missing = client.post(f"/records/people/no-such-page/?{query}", body)
    refused = Client(enforce_csrf_checks=True).post(f"/sign-in/?{query}", body)

    assert created.status_code in {200, 302}
    assert missing.status_code == 404
    assert refused.status_code == 403
    messages = [record.getMessage() for record in logged.records]
    assert "Not Found: /records/people/no-such-page/" in messages
    assert any(message.startswith("Forbidden (CSRF") for message in messages)

    text = everything_logged(logged)
    assert CHILD_NAME.split()[0] not in text
    assert PERSON_CODE not in text
    assert "q=" not in text


@pytest.mark.django_db
def test_each_log_record_of_a_request_carries_its_id(logged, role_users) -> None:
    client = sign_in_verified(Client(), role_users.partner_staff)
    response = client.get("/records/people/no-such-page/")

    request_id = response["X-Request-ID"]
    not_found = next(record for record in logged.records if record.getMessage().startswith("Not Found"))
    assert not_found.request_id == request_id
    line = json.loads(JsonFormatter().format(not_found))
    assert line["request_id"] == request_id
    assert line["level"] == "WARNING"
    assert line["logger"] == "django.request"
    assert "request" not in line


@pytest.mark.django_db
def test_a_sane_request_id_from_the_proxy_is_kept_and_anything_else_replaced(client: Client) -> None:
    assert client.get("/health/", headers={"X-Request-ID": "nginx-4f2a.7_b"})["X-Request-ID"] == "nginx-4f2a.7_b"
    for insane in ["x" * 65, "a b", "id\nforged line", f"{CHILD_NAME}", ""]:
        given = client.get("/health/", headers={"X-Request-ID": insane})["X-Request-ID"]
        assert given != insane
        assert len(given) == 32


def test_outside_a_request_the_id_is_a_dash(logged) -> None:
    logging.getLogger("sahay.test").info("nothing to do with a request")
    assert logged.records[-1].request_id == "-"


def test_query_strings_are_cut_from_any_message(logged) -> None:
    # runserver's request lines go through the same handler: Django's own is replaced in LOGGING.
    assert not logging.getLogger("django.server").handlers
    query = urlencode({"q": CHILD_NAME})
    logging.getLogger("django.server").info('"%s" %s %s', f"GET /records/people/?{query} HTTP/1.1", 200, 512)
    assert logged.records[-1].getMessage() == '"GET /records/people/ HTTP/1.1" 200 512'
