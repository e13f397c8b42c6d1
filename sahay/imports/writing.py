"""Write the planned rows through the records services, so scope, encryption, audits and period locks apply.

Only rows planned as created or updated reach here; unchanged rows write nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sahay.accounts.models import User
from sahay.audit.models import AuditAction
from sahay.audit.services import audit_record
from sahay.core.models import Organisation
from sahay.imports.kinds import EXTERNAL_ID
from sahay.imports.models import ImportedRecord
from sahay.imports.validation import CREATED, Plan
from sahay.records.models import (
    Activity,
    AggregateReach,
    ExternalOrganisation,
    Household,
    OffenderDetails,
    Participation,
    Person,
    Service,
    TrackedItem,
)
from sahay.records.services import (
    Attendance,
    RoleSpec,
    activity_save,
    external_organisation_save,
    household_save,
    participation_update,
    participations_record,
    person_save,
    reach_save,
    reach_update,
    service_save,
    tracked_item_save,
    tracked_item_status_set,
)


@dataclass(frozen=True)
class Writer:
    user: User
    organisation: Organisation
    correction_reason: str


def _value(plan: Plan, key: str, instance: Any, attribute: str | None = None, default: Any = "") -> Any:
    """The file's value when the file has the column, else the record's (a column left out changes nothing)."""
    if key in plan.values:
        return plan.values[key]
    return getattr(instance, attribute or key) if instance is not None else default


def _remember(writer: Writer, kind: str, external_id: str, object_id: int) -> None:
    ImportedRecord.objects.update_or_create(
        organisation=writer.organisation, kind=kind, external_id=external_id, defaults={"object_id": object_id}
    )


def write_person(writer: Writer, plan: Plan) -> None:
    person = Person.objects.get(pk=plan.existing["id"]) if plan.existing else None
    roles = [
        RoleSpec(
            role=role,
            start=plan.values["roles_from"],
            profession=plan.values.get("profession", "") if role == "professional" else "",
        )
        for role in plan.refs.get("new_roles", ())
    ]
    person_save(
        saved_by=writer.user,
        organisation=writer.organisation,
        code=plan.values["code"],
        sex=_value(plan, "sex", person, default="unknown"),
        birth_date=_value(plan, "birth_date", person, default=None),
        birth_year_estimated=_value(plan, "birth_year_estimated", person, default=None),
        area=person.area if person else None,
        name=_value(plan, "name", person),
        contact=_value(plan, "contact", person),
        address=_value(plan, "address", person),
        roles=roles,
        person=person,
        correction_reason=writer.correction_reason,
    )


def write_household(writer: Writer, plan: Plan) -> None:
    household = Household.objects.get(pk=plan.existing["id"]) if plan.existing else None
    if "member_ids" in plan.values:
        members = list(Person.objects.filter(pk__in=plan.values["member_ids"]))
    else:
        members = list(household.members.all()) if household else []
    household_save(
        saved_by=writer.user,
        organisation=writer.organisation,
        code=plan.values["code"],
        members=members,
        area=household.area if household else None,
        address=_value(plan, "address", household),
        household=household,
        correction_reason=writer.correction_reason,
    )


def write_organisation(writer: Writer, plan: Plan) -> None:
    external = ExternalOrganisation.objects.get(pk=plan.existing["id"]) if plan.existing else None
    external_organisation_save(
        saved_by=writer.user,
        recorded_by=external.recorded_by if external else writer.organisation,
        name=plan.values["name"],
        kind=plan.values["kind"],
        sector=_value(plan, "sector", external),
        external=external,
    )


def write_activity(writer: Writer, plan: Plan) -> None:
    activity = Activity.objects.get(pk=plan.existing["id"]) if plan.existing else None
    saved = activity_save(
        saved_by=writer.user,
        organisation=writer.organisation,
        kind=plan.values["kind"],
        title=plan.values["title"],
        date=plan.values["date"],
        end_date=_value(plan, "end_date", activity, default=None),
        campaign_kind=_value(plan, "campaign_kind", activity),
        training_topic=_value(plan, "training_topic", activity),
        area=activity.area if activity else None,
        reached_organisations=list(activity.reached_organisations.all()) if activity else [],
        activity=activity,
        correction_reason=writer.correction_reason,
    )
    _remember(writer, "activities", plan.values[EXTERNAL_ID], saved.pk)


def write_participations(writer: Writer, plans: list[Plan]) -> None:
    """New participations of a chunk, one participations_record call per activity (it reads the activity's list)."""
    by_activity: dict[int, list[Plan]] = {}
    for plan in plans:
        if plan.action == CREATED:
            by_activity.setdefault(plan.refs["activity"], []).append(plan)
        else:
            write_participation(writer, plan)
    people = Person.objects.in_bulk([plan.refs["person"] for plan in plans if plan.action == CREATED])
    for activity_id, created in by_activity.items():
        participations_record(
            saved_by=writer.user,
            activity=Activity.objects.select_related("organisation").get(pk=activity_id),
            attendances=[
                Attendance(
                    person=people[plan.refs["person"]],
                    attended=plan.values.get("attended", True),
                    completed=plan.values.get("completed", False),
                )
                for plan in created
            ],
            correction_reason=writer.correction_reason,
        )


def write_participation(writer: Writer, plan: Plan) -> None:
    participation = Participation.objects.select_related("activity__organisation").get(
        pk=plan.existing["id"]  # type: ignore[index]
    )
    participation_update(
        saved_by=writer.user,
        participation=participation,
        attended=_value(plan, "attended", participation),
        completed=_value(plan, "completed", participation),
        correction_reason=writer.correction_reason,
    )


def write_service(writer: Writer, plan: Plan) -> None:
    service = Service.objects.get(pk=plan.existing["id"]) if plan.existing else None
    person_id, household_id = plan.values.get("person_id"), plan.values.get("household_id")
    saved = service_save(
        saved_by=writer.user,
        organisation=writer.organisation,
        kind=plan.values["kind"],
        start=plan.values["start"],
        end=_value(plan, "end", service, default=None),
        person=Person.objects.get(pk=person_id) if person_id else None,
        household=Household.objects.get(pk=household_id) if household_id else None,
        education_support=_value(plan, "education_support", service),
        provider=_value(plan, "provider", service),
        outcome=_value(plan, "outcome", service),
        service=service,
        correction_reason=writer.correction_reason,
    )
    _remember(writer, "services", plan.values[EXTERNAL_ID], saved.pk)


def write_reach(writer: Writer, plan: Plan) -> None:
    activity = Activity.objects.select_related("organisation").get(pk=plan.refs["activity"])
    if plan.action == CREATED:
        reach_save(
            saved_by=writer.user,
            activity=activity,
            audience=plan.values["audience"],
            estimate=plan.values["estimate"],
            method=plan.values.get("method", ""),
            correction_reason=writer.correction_reason,
        )
        return
    reach = AggregateReach.objects.select_related("activity__organisation").get(
        pk=plan.existing["id"]  # type: ignore[index]
    )
    reach_update(
        saved_by=writer.user,
        reach=reach,
        estimate=plan.values["estimate"],
        method=_value(plan, "method", reach),
        correction_reason=writer.correction_reason,
    )


def write_offender(writer: Writer, plan: Plan) -> None:
    item = TrackedItem.objects.get(pk=plan.existing["id"]) if plan.existing else None
    item = tracked_item_save(
        saved_by=writer.user,
        organisation=writer.organisation,
        kind=TrackedItem.Kind.OFFENDER,
        title=plan.values["title"],
        item=item,
    )
    details = OffenderDetails.objects.filter(item=item).first() or OffenderDetails(item=item)
    before = (details.offender_kind, details.nationality)
    details.offender_kind = plan.values["offender_kind"]
    details.nationality = _value(plan, "nationality", details)
    if details.pk is None or before != (details.offender_kind, details.nationality):
        # No records service writes offender details; closed data, so the change is audited as the status service does.
        details.save()
        audit_record(
            action=AuditAction.OFFENDER_CHANGED,
            actor=writer.user,
            target_kind="offender",
            target_id=item.public_id,
            organisation=writer.organisation,
            detail={"details": "imported"},
        )
    if plan.values.get("status"):
        tracked_item_status_set(
            saved_by=writer.user,
            item=item,
            status=plan.values["status"],
            reached_on=plan.values["status_date"],
            correction_reason=writer.correction_reason,
        )
    _remember(writer, "offenders", plan.values[EXTERNAL_ID], item.pk)


WRITERS: dict[str, Callable[[Writer, Plan], None]] = {
    "people": write_person,
    "households": write_household,
    "organisations": write_organisation,
    "activities": write_activity,
    "participations": write_participation,  # changed attendance; new ones go through write_participations
    "services": write_service,
    "aggregate-reach": write_reach,
    "offenders": write_offender,
}

# Kinds whose new rows are written a chunk at a time.
BATCH_WRITERS: dict[str, Callable[[Writer, list[Plan]], None]] = {"participations": write_participations}
