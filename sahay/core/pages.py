"""Helpers every page view shares: mapping service errors onto forms, sorting and paging lists."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from sahay.accounts.models import User

M = TypeVar("M", bound=Model)
PAGE_SIZE = 25


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, field by field, keeping what the user typed."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def sort_list(
    request: HttpRequest, queryset: QuerySet[M], allowed: dict[str, str], default: str
) -> tuple[QuerySet[M], str]:
    """Order by the `sort` parameter when it names an allowed column (a leading '-' reverses)."""
    requested = request.GET.get("sort", default)
    column = requested.removeprefix("-")
    if column not in allowed:
        requested, column = default, default.removeprefix("-")
    field = allowed[column]
    return queryset.order_by(f"-{field}" if requested.startswith("-") else field, "pk"), requested


def plain_number(value: Decimal) -> Decimal | int:
    """A stored amount as a form shows it: 12000 rather than 12000.00."""
    return int(value) if value == value.to_integral_value() else value


def paginate(request: HttpRequest, items: QuerySet[Any]) -> Page[Any]:
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


class AuthenticatedRequest(HttpRequest):
    """A request past LoginRequiredMiddleware: its user is a signed-in Sahay user."""

    user: User
