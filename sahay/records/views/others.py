"""Services, organisations reached and tracked items."""

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
from sahay.audit.models import AuditAction
from sahay.audit.services import audit_record
from sahay.core.pages import AuthenticatedRequest, add_service_errors
from sahay.records.forms import ExternalOrganisationForm, ServiceForm, StatusForm, TrackedItemForm
from sahay.records.models import Household, Person, TrackedItem
from sahay.records.selectors import (
    capture_organisations,
    external_organisation_list,
    person_list,
    service_list,
    tracked_item_list,
)
from sahay.records.services import (
    external_organisation_save,
    service_save,
    tracked_item_save,
    tracked_item_status_set,
)
from sahay.records.views.base import go, list_page, save_or_show


@right_required(Right.VIEW_FIGURES)
@require_http_methods(["GET", "POST"])
def services(request: AuthenticatedRequest) -> HttpResponse:
    return list_page(
        request,
        records=service_list,
        template="records/service_list.html",
        columns={"start": "start", "kind": "kind", "organisation": "organisation__name"},
        default_sort="-start",
    )


def _recipient(organisation: Any, data: dict[str, Any]) -> tuple[Person | None, Household | None]:
    person_code, household_code = data["person_code"].strip(), data["household_code"].strip()
    if bool(person_code) == bool(household_code):
        raise ValidationError({"person_code": _("Give the code of one person or of one household.")})
    if person_code:
        person = Person.objects.filter(organisation=organisation, code=person_code).first()
        if person is None:
            raise ValidationError(
                {
                    "person_code": _("No person with code %(code)s in %(organisation)s.")
                    % {"code": person_code, "organisation": organisation}
                }
            )
        return person, None
    household = Household.objects.filter(organisation=organisation, code=household_code).first()
    if household is None:
        raise ValidationError(
            {
                "household_code": _("No household with code %(code)s in %(organisation)s.")
                % {"code": household_code, "organisation": organisation}
            }
        )
    return None, household


@right_required(Right.RECORD_DATA)
@require_http_methods(["GET", "POST"])
def service_edit(request: AuthenticatedRequest, public_id: str | None = None) -> HttpResponse:
    service = get_object_or_404(service_list(user=request.user), public_id=public_id) if public_id else None
    # The link from a person's page carries their opaque id, never their code.
    chosen = person_list(user=request.user).filter(public_id=request.GET.get("person", "")).first()
    initial: dict[str, Any] = {"person_code": chosen.code if chosen else ""}
    if service is not None:
        initial = {
            "organisation": service.organisation,
            "kind": service.kind,
            "education_support": service.education_support,
            "start": service.start,
            "end": service.end,
            "person_code": service.person.code if service.person else "",
            "household_code": service.household.code if service.household else "",
        }
    form = ServiceForm(request.POST or None, initial=initial, organisations=capture_organisations(user=request.user))

    def save(data: dict[str, Any]) -> Any:
        person, household = _recipient(data["organisation"], data)
        return service_save(
            saved_by=request.user,
            organisation=data["organisation"],
            kind=data["kind"],
            education_support=data["education_support"],
            start=data["start"],
            end=data["end"],
            person=person,
            household=household,
            # The page does not show these free-text details (they may name people): keep what was recorded.
            provider=service.provider if service else "",
            outcome=service.outcome if service else "",
            service=service,
            correction_reason=data["correction_reason"],
        )

    return save_or_show(
        request,
        form=form,
        save=save,
        template="records/service_form.html",
        success=lambda saved: _("Service recorded."),
        done=go("service_list"),
        context={"service": service},
    )


@right_required(Right.VIEW_FIGURES)
@require_http_methods(["GET", "POST"])
def external_organisations(request: AuthenticatedRequest) -> HttpResponse:
    return list_page(
        request,
        records=external_organisation_list,
        template="records/external_list.html",
        columns={"name": "name", "kind": "kind", "country": "country__code"},
        default_sort="name",
    )


@right_required(Right.RECORD_DATA)
@require_http_methods(["GET", "POST"])
def external_organisation_edit(request: AuthenticatedRequest, pk: int | None = None) -> HttpResponse:
    external = get_object_or_404(external_organisation_list(user=request.user), pk=pk) if pk else None
    initial = {}
    if external is not None:
        initial = {
            "organisation": external.recorded_by,
            "name": external.name,
            "kind": external.kind,
            "sector": external.sector,
        }
    form = ExternalOrganisationForm(
        request.POST or None, initial=initial, organisations=capture_organisations(user=request.user)
    )
    return save_or_show(
        request,
        form=form,
        template="records/external_form.html",
        save=lambda data: external_organisation_save(
            saved_by=request.user,
            recorded_by=data["organisation"],
            name=data["name"],
            kind=data["kind"],
            sector=data["sector"],
            external=external,
            correction_reason=data["correction_reason"],
        ),
        success=lambda saved: _("%(name)s saved.") % {"name": saved.name},
        done=go("external_list"),
        context={"external": external},
    )


@right_required(Right.VIEW_FIGURES)
@require_http_methods(["GET", "POST"])
def tracked_items(request: AuthenticatedRequest) -> HttpResponse:
    return list_page(
        request,
        records=tracked_item_list,
        template="records/item_list.html",
        columns={"title": "title", "kind": "kind", "country": "country__code"},
        default_sort="kind",
    )


def shows_item_details(user: Any, item: TrackedItem) -> bool:
    """Offender records are closed: only their recording organisation with the legal right reads them."""
    if item.kind != TrackedItem.Kind.OFFENDER:
        return True
    return bool(user.organisation_id == item.organisation_id and user.has_perm(Right.VIEW_LEGAL_DATA.permission))


@right_required(Right.RECORD_DATA)
@require_http_methods(["GET", "POST"])
def tracked_item_create(request: AuthenticatedRequest) -> HttpResponse:
    form = TrackedItemForm(request.POST or None, organisations=capture_organisations(user=request.user))
    return save_or_show(
        request,
        form=form,
        template="records/item_form.html",
        save=lambda data: tracked_item_save(saved_by=request.user, **data),
        success=lambda saved: _("%(title)s saved.") % {"title": saved.title},
        done=lambda saved: redirect("item_edit", saved.public_id),
        context={"item": None},
    )


@right_required(Right.VIEW_FIGURES)
@require_http_methods(["GET", "POST"])
@never_cache
@transaction.atomic
def tracked_item_edit(request: AuthenticatedRequest, public_id: str) -> HttpResponse:
    item = get_object_or_404(tracked_item_list(user=request.user), public_id=public_id)
    status_form = StatusForm(request.POST or None, item=item)
    details = shows_item_details(request.user, item)
    if request.method == "POST" and request.user.has_perm(Right.RECORD_DATA.permission) and status_form.is_valid():
        try:
            tracked_item_status_set(saved_by=request.user, item=item, request=request, **status_form.cleaned_data)
        except ValidationError as error:
            add_service_errors(status_form, error)
        else:
            messages.success(request, _("Status recorded."))
            return redirect("item_edit", item.public_id)
    if details and item.kind == TrackedItem.Kind.OFFENDER:
        # A read of closed data, audited in the transaction that renders it.
        audit_record(
            action=AuditAction.OFFENDER_VIEWED,
            actor=request.user,
            request=request,
            target_kind="offender",
            target_id=item.public_id,
            organisation=item.organisation,
        )
    return render(
        request,
        "records/item_detail.html",
        {
            "item": item,
            "status_form": status_form,
            "statuses": item.statuses.all(),
            "details": details,
            "can_edit": request.user.has_perm(Right.RECORD_DATA.permission),
        },
    )
