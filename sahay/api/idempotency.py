"""`Idempotency-Key`: a write retried with the same key (after a timeout, say) is done once.

The first successful answer is kept with the key, in the transaction of the write itself, so either both
the record and the kept answer exist or neither does. A retry gets the kept answer back; the same key with
a different request is refused. Two copies arriving at once: one writes, the other is told to retry.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.permissions import SAFE_METHODS
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from sahay.api.models import ApiToken, IdempotentRequest

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# A client retries within minutes; a day covers a night's outage without keeping answers forever.
KEPT_FOR = timedelta(hours=24)


class KeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"


class KeyInvalid(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "idempotency_key_invalid"


class ReplayError(Exception):
    def __init__(self, kept: IdempotentRequest) -> None:
        self.kept = kept


def body_digest(request: HttpRequest) -> str | None:
    """The raw body's digest, read before DRF parses it; None for a multipart upload (see `upload_digest`)."""
    if (request.content_type or "").startswith("multipart/"):
        return None
    return hashlib.sha256(request.body).hexdigest()


def upload_digest(request: Request) -> str:
    """A multipart upload by its fields and its files' contents, read in chunks rather than held whole."""
    digest = hashlib.sha256()
    for name in sorted(request.POST):
        digest.update(f"{name}={request.POST.getlist(name)!r}\n".encode())
    for name in sorted(request.FILES):
        for upload in request.FILES.getlist(name):
            digest.update(f"{name}:{upload.name}:{upload.size}\n".encode())
            for chunk in upload.chunks():
                digest.update(chunk)
    return digest.hexdigest()


def fingerprint(request: Request, body: str | None) -> str:
    """What was asked, and through which token: the same key from another token is another request, so
    a token never gets an answer made for a wider one."""
    token = request.auth.pk if isinstance(request.auth, ApiToken) else "session"
    content = body if body is not None else upload_digest(request)
    return hashlib.sha256(f"{request.method} {request.get_full_path()} {token} {content}".encode()).hexdigest()


def key_of(request: HttpRequest) -> str | None:
    if request.method in SAFE_METHODS:
        return None
    return request.headers.get(HEADER)


class IdempotentWrites:
    """Mixed into every API view (before DRF's APIView)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        key = key_of(request)
        if key is None:
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        self._idempotency_key, self._body_digest = key, body_digest(request)
        try:
            with transaction.atomic():
                response = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
                if status.is_success(response.status_code) and not getattr(response, "replayed", False):
                    IdempotentRequest.objects.filter(created_at__lt=timezone.now() - KEPT_FOR).delete()
                    IdempotentRequest.objects.create(
                        owner=self.request.user,  # type: ignore[attr-defined]
                        key=key,
                        fingerprint=self._fingerprint,
                        status=response.status_code,
                        body=json.loads(JSONRenderer().render(response.data) or b"null"),
                    )
        except IntegrityError:
            # A copy of this request with the same key finished while this one ran (its record, or the key
            # itself, clashed): nothing of this one stays, and sending it again replays the first one's answer.
            user = getattr(getattr(self, "request", None), "user", None)
            if user is None or not IdempotentRequest.objects.filter(owner=user.pk, key=key).exists():
                raise
            response = Response(
                {
                    "detail": _(
                        "A request with this Idempotency-Key was being handled; send it again to get its answer."
                    )
                },
                status=status.HTTP_409_CONFLICT,
            )
            response = self.finalize_response(self.request, response, *args, **kwargs)  # type: ignore[attr-defined]
        return response

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        key: str | None = getattr(self, "_idempotency_key", None)
        if key is None:
            return
        if not key.strip() or len(key) > MAX_KEY_LENGTH:
            raise KeyInvalid(_("An Idempotency-Key has 1 to %(count)s characters.") % {"count": MAX_KEY_LENGTH})
        kept = IdempotentRequest.objects.filter(
            owner=request.user.pk, key=key, created_at__gte=timezone.now() - KEPT_FOR
        ).first()
        self._fingerprint = fingerprint(request, self._body_digest)
        if kept is None:
            return
        if kept.fingerprint != self._fingerprint:
            raise KeyReused(_("This Idempotency-Key was used for another request: use a new key for a new request."))
        raise ReplayError(kept)

    def handle_exception(self, error: Exception) -> Response:
        if isinstance(error, ReplayError):
            response = Response(error.kept.body, status=error.kept.status, headers={"Idempotent-Replayed": "true"})
            response.replayed = True  # type: ignore[attr-defined]
            return response
        handled: Response = super().handle_exception(error)  # type: ignore[misc]
        return handled
