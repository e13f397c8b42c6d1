"""Request ids and log hygiene: every log line names its request, and none carries a query string or a request.

`RequestIdMiddleware` (first in MIDDLEWARE) takes the proxy's `X-Request-ID` when it is a sane token, or
makes one, sends it back on the response and keeps it in a context variable until the response is closed;
`RequestIdFilter` puts it on every log record. `NoRequestDetailsFilter` keeps what could hold personal
data out of log lines: the request object Django attaches to its records (its text holds the query
string, where search terms travel) and query strings in messages. Request bodies are never logged.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
# A proxy's id is kept only if it cannot smuggle anything into a log line or a header.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
NO_REQUEST = "-"
# A path followed by its query string, in a message such as `"GET /records/people/?q=... HTTP/1.1" 200`.
QUERY_STRING = re.compile(r"(?P<path>/[^\s?#\"'<>]*)\?[^\s\"'<>#]*")
# Record attributes never written out: Django's request (or, for runserver, socket) and runserver's clock.
HIDDEN_ATTRIBUTES = ("request", "server_time")

_current_request_id: ContextVar[str | None] = ContextVar("sahay_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request this thread is answering, if any."""
    return _current_request_id.get()


def _forget_request_id(**kwargs: Any) -> None:
    # Once the response is closed (after Django's own "Not Found" line), later lines belong to no request.
    _current_request_id.set(None)


class RequestIdMiddleware:
    """Gives each request an id (the proxy's, if sane), on the response and on every log record."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        request_finished.connect(_forget_request_id, dispatch_uid="sahay.core.request_ids")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if SANE_REQUEST_ID.fullmatch(incoming) else secrets.token_hex(16)
        request.request_id = request_id  # type: ignore[attr-defined]
        # Not reset on the way out: Django logs "Not Found" after the middleware has answered.
        _current_request_id.set(request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Puts `request_id` on every record ("-" outside a request); an id passed in `extra` is kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id() or NO_REQUEST
        return True


class NoRequestDetailsFilter(logging.Filter):
    """Drops the request object from records and query strings from messages."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name in HIDDEN_ATTRIBUTES:
            record.__dict__.pop(name, None)
        message = record.getMessage()
        if "?" in message:
            cleaned = QUERY_STRING.sub(r"\g<path>", message)
            if cleaned != message:
                record.msg, record.args = cleaned, None
        return True


class JsonFormatter(BaseJsonFormatter):
    """One JSON object a line: time, level, logger, message, request id, and any `extra` fields."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", "%(levelname)s %(name)s %(message)s %(request_id)s")
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, *HIDDEN_ATTRIBUTES])
        kwargs.setdefault("timestamp", "time")  # ISO 8601, UTC, from the record's creation
        super().__init__(*args, **kwargs)
