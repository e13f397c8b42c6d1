"""No answer of Sahay is kept by a browser or a proxy: person-level data must not outlive the page (goal 25).

One middleware marks every answer that passes through Django `no-store`: pages, refusals, redirects, API
answers and downloads alike, so a new page cannot forget it. Only the static files (style sheets, scripts,
icons), which WhiteNoise serves before this middleware is reached, are cached.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
        return response
