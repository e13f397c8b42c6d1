"""Writes of records: validated, in the writer's capture scope, all or nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sahay.accounts.models import ScopeKind, User
from sahay.accounts.rights import Right
from sahay.accounts.scope import scope_of
from sahay.audit.models import AuditAction
from sahay.audit.services import audit_record
from sahay.cases.policy import may_change_children
from sahay.core.models import AdministrativeArea, Organisation
from sahay.figures.ledger.maintain import touch
from sahay.records.models import (
    Activity,
    AggregateReach,
    ExternalOrganisation,
    Household,
    HouseholdMember,
    Participation,
    Person,
    PersonRole,
    Service,
    TrackedItem,
    TrackedItemStatus,
)
from sahay.reports.locks import ApprovedPeriodChange, approved_period_change, range_days


def require_capture_scope(user: User, organisation: Organisation) -> None:
    """A user writes records for their own organisation, or in the country or programme their scope covers.

    Case workers record the children of their own organisation's cases, and nothing wider.
    """
    if user.has_perm(Right.WORK_CASES.permission) and organisation.pk == user.organisation_id:
        return
    if not user.has_perm(Right.RECORD_DATA.permission):
        raise PermissionDenied
    scope = scope_of(user)
    allowed = (
        scope.kind == ScopeKind.ALL
        or (scope.kind == ScopeKind.COUNTRY and organisation.country_id == scope.country_id)
        or (scope.kind == ScopeKind.ORGANISATION and organisation.pk == scope.organisation_id)
    )
    if not allowed:
        raise PermissionDenied


if TYPE_CHECKING:
    from sahay.cases.models import Case

M = TypeVar("M", bound=Model)


def _others(queryset: QuerySet[M], instance: M | None) -> QuerySet[M]:
    """The queryset without the record being edited, for uniqueness checks."""
    return queryset if instance is None else queryset.exclude(pk=instance.pk)


def _not_in_future(day: date | None, field: str, errors: dict[str, str]) -> None:
    if day is not None and day > timezone.localdate():
        errors[field] = _("%(date)s is in the future.") % {"date": day}


# Events recorded on a record merged into another would count the same person twice.
MERGED_MESSAGE = gettext_lazy("This record was merged into another one: use that one's code.")


@dataclass(frozen=True)
class RoleSpec:
    role: str
    start: date
    profession: str = ""
    end: date | None = None


def _changes_person(
    person: Person,
    code: str,
    sex: str,
    birth_date: date | None,
    birth_year_estimated: int | None,
    area: AdministrativeArea | None,
    roles: Sequence[RoleSpec],
) -> bool:
    """Whether a save would change what is recorded of `person` (identity fields are checked where they are shown)."""
    recorded = (person.code, person.sex, person.birth_date, person.birth_year_estimated, person.area_id)
    return bool(roles) or recorded != (code, sex, birth_date, birth_year_estimated, area.pk if area else None)


def person_save(
    *,
    saved_by: User,
    organisation: Organisation,
    code: str,
    sex: str,
    birth_date: date | None = None,
    birth_year_estimated: int | None = None,
    area: AdministrativeArea | None = None,
    name: str = "",
    contact: str = "",
    address: str = "",
    roles: Sequence[RoleSpec] = (),
    person: Person | None = None,
    correction_reason: str = "",
) -> Person:
    """Create a person (or update `person`), with the roles given added."""
    require_capture_scope(saved_by, organisation)
    errors: dict[str, str] = {}
    code = code.strip()
    if not code:
        errors["code"] = _("Give the person a code.")
    elif _others(Person.objects.filter(organisation=organisation, code=code), person).exists():
        errors["code"] = _("%(code)s is already used in %(organisation)s.") % {
            "code": code,
            "organisation": organisation,
        }
    _not_in_future(birth_date, "birth_date", errors)
    if birth_date and birth_year_estimated:
        errors["birth_year_estimated"] = _("Give a date of birth or an estimated year, not both.")
    if birth_year_estimated and not 1900 <= birth_year_estimated <= timezone.localdate().year:
        errors["birth_year_estimated"] = _("%(year)s is not a possible year of birth.") % {"year": birth_year_estimated}
    if area is not None and area.country_id != organisation.country_id:
        errors["area"] = _("%(area)s lies in another country.") % {"area": area}
    for spec in roles:
        if spec.role == PersonRole.Role.PROFESSIONAL and not spec.profession:
            errors["roles"] = _("A professional needs a profession.")
        if spec.end and spec.end < spec.start:
            errors["roles"] = _("A role cannot end before it starts.")
    # The record of a case's child is the child's: changing it is changing the case (issue 15, item 2).
    changed = person is not None and _changes_person(person, code, sex, birth_date, birth_year_estimated, area, roles)
    if changed and person is not None and not may_change_children(saved_by, [person]):
        errors[NON_FIELD_ERRORS] = _(
            "This person is the child of a case you may not change. Only the case's own case worker, "
            "or a case supervisor of its organisation, can change the record."
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Sex, age, roles and organisation decide how a person counts in every half year they took part in.
        counted_differently = person is not None and (
            bool(roles)
            or (person.sex, person.birth_date, person.birth_year_estimated, person.organisation_id)
            != (sex, birth_date, birth_year_estimated, organisation.pk)
        )
        change = approved_period_change(
            made_by=saved_by,
            organisation=organisation,
            record_kind="person",
            country_ids=[organisation.country_id, person.country_id if person else None],
            days=event_days(person) if counted_differently and person else [],
            reason=correction_reason,
        )
        if person is None:
            person = Person(organisation=organisation)
        person.code, person.sex, person.country = code, sex, organisation.country
        person.birth_date, person.birth_year_estimated, person.area = birth_date, birth_year_estimated, area
        person.name, person.contact, person.address = name.strip(), contact.strip(), address.strip()
        person.set_age_milestones()
        person.save()
        for spec in roles:
            PersonRole.objects.create(
                person=person, role=spec.role, profession=spec.profession, start=spec.start, end=spec.end
            )
        change.done(person.public_id)
    return person


def event_days(person: Person) -> list[date]:
    """A day in every half year the person's participations and services count in."""
    days = list(Participation.objects.filter(person=person).values_list("activity__date", flat=True))
    for start, end in Service.objects.filter(person=person).values_list("start", "end"):
        days += range_days(start, end)
    return days


