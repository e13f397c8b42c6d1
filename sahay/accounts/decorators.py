"""Page decorators that check a right of the user's role (403 when missing)."""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import user_passes_test
from django.core.exceptions import PermissionDenied

from sahay.accounts.rights import Right


def right_required(*rights: Right) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let the request through when the user holds any of the rights; otherwise 403."""

    def check(user: Any) -> bool:
        if any(user.has_perm(right.permission) for right in rights):
            return True
        raise PermissionDenied

    return user_passes_test(check)
