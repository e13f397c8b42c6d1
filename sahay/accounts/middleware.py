"""Every page needs a verified second factor, except those that lead to one (sign-in, the second-factor step)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from sahay.accounts.second_factor import session_verified

View = TypeVar("View", bound=Callable[..., Any])


def second_factor_not_required(view: View) -> View:
    """Let a signed-in user whose second factor is not yet verified reach this view (the steps towards it)."""
    view.second_factor_required = False  # type: ignore[attr-defined]
    return view


class SecondFactorRequired:
    """After LoginRequiredMiddleware: a user past the password but not the second factor goes to that step."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if not getattr(view_func, "login_required", True) or not getattr(view_func, "second_factor_required", True):
            return None
        user = request.user
        if not user.is_authenticated or session_verified(user):
            return None
        return redirect_to_login(request.get_full_path(), reverse("second_factor"))