def household_save(
    *,
    saved_by: User,
    organisation: Organisation,
    code: str,
    members: Sequence[Person] = (),
    area: AdministrativeArea | None = None,
    address: str = "",
    household: Household | None = None,
    correction_reason: str = "",
) -> Household:
    require_capture_scope(saved_by, organisation)
    errors: dict[str, str] = {}
    if _others(Household.objects.filter(organisation=organisation, code=code), household).exists():
        errors["code"] = _("%(code)s is already used in %(organisation)s.") % {
            "code": code,
            "organisation": organisation,
        }
    if any(member.organisation_id != organisation.pk for member in members):
        errors["members"] = _("Members must be people of the same organisation.")
    if any(member.merged_into_id is not None for member in members):
        errors["members"] = str(MERGED_MESSAGE)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Who belongs to a household decides whether it counts as a victim's family in its services' half years.
        members_change = household is not None and set(household.memberships.values_list("person_id", flat=True)) != {
            member.pk for member in members
        }
        change = approved_period_change(
            made_by=saved_by,
            organisation=organisation,
            record_kind="household",
            country_ids=[organisation.country_id, household.country_id if household else None],
            days=[
                day
                for start, end in (
                    household.services.values_list("start", "end") if members_change and household else []
                )
                for day in range_days(start, end)
            ],
            reason=correction_reason,
        )
        if household is None:
            household = Household(organisation=organisation)
        household.code, household.country, household.area, household.address = (
            code.strip(),
            organisation.country,
            area,
            address.strip(),
        )
        household.save()
        HouseholdMember.objects.filter(household=household).exclude(person__in=members).delete()
        for member in members:
            HouseholdMember.objects.get_or_create(household=household, person=member)
        change.done(household.public_id)
    return household


def external_organisation_save(
    *,
    saved_by: User,
    recorded_by: Organisation,
    name: str,
    kind: str,
    sector: str = "",
    external: ExternalOrganisation | None = None,
    correction_reason: str = "",
) -> ExternalOrganisation:
    require_capture_scope(saved_by, recorded_by)
    if kind != ExternalOrganisation.Kind.COMPANY and sector:
        raise ValidationError({"sector": _("Only companies have a sector.")})
    if kind == ExternalOrganisation.Kind.COMPANY and not sector:
        raise ValidationError({"sector": _("Choose the company's sector.")})
    duplicate = ExternalOrganisation.objects.filter(country=recorded_by.country, kind=kind, name__iexact=name.strip())
    if _others(duplicate, external).exists():
        raise ValidationError({"name": _("%(name)s is already recorded in this country.") % {"name": name}})
    with transaction.atomic():
        # Its kind and sector decide the figures of the activities that reached it and its cooperations.
        counted = _external_counted(external) if external and (external.kind, external.sector) != (kind, sector) else []
        change = approved_period_change(
            made_by=saved_by,
            organisation=recorded_by,
            record_kind="external_organisation",
            country_ids=[country for country, _day in counted],
            days=[day for _country, day in counted],
            reason=correction_reason,
        )
        external = external or ExternalOrganisation(recorded_by=recorded_by)
        external.name, external.kind, external.sector = name.strip(), kind, sector
        external.country = recorded_by.country
        external.save()
        change.done(str(external.pk))
    return external


