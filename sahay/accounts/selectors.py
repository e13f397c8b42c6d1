"""Reads of user accounts."""

from __future__ import annotations

from django.db.models import QuerySet

from sahay.accounts.access import effective_rights
from sahay.accounts.models import Role, User
from sahay.accounts.rights import NEEDS_CONFIRMATION, Right


def users_holding(right: Right) -> QuerySet[User]:
    """Active users who hold the right now (their role's, confirmed where it needs confirmation). Roles are
    few, so their rights are read here, not in SQL (a JSON list cannot be searched the same way on SQLite
    and PostgreSQL)."""
    roles = [role.pk for role in Role.objects.all() if role.holds(right)]
    holders = User.objects.filter(is_active=True, role__in=roles).select_related("role")
    if right.value not in NEEDS_CONFIRMATION:
        return holders
    return User.objects.filter(pk__in=[user.pk for user in holders if right.value in effective_rights(user)])
