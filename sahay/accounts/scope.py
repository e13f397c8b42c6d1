"""Where a user may look: the one place every page, query and export asks.

A scope is all countries, one country, or one organisation (and so its country). Figures of a country
are visible to a country scope; only an all-countries scope sees programme totals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, Q, QuerySet

from sahay.accounts.models import ScopeKind, User
from sahay.core.models import Country

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Scope:
    kind: ScopeKind | None
    country_id: int | None = None
    organisation_id: int | None = None

    @property
    def sees_programme_totals(self) -> bool:
        return self.kind == ScopeKind.ALL

    def countries(self) -> QuerySet[Country]:
        programme_countries = Country.objects.filter(is_programme_country=True)
        if self.kind == ScopeKind.ALL:
            return programme_countries
        if self.kind in (ScopeKind.COUNTRY, ScopeKind.ORGANISATION) and self.country_id is not None:
            return programme_countries.filter(pk=self.country_id)
        return programme_countries.none()

    def covers_country(self, country: Country) -> bool:
        return self.kind == ScopeKind.ALL or (self.kind is not None and country.pk == self.country_id)

    def filter(
        self, queryset: QuerySet[M], *, country_field: str = "country", organisation_field: str | None = "organisation"
    ) -> QuerySet[M]:
        """Rows of the queryset that lie in this scope.

        With an organisation scope, rows must belong to that organisation; a model without an
        organisation (`organisation_field=None`) shows an organisation-scoped user nothing.
        """
        if self.kind == ScopeKind.ALL:
            return queryset
        return queryset.filter(self.condition(country_field=country_field, organisation_field=organisation_field))

    def condition(self, *, country_field: str = "country", organisation_field: str | None = "organisation") -> Q:
        """The scope as a query condition, for combining with other conditions."""
        if self.kind == ScopeKind.ALL:
            return Q()
        if self.kind == ScopeKind.COUNTRY:
            return Q(**{country_field: self.country_id})
        if self.kind == ScopeKind.ORGANISATION and organisation_field is not None:
            return Q(**{organisation_field: self.organisation_id})
        return NOTHING


NO_SCOPE = Scope(kind=None)
# A condition no row meets.
NOTHING = Q(pk__in=[])


def scope_of(user: User | AnonymousUser) -> Scope:
    if not isinstance(user, User) or not user.is_active or user.role is None:
        return NO_SCOPE
    kind = ScopeKind(user.role.scope_kind)
    if kind == ScopeKind.ALL:
        return Scope(kind)
    if kind == ScopeKind.COUNTRY and user.country_id:
        return Scope(kind, country_id=user.country_id)
    if kind == ScopeKind.ORGANISATION and user.organisation_id and user.country_id:
        return Scope(kind, country_id=user.country_id, organisation_id=user.organisation_id)
    # A role that needs a country or organisation the user lacks gives no access rather than too much.
    return NO_SCOPE