def _external_counted(external: ExternalOrganisation) -> list[tuple[int, date]]:
    """The countries and days of the figures an organisation reached counts in."""
    reached = Activity.objects.filter(reached_organisations=external).values_list("country_id", "date")
    cooperations = TrackedItemStatus.objects.filter(item__company=external).values_list(
        "item__country_id", "reached_on"
    )
    return list(reached) + list(cooperations)


def activity_detail_errors(*, kind: str, training_topic: str, campaign_kind: str) -> dict[str, str]:
    """A training has a topic and a campaign a kind, and nothing else has either (the import checks the same)."""
    errors: dict[str, str] = {}
    if kind == Activity.Kind.TRAINING and not training_topic:
        errors["training_topic"] = _("Choose the training's topic.")
    if kind != Activity.Kind.TRAINING and training_topic:
        errors["training_topic"] = _("Only a training has a topic.")
    if kind == Activity.Kind.CAMPAIGN and not campaign_kind:
        errors["campaign_kind"] = _("Choose the kind of campaign.")
    if kind != Activity.Kind.CAMPAIGN and campaign_kind:
        errors["campaign_kind"] = _("Only a campaign has a campaign kind.")
    return errors


def service_detail_errors(*, kind: str, education_support: str) -> dict[str, str]:
    """Education support says which; no other service has that detail (the import checks the same)."""
    if kind == Service.Kind.EDUCATION_SUPPORT and not education_support:
        return {"education_support": _("Say what education support it is.")}
    if kind != Service.Kind.EDUCATION_SUPPORT and education_support:
        return {"education_support": _("Only education support has this detail.")}
    return {}


def activity_save(
    *,
    saved_by: User,
    organisation: Organisation,
    kind: str,
    title: str,
    date: date,
    end_date: date | None = None,
    campaign_kind: str = "",
    training_topic: str = "",
    area: AdministrativeArea | None = None,
    reached_organisations: Sequence[ExternalOrganisation] = (),
    activity: Activity | None = None,
    correction_reason: str = "",
) -> Activity:
    require_capture_scope(saved_by, organisation)
    errors: dict[str, str] = {}
    _not_in_future(date, "date", errors)
    if end_date and end_date < date:
        errors["end_date"] = _("The activity cannot end before it starts.")
    errors.update(activity_detail_errors(kind=kind, training_topic=training_topic, campaign_kind=campaign_kind))
    if area is not None and area.country_id != organisation.country_id:
        errors["area"] = _("%(area)s lies in another country.") % {"area": area}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # An activity counts in the half year of its date: its old place and date and its new ones may be locked.
        change = approved_period_change(
            made_by=saved_by,
            organisation=organisation,
            record_kind="activity",
            country_ids=[organisation.country_id, activity.country_id if activity else None],
            days=[date, activity.date if activity else None],
            reason=correction_reason,
        )
        activity = activity or Activity()
        activity.organisation, activity.country, activity.kind, activity.title = (
            organisation,
            organisation.country,
            kind,
            title.strip(),
        )
        activity.date, activity.end_date, activity.campaign_kind, activity.training_topic, activity.area = (
            date,
            end_date,
            campaign_kind,
            training_topic,
            area,
        )
        activity.save()
        activity.reached_organisations.set(reached_organisations)
        change.done(activity.public_id)
    return activity


def _activity_change(activity: Activity, made_by: User, reason: str) -> ApprovedPeriodChange:
    """A change to what an activity counts (its participants, its reach), under its half year's lock."""
    return approved_period_change(
        made_by=made_by,
        organisation=activity.organisation,
        record_kind="activity",
        country_ids=[activity.country_id],
        days=[activity.date],
        reason=reason,
    )


@dataclass(frozen=True)
class Attendance:
    person: Person
    attended: bool = True
    completed: bool = False


