"""Reads of the framework. The framework itself is not sensitive: every signed-in role may read it."""

from django.db.models import QuerySet

from sahay.accounts.models import User
from sahay.accounts.scope import scope_of
from sahay.frameworks.models import Indicator, Programme, Target, TargetChange


def current_programme() -> Programme | None:
    """The programme Sahay runs; with several, the most recent."""
    return Programme.objects.order_by("-start", "-pk").first()


def indicator_list(*, programme: Programme) -> QuerySet[Indicator]:
    return programme.indicators.select_related("strategy").prefetch_related("targets__country", "baselines")


def target_list(*, user: User, programme: Programme) -> QuerySet[Target]:
    """Programme targets for everyone with figures; country targets only for countries in scope."""
    scope = scope_of(user)
    targets = Target.objects.filter(indicator__programme=programme).select_related("indicator", "country")
    if scope.sees_programme_totals:
        return targets
    return targets.filter(country__isnull=True) | targets.filter(country__in=scope.countries())


def target_history(*, target: Target) -> QuerySet[TargetChange]:
    return target.changes.select_related("changed_by")
