"""What a caller may do: the rights of their role, as on the pages, and what their token allows."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from sahay.accounts.rights import Right
from sahay.api.models import ApiToken


class ApiAccess(BasePermission):
    """Reads need any of the view's `read_rights`, writes any of its `write_rights`; a read-only token never writes."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if user is None or not user.is_authenticated:
            return False
        writing = request.method not in SAFE_METHODS
        if writing and isinstance(request.auth, ApiToken) and not request.auth.writes:
            self.message = _("This token is read-only.")
            return False
        rights: tuple[Right, ...] = getattr(view, "write_rights" if writing else "read_rights", ())
        if not any(user.has_perm(right.permission) for right in rights):
            self.message = _("Your role may not do this.")
            return False
        return True