def participations_record(
    *, saved_by: User, activity: Activity, attendances: Sequence[Attendance], correction_reason: str = ""
) -> list[Participation]:
    """Add everyone who took part, all or nothing: the same person twice is refused."""
    require_capture_scope(saved_by, activity.organisation)
    seen: set[int] = set()
    already = set(activity.participations.values_list("person_id", flat=True))
    for attendance in attendances:
        person = attendance.person
        if person.merged_into_id is not None:
            raise ValidationError({"participants": MERGED_MESSAGE})
        if person.pk in seen or person.pk in already:
            raise ValidationError({"participants": _("%(code)s is already in this activity.") % {"code": person.code}})
        seen.add(person.pk)
        born = person.reference_birth_date
        if born is not None and born > activity.date:
            raise ValidationError(
                {
                    "participants": _("%(code)s was not born yet on %(date)s.")
                    % {"code": person.code, "date": activity.date}
                }
            )
    with transaction.atomic():
        change = _activity_change(activity, saved_by, correction_reason)
        try:
            created = Participation.objects.bulk_create(
                [
                    Participation(
                        activity=activity,
                        person=attendance.person,
                        attended=attendance.attended,
                        completed=attendance.completed,
                    )
                    for attendance in attendances
                ]
            )
        except IntegrityError as error:  # another user added the same person at the same moment
            raise ValidationError({"participants": _("Someone is already in this activity.")}) from error
        touch(participations=[participation.pk for participation in created], tables=["records.Participation"])
        change.done(activity.public_id)
    return created


def participation_remove(*, saved_by: User, participation: Participation, correction_reason: str = "") -> None:
    activity = participation.activity
    require_capture_scope(saved_by, activity.organisation)
    with transaction.atomic():
        change = _activity_change(activity, saved_by, correction_reason)
        participation.delete()
        change.done(activity.public_id)


def participation_update(
    *, saved_by: User, participation: Participation, attended: bool, completed: bool, correction_reason: str = ""
) -> Participation:
    """Change whether someone attended or completed an activity (under the activity's half year's lock)."""
    activity = participation.activity
    require_capture_scope(saved_by, activity.organisation)
    with transaction.atomic():
        change = _activity_change(activity, saved_by, correction_reason)
        participation.attended, participation.completed = attended, completed
        participation.save(update_fields=["attended", "completed"])
        change.done(activity.public_id)
    return participation


def service_save(
    *,
    saved_by: User,
    organisation: Organisation,
    kind: str,
    start: date,
    end: date | None = None,
    person: Person | None = None,
    household: Household | None = None,
    education_support: str = "",
    provider: str = "",
    outcome: str = "",
    case: Case | None = None,
    service: Service | None = None,
    correction_reason: str = "",
) -> Service:
    """Save a service; one given within a case names the case (the case's policy was checked by the caller).

    A service already given within a case is care data of that case: only those who may change the case
    change it (from any page or the API), it stays the same child's, and the change is audited on the case.
    """
    require_capture_scope(saved_by, organisation)
    within_case = service.case if service is not None and service.case_id is not None else None
    if within_case is not None:
        _require_case_change(saved_by, within_case, service, person, household)  # type: ignore[arg-type]
    errors: dict[str, str] = {}
    if (person is None) == (household is None):
        errors["person"] = _("A service is for one person or one household.")
    if person is not None and person.merged_into_id is not None:
        errors["person"] = str(MERGED_MESSAGE)
    _not_in_future(start, "start", errors)
    born = person.reference_birth_date if person else None
    if born and start < born:
        errors["start"] = _("%(date)s is before %(code)s was born.") % {"date": start, "code": person.code}  # type: ignore[union-attr]
    if end and end < start:
        errors["end"] = _("A service cannot end before it starts.")
    errors.update(service_detail_errors(kind=kind, education_support=education_support))
    if errors:
        raise ValidationError(errors)
    # A service counts in every half year it overlaps: the old place and range and the new ones.
    touched = range_days(start, end) + (range_days(service.start, service.end) if service else [])
    countries = [organisation.country_id, service.organisation.country_id if service else None]
    service = service or Service()
    service.kind, service.education_support, service.person, service.household = (
        kind,
        education_support,
        person,
        household,
    )
    service.organisation, service.start, service.end = organisation, start, end
    service.provider, service.outcome = provider.strip(), outcome.strip()
    if case is not None:
        service.case = case
    with transaction.atomic():
        change = approved_period_change(
            made_by=saved_by,
            organisation=organisation,
            record_kind="service",
            country_ids=countries,
            days=touched,
            reason=correction_reason,
        )
        service.save()
        change.done(service.public_id)
        if within_case is not None:
            from sahay.cases.services.common import audit_case

            audit_case(within_case, AuditAction.CASE_CHANGED, saved_by, None, detail={"changed": "service"})
    return service


