"""Activities, and the one screen where a whole session's participants are recorded."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from sahay.accounts.decorators import right_required
from sahay.accounts.models import User
from sahay.accounts.rights import Right
from sahay.core.pages import AuthenticatedRequest, add_service_errors
from sahay.records.forms import ActivityForm, AddPeopleForm, ReachForm, new_people_formset
from sahay.records.models import Activity, Participation, Person
from sahay.records.selectors import activity_list, capture_organisations, person_list, probable_duplicates
from sahay.records.services import (
    Attendance,
    RoleSpec,
    activity_save,
    participation_remove,
    participations_record,
    person_save,
    reach_save,
)
from sahay.records.views.base import list_page, save_or_show
from sahay.reports.locks import locked_reviews


@right_required(Right.VIEW_FIGURES)
@require_http_methods(["GET", "POST"])
def activities(request: AuthenticatedRequest) -> HttpResponse:
    return list_page(
        request,
        records=activity_list,
        template="records/activity_list.html",
        columns={
            "date": "date",
            "kind": "kind",
            "title": "title",
            "country": "country__code",
            "participants": "participant_count",
        },
        default_sort="-date",
    )


@right_required(Right.RECORD_DATA)
@require_http_methods(["GET", "POST"])
def activity_edit(request: AuthenticatedRequest, public_id: str | None = None) -> HttpResponse:
    activity = get_object_or_404(activity_list(user=request.user), public_id=public_id) if public_id else None
    initial: dict[str, Any] = {}
    if activity is not None:
        initial = {
            field: getattr(activity, field)
            for field in (
                "organisation",
                "kind",
                "training_topic",
                "campaign_kind",
                "title",
                "date",
                "end_date",
                "area",
            )
        }
        initial["reached_organisations"] = list(activity.reached_organisations.all())
    form = ActivityForm(request.POST or None, initial=initial, organisations=capture_organisations(user=request.user))
    return save_or_show(
        request,
        form=form,
        template="records/activity_form.html",
        save=lambda data: activity_save(saved_by=request.user, activity=activity, **data),
        success=lambda saved: _("Activity “%(title)s” saved.") % {"title": saved.title},
        done=lambda saved: redirect("activity_participants", saved.public_id),
        context={"activity": activity},
    )


def _new_people(
    activity: Activity, rows: Any, user: Any
) -> tuple[list[dict[str, Any]], list[tuple[Any, list[Person]]]]:
    """The new-person rows typed in, and for each row that may be someone already recorded, the candidates."""
    people, warnings = [], []
    for row in rows:
        if not row.has_person():
            continue
        data = row.cleaned_data
        duplicates = list(
            probable_duplicates(
                organisation=activity.organisation,
                sex=data["sex"],
                birth_date=data["birth_date"],
                birth_year_estimated=data["birth_year_estimated"],
                code=data["code"],
            )
        )
        if duplicates and not data["create_anyway"]:
            warnings.append((row, duplicates))
        people.append(data)
    return people, warnings


RECENT_ACTIVITIES = 5
RECENT_PEOPLE = 60


def recent_participants(activity: Activity, user: User) -> list[tuple[str, str]]:
    """People of the organisation at its last few activities, not yet in this one: picked with a tick. Only
    the organisation's own people the user sees: another organisation's are never offered by code."""
    recent = (
        Activity.objects.filter(organisation=activity.organisation)
        .exclude(pk=activity.pk)
        .order_by("-date", "-pk")
        .values_list("pk", flat=True)[:RECENT_ACTIVITIES]
    )
    people = (
        person_list(user=user)
        .filter(organisation=activity.organisation, participations__activity__in=list(recent))
        .exclude(participations__activity=activity)
        .distinct()
        .order_by("code")[:RECENT_PEOPLE]
    )
    return [(person.public_id, f"{person.code} ({person.get_sex_display()})") for person in people]


@right_required(Right.VIEW_FIGURES)
@require_http_methods(["GET", "POST"])
def activity_participants(request: AuthenticatedRequest, public_id: str) -> HttpResponse:
    """Record a session of 40 in one screen: codes of people already known, and new people in rows.

    A new row that looks like someone already recorded (same code, or same sex and close birth) is held
    back with a warning until the user picks the existing person or confirms it is someone new.
    """
    activity = get_object_or_404(activity_list(user=request.user), public_id=public_id)
    posted = request.method == "POST"
    add_form = AddPeopleForm(request.POST if posted else None, recent=recent_participants(activity, request.user))
    wanted = request.GET.get("rows", "10")
    rows = new_people_formset(int(wanted) if wanted.isdigit() else 10)(request.POST if posted else None, prefix="new")
    warnings: list[tuple[Any, list[Person]]] = []
    if posted and add_form.is_valid() and rows.is_valid():
        new_people, warnings = _new_people(activity, rows, request.user)
        if not warnings:
            try:
                count = _record_participants(request, activity, add_form, new_people)
            except ValidationError as error:
                add_service_errors(add_form, error)
            except PermissionDenied:
                add_form.add_error(None, _("You may not record participants for this activity."))
            else:
                messages.success(
                    request,
                    ngettext("%(count)s participant recorded.", "%(count)s participants recorded.", count)
                    % {"count": count},
                )
                return redirect("activity_participants", activity.public_id)
    # Another organisation's people who took part are counted, never shown by code (as the API leaves them out).
    everyone = activity.participations.select_related("person").order_by("person__code")
    participations = everyone.filter(person__in=person_list(user=request.user).values("pk"))
    return render(
        request,
        "records/activity_participants.html",
        {
            "activity": activity,
            "add_form": add_form,
            "rows": rows,
            "warnings": warnings,
            "participations": participations,
            "of_other_organisations": everyone.count() - participations.count(),
            "reach_form": ReachForm(),
            "reach": activity.reach.all(),
            "can_edit": request.user.has_perm(Right.RECORD_DATA.permission),
            "period_locked": bool(locked_reviews(country_ids=[activity.country_id], days=[activity.date])),
        },
    )


def _record_participants(
    request: AuthenticatedRequest, activity: Activity, add_form: AddPeopleForm, new_people: list[dict[str, Any]]
) -> int:
    """Existing and new people together, all or nothing."""
    codes = add_form.code_list()
    picked = list(
        Person.objects.filter(organisation=activity.organisation, public_id__in=add_form.cleaned_data.get("picked", []))
    )
    # A record merged into another is no one to add: its code reads as unknown, and the duplicates page says whom.
    known = {
        person.code: person
        for person in Person.objects.filter(
            organisation=activity.organisation, code__in=codes, merged_into__isnull=True
        )
    }
    missing = [code for code in codes if code not in known]
    if missing:
        raise ValidationError(
            {
                "codes": _("No person with code %(codes)s in %(organisation)s. Add them as new people below.")
                % {"codes": ", ".join(missing), "organisation": activity.organisation}
            }
        )
    completed = add_form.cleaned_data["completed"]
    with transaction.atomic():
        people = picked + [known[code] for code in codes if known[code] not in picked]
        for data in new_people:
            roles = [RoleSpec(data["role"], activity.date, data["profession"])] if data["role"] else []
            people.append(
                person_save(
                    saved_by=request.user,
                    organisation=activity.organisation,
                    code=data["code"],
                    sex=data["sex"],
                    birth_date=data["birth_date"],
                    birth_year_estimated=data["birth_year_estimated"],
                    roles=roles,
                )
            )
        participations_record(
            saved_by=request.user,
            activity=activity,
            attendances=[Attendance(person, completed=completed) for person in people],
            correction_reason=add_form.cleaned_data.get("correction_reason", ""),
        )
    return len(people)


@right_required(Right.RECORD_DATA)
@require_POST
def participation_delete(request: AuthenticatedRequest, public_id: str, person_public_id: str) -> HttpResponse:
    activity = get_object_or_404(activity_list(user=request.user), public_id=public_id)
    participation = get_object_or_404(Participation, activity=activity, person__public_id=person_public_id)
    try:
        participation_remove(
            saved_by=request.user,
            participation=participation,
            correction_reason=request.POST.get("correction_reason", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(code)s removed from the activity.") % {"code": participation.person.code})
    return redirect("activity_participants", activity.public_id)


@right_required(Right.RECORD_DATA)
@require_POST
def reach_add(request: AuthenticatedRequest, public_id: str) -> HttpResponse:
    activity = get_object_or_404(activity_list(user=request.user), public_id=public_id)
    form = ReachForm(request.POST)
    if form.is_valid():
        try:
            reach_save(saved_by=request.user, activity=activity, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Reach estimate added."))
    else:
        messages.error(request, _("The reach estimate needs an audience and a positive number."))
    return redirect("activity_participants", activity.public_id)
