"""People and households: listed by code; names only for the organisation that serves them."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from sahay.accounts.decorators import right_required
from sahay.accounts.rights import Right
from sahay.core.pages import AuthenticatedRequest, add_service_errors
from sahay.records.forms import HouseholdForm, PersonForm, PersonRoleForm
from sahay.records.models import Person
from sahay.records.reads import people_read, person_read
from sahay.records.selectors import capture_organisations, household_list, person_list, sees_identity
from sahay.records.services import household_save, person_save
from sahay.records.views.base import go, list_page, save_or_show

IDENTITY_FIELDS = ("name", "contact", "address")


@right_required(Right.VIEW_FIGURES)
@require_http_methods(["GET", "POST"])
@never_cache
def people(request: AuthenticatedRequest) -> HttpResponse:
    return list_page(
        request,
        records=person_list,
        template="records/person_list.html",
        columns={"code": "code", "sex": "sex", "organisation": "organisation__name", "created": "created_at"},
        default_sort="-created",
        on_page=lambda shown: people_read(
            people=shown, user=request.user, what="people", organisation=request.user.organisation, request=request
        ),
    )


def _person_data(data: dict[str, Any]) -> dict[str, Any]:
    return {key: data.get(key) for key in ("organisation", "code", "sex", "birth_date", "birth_year_estimated", "area")}


@right_required(Right.RECORD_DATA)
@require_http_methods(["GET", "POST"])
@never_cache
def person_create(request: AuthenticatedRequest) -> HttpResponse:
    form = PersonForm(request.POST or None, organisations=capture_organisations(user=request.user))
    role_form = PersonRoleForm(request.POST or None, prefix="role")
    for new_form in (form, role_form):  # someone new has nothing counted yet: nothing to correct
        del new_form.fields["correction_reason"]

    def save(data: dict[str, Any]) -> Person:
        if not role_form.is_valid():
            raise ValidationError({"code": _("Check the role below.")})
        spec = role_form.role_spec()
        roles = [spec] if spec else []
        return person_save(
            saved_by=request.user,
            **_person_data(data),
            name=data["name"],
            contact=data["contact"],
            address=data["address"],
            roles=roles,
        )

    return save_or_show(
        request,
        form=form,
        save=save,
        template="records/person_form.html",
        success=lambda person: _("%(code)s recorded.") % {"code": person.code},
        done=lambda person: redirect("person_edit", person.public_id),
        context={"role_form": role_form, "person": None},
    )


@right_required(Right.VIEW_FIGURES)
@require_http_methods(["GET", "POST"])
@never_cache
def person_edit(request: AuthenticatedRequest, public_id: str) -> HttpResponse:
    person = get_object_or_404(person_list(user=request.user), public_id=public_id)
    identity = sees_identity(request.user, person)
    recorded = {
        "organisation": person.organisation,
        "code": person.code,
        "sex": person.sex,
        "birth_date": person.birth_date,
        "birth_year_estimated": person.birth_year_estimated,
        "area": person.area,
    }
    # The exact date of birth is identity: whoever may not see the name sees the year only.
    initial = {**recorded, "birth_date": person.birth_date if identity else None}
    if identity:
        initial.update({field: getattr(person, field) for field in IDENTITY_FIELDS})
    can_edit = request.user.has_perm(Right.RECORD_DATA.permission)
    form = PersonForm(
        request.POST if "save_person" in request.POST else None,
        initial=initial,
        organisations=capture_organisations(user=request.user),
    )
    if not identity:
        for field in IDENTITY_FIELDS:
            del form.fields[field]
        if person.birth_date:
            form.fields["birth_date"].help_text = _(
                "Born in %(year)s. The exact date is not shown to you: leave this empty to keep it, or give the "
                "right date."
            ) % {"year": person.birth_date.year}
    role_form = PersonRoleForm(request.POST if "add_role" in request.POST else None, prefix="role")
    if request.method == "POST" and can_edit:
        target_form = form if "save_person" in request.POST else role_form
        if target_form.is_valid():
            try:
                if target_form is form:
                    data = form.cleaned_data
                    facts = _person_data(data)
                    if not identity and not facts["birth_date"] and not facts["birth_year_estimated"]:
                        facts["birth_date"] = person.birth_date  # not shown, not given: kept
                    kept = {field: data[field] if identity else getattr(person, field) for field in IDENTITY_FIELDS}
                    person_save(
                        saved_by=request.user,
                        person=person,
                        **facts,
                        **kept,
                        correction_reason=data["correction_reason"],
                    )
                    messages.success(request, _("%(code)s saved.") % {"code": person.code})
                else:
                    spec = role_form.role_spec()
                    if spec is None:
                        raise ValidationError({"role": _("Choose a role.")})
                    person_save(
                        saved_by=request.user,
                        person=person,
                        **_person_data(recorded),
                        **{field: getattr(person, field) for field in IDENTITY_FIELDS},
                        roles=[spec],
                        correction_reason=role_form.cleaned_data["correction_reason"],
                    )
                    messages.success(request, _("Role added."))
                return redirect("person_edit", person.public_id)
            except ValidationError as error:
                add_service_errors(target_form, error)
    with transaction.atomic():
        if identity:
            person_read(person=person, user=request.user, request=request)
        return render(
            request,
            "records/person_form.html",
            {
                "form": form,
                "role_form": role_form,
                "person": person,
                "roles": person.roles.all(),
                "identity": identity,
                "can_edit": can_edit,
                "participations": person.participations.select_related("activity").order_by("-activity__date")[:50],
                "services": person.services.order_by("-start")[:50],
            },
        )


@right_required(Right.VIEW_FIGURES)
@require_http_methods(["GET", "POST"])
@never_cache
def households(request: AuthenticatedRequest) -> HttpResponse:
    return list_page(
        request,
        records=household_list,
        template="records/household_list.html",
        columns={"code": "code", "organisation": "organisation__name", "members": "member_count"},
        default_sort="code",
    )


def _members(organisation: Any, codes_text: str) -> list[Person]:
    codes = [code.strip() for line in codes_text.splitlines() for code in line.split(",") if code.strip()]
    found = {person.code: person for person in Person.objects.filter(organisation=organisation, code__in=codes)}
    missing = [code for code in codes if code not in found]
    if missing:
        raise ValidationError(
            {
                "member_codes": _("No person with code %(codes)s in %(organisation)s.")
                % {"codes": ", ".join(missing), "organisation": organisation}
            }
        )
    return [found[code] for code in codes]


@right_required(Right.RECORD_DATA)
@require_http_methods(["GET", "POST"])
@never_cache
def household_edit(request: AuthenticatedRequest, public_id: str | None = None) -> HttpResponse:
    household = get_object_or_404(household_list(user=request.user), public_id=public_id) if public_id else None
    initial = {}
    if household is not None:
        initial = {
            "organisation": household.organisation,
            "code": household.code,
            "area": household.area,
            "member_codes": "\n".join(household.members.values_list("code", flat=True)),
        }
        if sees_identity(request.user, household):
            initial["address"] = household.address
    form = HouseholdForm(request.POST or None, initial=initial, organisations=capture_organisations(user=request.user))
    if household is not None and not sees_identity(request.user, household):
        del form.fields["address"]
    if household is None:  # a new household has nothing counted yet: nothing to correct
        del form.fields["correction_reason"]

    def save(data: dict[str, Any]) -> Any:
        return household_save(
            saved_by=request.user,
            organisation=data["organisation"],
            code=data["code"],
            area=data["area"],
            members=_members(data["organisation"], data["member_codes"]),
            address=data.get("address", household.address if household else ""),
            household=household,
            correction_reason=data.get("correction_reason", ""),
        )

    return save_or_show(
        request,
        form=form,
        save=save,
        template="records/household_form.html",
        success=lambda saved: _("Household %(code)s saved.") % {"code": saved.code},
        done=go("household_list"),
        context={"household": household},
    )
