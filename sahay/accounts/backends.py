"""Authentication backend whose permissions are the user's effective rights (sahay.accounts.access).

Those are the rights of the user's role, less the ones over identities no second person confirmed yet.
"""

from typing import Any

from django.contrib.auth.backends import ModelBackend

from sahay.accounts.access import effective_rights
from sahay.accounts.models import User


class RoleBackend(ModelBackend):
    def get_all_permissions(self, user_obj: Any, obj: object = None) -> set[str]:
        if not isinstance(user_obj, User) or not user_obj.is_active or user_obj.role is None:
            return set()
        return {f"sahay.{right}" for right in effective_rights(user_obj)}

    def get_user_permissions(self, user_obj: Any, obj: object = None) -> set[str]:
        return self.get_all_permissions(user_obj, obj)

    def get_group_permissions(self, user_obj: Any, obj: object = None) -> set[str]:
        return set()

    def has_perm(self, user_obj: Any, perm: str, obj: object = None) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)
