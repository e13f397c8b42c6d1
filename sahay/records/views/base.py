"""What every record page shares: listing with search, sort and pages; saving through a service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from sahay.core.pages import AuthenticatedRequest, add_service_errors, paginate, sort_list
from sahay.frameworks.selectors import current_programme


def list_page(
    request: AuthenticatedRequest,
    *,
    records: Callable[..., QuerySet[Any]],
    template: str,
    columns: dict[str, str],
    default_sort: str,
    context: dict[str, Any] | None = None,
    on_page: Callable[[list[Any]], None] | None = None,
) -> HttpResponse:
    """A list with search, sort and pages. The search term travels by POST and stays in the session, so a
    person's code never appears in a URL, a browser history or a server log. `on_page` is told which records
    the page shows, in the transaction that renders it (to audit the read)."""
    key = f"search:{request.path}"
    if request.method == "POST":
        request.session[key] = request.POST.get("q", "").strip()
        return redirect(request.path)
    if "clear" in request.GET:
        request.session.pop(key, None)
        return redirect(request.path)
    search = request.session.get(key, "")
    rows, sort = sort_list(request, records(user=request.user, search=search), columns, default=default_sort)
    page = paginate(request, rows)
    with transaction.atomic():
        if on_page is not None:
            on_page(list(page.object_list))
        return render(
            request,
            template,
            {"page": page, "q": search, "sort": sort, "search_by_post": True, **(context or {})},
        )


def save_or_show(
    request: AuthenticatedRequest,
    *,
    form: Any,
    save: Callable[[dict[str, Any]], Any],
    template: str,
    success: Callable[[Any], str],
    done: Callable[[Any], HttpResponse],
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """On a valid POST, save through the service and go on; otherwise show the form with what was typed."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied:
            form.add_error(None, _("You may not record this for that organisation."))
        else:
            messages.success(request, success(saved))
            warning = outside_programme_warning(saved)
            if warning:
                messages.warning(request, warning)
            return done(saved)
    return render(request, template, {"form": form, **(context or {})})


def outside_programme_warning(record: Any) -> str:
    """Dates outside the programme are accepted but flagged: they count in no programme figure."""
    programme = current_programme()
    day = getattr(record, "date", None) or getattr(record, "start", None)
    if programme is None or day is None or not hasattr(day, "year"):
        return ""
    if day < programme.start or day > programme.end:
        return _("Note: %(date)s lies outside the programme (%(start)s to %(end)s).") % {
            "date": day,
            "start": programme.start,
            "end": programme.end,
        }
    return ""


def go(name: str, *args: Any) -> Callable[[Any], HttpResponse]:
    return lambda saved: redirect(name, *args)
