"""Every URL under /api/: the resources, the OpenAPI schema and its documentation page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from sahay.api import pages
from sahay.api.views import cases, figures, framework, imports, records, reports

MODULES = (framework, records, figures, reports, cases, imports)


class Router(DefaultRouter):
    include_root_view = False


router = Router(trailing_slash=True)
for module in MODULES:
    for prefix, viewset, basename in module.routes:
        router.register(prefix, viewset, basename=basename)


def _machine_facing(patterns: list[URLPattern | URLResolver]) -> list[URLPattern | URLResolver]:
    """The API authenticates each request itself (token or session) and answers 401 in JSON: the pages'
    sign-in redirect and second-factor step do not apply."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _machine_facing(pattern.url_patterns)
        else:
            pattern.callback.login_required = False  # type: ignore[attr-defined]
            pattern.callback.second_factor_required = False  # type: ignore[attr-defined]
    return patterns


def _page_for_people(view: Callable[..., Any]) -> Callable[..., Any]:
    """A DRF view served as a page: signed in past the second factor, as every page.

    DRF marks each of its views `login_required = False` (it authenticates each request itself), and
    Django's `login_required` wrapper copies that mark onto the wrapper, so LoginRequiredMiddleware and the
    second-factor step (SecondFactorRequired) both let the page through. The mark is undone here, at its
    source, so both middlewares apply: a session past the password alone goes to the second factor.
    """
    view.login_required = True  # type: ignore[attr-defined]
    view.second_factor_required = True  # type: ignore[attr-defined]
    return view


api_patterns: list[URLPattern | URLResolver] = [
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="api_schema"),
    *[pattern for module in MODULES for pattern in module.urlpatterns],
    *router.urls,
]

urlpatterns: list[URLPattern | URLResolver] = [
    # Pages for people, signed in (both steps) as on every page: the documentation and the token pages.
    path("docs/", _page_for_people(SpectacularSwaggerSplitView.as_view(url_name="api_schema")), name="api_docs"),
    path("tokens/", pages.token_list, name="api_tokens"),
    path("tokens/<int:pk>/revoke/", pages.token_revoke_view, name="api_token_revoke"),
    path("", include(_machine_facing(api_patterns))),
]
