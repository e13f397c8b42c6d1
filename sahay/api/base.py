"""The base of every API view: who may call it, idempotent writes, and the pages' own scope rules.

A resource's queryset comes from the same selector its list page uses (so the owner's scope and the case
policy decide what exists), narrowed by the token's limit. An object outside that queryset is a 404,
exactly as for one that does not exist.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.utils.cache import add_never_cache_headers
from rest_framework import generics, viewsets

from sahay.accounts.models import User
from sahay.accounts.rights import Right
from sahay.api.idempotency import IdempotentWrites
from sahay.api.limits import TokenLimit, limit_of
from sahay.core.models import Organisation
from sahay.records.selectors import capture_organisations

M = TypeVar("M", bound=Model)

RECORD_READERS = (Right.VIEW_FIGURES,)
RECORD_WRITERS = (Right.RECORD_DATA,)


class CallerMixin:
    """Who is calling, what they may see and where they may write."""

    request: Any
    read_rights: tuple[Right, ...] = RECORD_READERS
    write_rights: tuple[Right, ...] = RECORD_WRITERS

    @property
    def user(self) -> User:
        return self.request.user  # type: ignore[no-any-return]

    @property
    def limit(self) -> TokenLimit:
        return limit_of(self.request)

    def writable_organisations(self) -> QuerySet[Organisation]:
        """The organisations the caller records for, as on the pages, within the token's limit."""
        return self.limit.filter(capture_organisations(user=self.user), organisation_field="pk")

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        # Every answer is data someone may see only signed in: no browser or proxy may keep a copy.
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        add_never_cache_headers(response)
        return response


class ApiView(CallerMixin, IdempotentWrites, generics.GenericAPIView):  # type: ignore[type-arg]
    """A single-purpose endpoint (figures, DHIS2, an import upload)."""


class ApiViewSet(CallerMixin, IdempotentWrites, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """A resource: add the mixins of the operations it offers (list, retrieve, create, update, destroy)."""

    lookup_field = "public_id"
