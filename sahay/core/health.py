"""`GET /health/` for monitors and load balancers: can this instance reach its database, queue and key?

Answers 200 with `{"status": "ok", "checks": {...}}`, or 503 naming each failed check with a short reason
(the kind of error, never its text: that may hold a host, a user or a broker password). It needs no sign-in
and never touches the session, so a poll every few seconds creates no session; it holds no personal data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from sahay.accounts.middleware import second_factor_not_required
from sahay.core.encryption import decrypt_bytes, encrypt_bytes

logger = logging.getLogger(__name__)

# A load balancer's poll must not hang on an unreachable broker.
BROKER_TIMEOUT_SECONDS = 2.0
ENCRYPTION_PROBE = b"sahay health check"

CheckResult = dict[str, str]


class CheckError(Exception):
    """A check's own short reason, safe to show."""


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise CheckError("the database answered something else than 1")
    return "ok"


def check_queue() -> str:
    """The broker, when one is configured; without one, jobs run in this process ("embedded")."""
    if not settings.SAHAY_BROKER_URL:
        return "embedded"
    from kombu.connection import Connection

    with Connection(  # type: ignore[no-untyped-call]  # kombu's constructor is not annotated
        settings.SAHAY_BROKER_URL,
        connect_timeout=BROKER_TIMEOUT_SECONDS,
        transport_options={"socket_timeout": BROKER_TIMEOUT_SECONDS},
    ) as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT_SECONDS)
    return "ok"


def check_encryption() -> str:
    """The configured keys can encrypt and read back (a malformed or missing key fails here, not on a case)."""
    if decrypt_bytes(encrypt_bytes(ENCRYPTION_PROBE)) != ENCRYPTION_PROBE:
        raise CheckError("the key did not read back what it encrypted")
    return "ok"


def _run(name: str, check: Callable[[], str]) -> CheckResult:
    try:
        return {"status": check()}
    except CheckError as failure:
        reason = str(failure)
    except Exception as error:
        # The exception's class says what went wrong; its text may carry a host, a user name or a password.
        reason = f"{type(error).__name__}"
    logger.warning("Health check %s failed: %s", name, reason)
    return {"status": "failed", "reason": reason}


@second_factor_not_required
@never_cache
@require_http_methods(["GET", "HEAD"])
def health(request: HttpRequest) -> JsonResponse:
    checks = {
        "database": _run("database", check_database),
        "queue": _run("queue", check_queue),
        "encryption": _run("encryption", check_encryption),
    }
    failed = sorted(name for name, result in checks.items() if result["status"] == "failed")
    body: dict[str, object] = {"status": "failed" if failed else "ok", "checks": checks}
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if failed else 200)