def _require_case_change(
    user: User, case: Case, service: Service, person: Person | None, household: Household | None
) -> None:
    from sahay.cases.policy import CaseAccess, CaseAction

    if not CaseAccess.of(user, case).may(CaseAction.CHANGE):
        raise ValidationError(
            {NON_FIELD_ERRORS: _("This service was given within a case: only those working on the case may change it.")}
        )
    if (person, household) != (service.person, service.household):
        raise ValidationError(
            {"person": _("A service given within a case stays with the child or household it was given to.")}
        )


def tracked_item_save(
    *,
    saved_by: User,
    organisation: Organisation,
    kind: str,
    title: str,
    company: ExternalOrganisation | None = None,
    item: TrackedItem | None = None,
    correction_reason: str = "",
) -> TrackedItem:
    require_capture_scope(saved_by, organisation)
    if kind == TrackedItem.Kind.COOPERATION and company is None:
        raise ValidationError({"company": _("A cooperation is with a company: choose it.")})
    if company is not None and company.kind != ExternalOrganisation.Kind.COMPANY:
        raise ValidationError({"company": _("%(name)s is not a company.") % {"name": company}})
    with transaction.atomic():
        # A change to an item with statuses moves the figures of the days it reached them.
        reached = list(item.statuses.values_list("reached_on", flat=True)) if item and item.pk else []
        change = approved_period_change(
            made_by=saved_by,
            organisation=organisation,
            record_kind="tracked_item",
            country_ids=[item.country_id if item else None, organisation.country_id],
            days=reached,
            reason=correction_reason,
        )
        item = item or TrackedItem()
        item.organisation, item.country, item.kind, item.title, item.company = (
            organisation,
            organisation.country,
            kind,
            title.strip(),
            company,
        )
        item.save()
        change.done(item.public_id)
    return item


def tracked_item_status_set(
    *,
    saved_by: User,
    item: TrackedItem,
    status: str,
    reached_on: date,
    request: HttpRequest | None = None,
    correction_reason: str = "",
) -> TrackedItemStatus:
    """Record the date a status was reached (once per status). A change to an offender record is audited."""
    require_capture_scope(saved_by, item.organisation)
    if status not in TrackedItem.PATHS[item.kind]:
        raise ValidationError(
            {
                "status": _("%(status)s is not a status of a %(kind)s.")
                % {"status": status, "kind": item.get_kind_display()}
            }
        )
    errors: dict[str, str] = {}
    _not_in_future(reached_on, "reached_on", errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # A status counts in the half year it was first reached: its old date and its new one may be locked.
        before = TrackedItemStatus.objects.filter(item=item, status=status).values_list("reached_on", flat=True).first()
        change = approved_period_change(
            made_by=saved_by,
            organisation=item.organisation,
            record_kind=f"{item.kind}_status",
            country_ids=[item.organisation.country_id],
            days=[reached_on, before],
            reason=correction_reason,
        )
        status_row, _created = TrackedItemStatus.objects.update_or_create(
            item=item, status=status, defaults={"reached_on": reached_on}
        )
        change.done(item.public_id)
        if item.kind == TrackedItem.Kind.OFFENDER:
            audit_record(
                action=AuditAction.OFFENDER_CHANGED,
                actor=saved_by,
                request=request,
                target_kind="offender",
                target_id=item.public_id,
                organisation=item.organisation,
                detail={"status": status},
            )
    return status_row


def reach_save(
    *, saved_by: User, activity: Activity, audience: str, estimate: int, method: str = "", correction_reason: str = ""
) -> AggregateReach:
    require_capture_scope(saved_by, activity.organisation)
    if estimate <= 0:
        raise ValidationError({"estimate": _("An estimate is a positive number.")})
    with transaction.atomic():
        change = _activity_change(activity, saved_by, correction_reason)
        reach = AggregateReach.objects.create(activity=activity, audience=audience, estimate=estimate, method=method)
        change.done(activity.public_id)
    return reach


def reach_update(
    *, saved_by: User, reach: AggregateReach, estimate: int, method: str, correction_reason: str = ""
) -> AggregateReach:
    """Change an estimate of an activity's reach (under the activity's half year's lock)."""
    activity = reach.activity
    require_capture_scope(saved_by, activity.organisation)
    if estimate <= 0:
        raise ValidationError({"estimate": _("An estimate is a positive number.")})
    with transaction.atomic():
        change = _activity_change(activity, saved_by, correction_reason)
        reach.estimate, reach.method = estimate, method
        reach.save(update_fields=["estimate", "method"])
        change.done(activity.public_id)
    return reach
