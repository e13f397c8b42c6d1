"""Every refusal and error as JSON with what went wrong and where; refusals audited as on the pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from sahay.audit.views import record_denial


def field_errors(error: DjangoValidationError) -> dict[str, list[str]]:
    """A service's ValidationError as DRF shows serializer errors: field → messages."""
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [str(message) for message in messages]
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": [str(message) for message in error.messages]}


def exception_handler(error: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(error, DjangoValidationError):
        return Response(field_errors(error), status=400)
    if isinstance(error, DjangoPermissionDenied):
        error = exceptions.PermissionDenied(str(error) or None)
    response = drf_exception_handler(error, context)
    if isinstance(error, exceptions.PermissionDenied) and "request" in context:
        record_denial(context["request"]._request, why="api")
    return response
