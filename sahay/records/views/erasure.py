"""Erasing a person's identity on a legal request: administrators only, confirmed, never undone."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from sahay.accounts.decorators import right_required
from sahay.accounts.rights import Right
from sahay.cases.services.erasure import person_erase
from sahay.core.pages import AuthenticatedRequest, add_service_errors
from sahay.records.forms import PersonEraseFindForm, PersonEraseForm
from sahay.records.models import Person


@right_required(Right.MANAGE_USERS)
@require_http_methods(["GET", "POST"])
@never_cache
def person_erase_find(request: AuthenticatedRequest) -> HttpResponse:
    """Administrators see no people lists: they name the person by organisation and exact code."""
    form = PersonEraseFindForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        person = Person.objects.filter(
            organisation=form.cleaned_data["organisation"], code=form.cleaned_data["code"].strip()
        ).first()
        if person is not None:
            return redirect("person_erase", public_id=person.public_id)
        form.add_error("code", _("No person has this code in this organisation."))
    return render(request, "records/person_erase_find.html", {"form": form})


@right_required(Right.MANAGE_USERS)
@require_http_methods(["GET", "POST"])
@never_cache
def person_erase_confirm(request: AuthenticatedRequest, public_id: str) -> HttpResponse:
    person = get_object_or_404(Person, public_id=public_id)
    form = PersonEraseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            person_erase(person=person, erased_by=request.user, reason=form.cleaned_data["reason"], request=request)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The identity of %(id)s is erased.") % {"id": person.public_id})
            return redirect("person_erase_find")
    return render(request, "records/person_erase.html", {"form": form, "person": person})
