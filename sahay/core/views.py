"""Reference data pages: organisations, provinces and districts, in the user's scope."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sahay.accounts.decorators import right_required
from sahay.accounts.rights import Right
from sahay.accounts.scope import scope_of
from sahay.core.forms import AreaForm
from sahay.core.models import AdministrativeArea, Organisation
from sahay.core.pages import AuthenticatedRequest, add_service_errors, paginate, sort_list
from sahay.core.services import area_create


@right_required(Right.VIEW_REFERENCE_DATA)
def organisation_list(request: AuthenticatedRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    organisations = scope_of(request.user).filter(
        Organisation.objects.select_related("country", "parent"), organisation_field="pk"
    )
    if search:
        organisations = organisations.filter(Q(name__icontains=search) | Q(country__code__iexact=search))
    organisations, sort = sort_list(
        request, organisations, {"name": "name", "kind": "kind", "country": "country__name_en"}, default="country"
    )
    return render(
        request, "core/organisation_list.html", {"page": paginate(request, organisations), "q": search, "sort": sort}
    )


@right_required(Right.MANAGE_AREAS)
def area_list(request: AuthenticatedRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    # Areas are shared by everyone working in a country, whatever their organisation.
    areas = AdministrativeArea.objects.filter(country__in=scope_of(request.user).countries()).select_related(
        "country", "parent"
    )
    if search:
        areas = areas.filter(name__icontains=search)
    areas, sort = sort_list(
        request, areas, {"name": "name", "country": "country__name_en", "kind": "kind"}, default="country"
    )
    return render(request, "core/area_list.html", {"page": paginate(request, areas), "q": search, "sort": sort})


@right_required(Right.MANAGE_AREAS)
@require_http_methods(["GET", "POST"])
def area_new(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    countries = scope_of(user).countries()
    form = AreaForm(request.POST or None, countries=countries)
    if request.method == "POST" and form.is_valid():
        try:
            area = area_create(created_by=user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s added.") % {"name": area.name})
            return redirect("area_list")
    return render(request, "core/area_form.html", {"form": form})
