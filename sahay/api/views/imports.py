"""The API's imports endpoints."""

from __future__ import annotations

from django.urls import URLPattern

from sahay.api.routes import Routes

routes: Routes = []
urlpatterns: list[URLPattern] = []
