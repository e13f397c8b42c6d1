"""Reads of user accounts."""

from __future__ import annotations

from django.db.models import QuerySet

from sahay.accounts.models import Role, User
from sahay.accounts.rights import Right


def users_holding(right: Right) -> QuerySet[User]:
    """Active users whose role holds the right. Roles are few, so their rights are read here, not in SQL
    (a JSON list cannot be searched the same way on SQLite and PostgreSQL)."""
    roles = [role.pk for role in Role.objects.all() if role.holds(right)]
    return User.objects.filter(is_active=True, role__in=roles)
