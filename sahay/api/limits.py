"""What a token narrows: the countries or organisations it was limited to, inside its owner's scope.

The owner's scope is applied first, by the same selectors and policy the pages use; a token's limit can
only take rows away from what its owner sees, never add any.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from django.db.models import Model, Q, QuerySet
from rest_framework.request import Request

from sahay.api.models import ApiToken
from sahay.core.models import Organisation

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class TokenLimit:
    country_ids: frozenset[int] = frozenset()
    organisation_ids: frozenset[int] = frozenset()

    @property
    def is_limited(self) -> bool:
        return bool(self.country_ids or self.organisation_ids)

    def condition(self, *, country_field: str = "country", organisation_field: str = "organisation") -> Q:
        if self.country_ids:
            return Q(**{f"{country_field}__in": self.country_ids})
        if self.organisation_ids:
            return Q(**{f"{organisation_field}__in": self.organisation_ids})
        return Q()

    def filter(
        self, queryset: QuerySet[M], *, country_field: str = "country", organisation_field: str = "organisation"
    ) -> QuerySet[M]:
        if not self.is_limited:
            return queryset
        return queryset.filter(self.condition(country_field=country_field, organisation_field=organisation_field))

    def covers(self, organisation: Organisation) -> bool:
        if self.country_ids:
            return organisation.country_id in self.country_ids
        if self.organisation_ids:
            return organisation.pk in self.organisation_ids
        return True


NO_LIMIT = TokenLimit()


def limit_of(request: Request) -> TokenLimit:
    """The limit of the token the request came with; a signed-in browser session has none."""
    token = request.auth
    if not isinstance(token, ApiToken):
        return NO_LIMIT
    cached: TokenLimit | None = getattr(token, "_limit", None)
    if cached is None:
        cached = TokenLimit(
            frozenset(token.countries.values_list("pk", flat=True)),
            frozenset(token.organisations.values_list("pk", flat=True)),
        )
        token._limit = cached  # type: ignore[attr-defined]
    return cached
