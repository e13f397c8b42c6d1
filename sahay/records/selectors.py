"""Reads of records, always through the acting user's scope. Nothing here returns a name."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TypeVar

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, Model, OuterRef, Q, QuerySet

from sahay.accounts.models import User
from sahay.accounts.rights import Right
from sahay.accounts.scope import NOTHING, scope_of
from sahay.core.models import Organisation
from sahay.records.models import Activity, ExternalOrganisation, Household, Person, Service, TrackedItem

M = TypeVar("M", bound=Model)


def _visible(user: User, queryset: QuerySet[M], *, country_field: str = "country") -> QuerySet[M]:
    if not user.has_perm(Right.VIEW_FIGURES.permission):
        return queryset.none()
    return scope_of(user).filter(queryset, country_field=country_field, organisation_field="organisation")


def person_list(*, user: User, search: str = "") -> QuerySet[Person]:
    # A record merged into another one is kept only so the merge can be undone: it is not listed.
    people = _visible(user, Person.objects.filter(merged_into__isnull=True).select_related("organisation", "country"))
    if search:
        people = people.filter(code__icontains=search.strip())
    return people


def household_list(*, user: User, search: str = "") -> QuerySet[Household]:
    households = _visible(user, Household.objects.select_related("organisation", "country")).annotate(
        member_count=Count("memberships")
    )
    if search:
        households = households.filter(code__icontains=search.strip())
    return households


def external_organisation_list(*, user: User, search: str = "") -> QuerySet[ExternalOrganisation]:
    # Companies and schools are not sensitive: everyone in the country may see them.
    if not user.has_perm(Right.VIEW_FIGURES.permission):
        return ExternalOrganisation.objects.none()
    organisations = ExternalOrganisation.objects.filter(country__in=scope_of(user).countries()).select_related(
        "country"
    )
    if search:
        organisations = organisations.filter(name__icontains=search.strip())
    return organisations


def activity_list(*, user: User, search: str = "") -> QuerySet[Activity]:
    activities = _visible(user, Activity.objects.select_related("organisation", "country")).annotate(
        participant_count=Count("participations")
    )
    if search:
        activities = activities.filter(Q(title__icontains=search) | Q(kind__icontains=search.replace(" ", "_")))
    return activities


def service_list(*, user: User, search: str = "") -> QuerySet[Service]:
    services = _visible(
        user,
        Service.objects.select_related("organisation", "person", "household"),
        country_field="organisation__country",
    )
    if search:
        services = services.filter(Q(person__code__icontains=search) | Q(household__code__icontains=search))
    return services


def tracked_item_list(*, user: User, search: str = "") -> QuerySet[TrackedItem]:
    items = _visible(user, TrackedItem.objects.select_related("organisation", "country", "company"))
    if search:
        items = items.filter(title__icontains=search)
    return items


def capture_organisations(*, user: User) -> QuerySet[Organisation]:
    """The organisations a user may record for."""
    if not user.has_perm(Right.RECORD_DATA.permission):
        return Organisation.objects.none()
    return scope_of(user).filter(Organisation.objects.filter(is_active=True), organisation_field="pk")


def identity_condition(user: User) -> Q:
    """The people whose identity (name, contact, address, exact date of birth) the user may see, as a condition
    on people: the one rule, which `sees_identity` asks for one person and `with_identity` for a list.

    A child with a case: those the case policy lets see the child's identity on one of the child's cases.
    Anyone else: the organisation that serves the person.
    """
    from sahay.cases.models import Case
    from sahay.cases.policy import CaseAction, visible_cases

    has_case = Exists(Case.objects.filter(person=OuterRef("pk")))
    through_a_case = Exists(visible_cases(user, CaseAction.SEE_IDENTITY).filter(person=OuterRef("pk")))
    own = Q(organisation_id=user.organisation_id) if user.organisation_id is not None else NOTHING
    return (Q(has_case) & Q(through_a_case)) | (~Q(has_case) & own)


def with_identity(*, user: User, people: QuerySet[Person]) -> QuerySet[Person]:
    """The people, each annotated `identity_shown`: whether the user may see their identity."""
    return people.annotate(identity_shown=ExpressionWrapper(identity_condition(user), output_field=BooleanField()))


def sees_identity(user: User, person: Person | Household) -> bool:
    """Names, contacts, addresses and exact dates of birth: only for the organisation that serves the person,
    and for a child with a case (or their household) only for those the case policy lets see the child's
    identity."""
    if not isinstance(user, User) or not user.is_active:
        return False
    if isinstance(person, Household):
        from sahay.cases.models import Case
        from sahay.cases.policy import CaseAccess, CaseAction

        cases = Case.objects.filter(person__memberships__household=person).select_related("organisation")
        if cases.exists():
            return any(CaseAccess.of(user, case).may(CaseAction.SEE_IDENTITY) for case in cases)
        return user.organisation_id is not None and user.organisation_id == person.organisation_id
    return Person.objects.filter(pk=person.pk).filter(identity_condition(user)).exists()


def birth_year_of(person: Person) -> int | None:
    """What someone who may not see the exact date of birth is shown: the year (known or estimated)."""
    if person.birth_date:
        return person.birth_date.year
    return person.birth_year_estimated


def probable_duplicates(
    *, organisation: Organisation, sex: str, birth_date: date | None, birth_year_estimated: int | None, code: str
) -> QuerySet[Person]:
    """People of the organisation a new person may already be: same code, or same sex and near birth."""
    same_code = Q(code__iexact=code.strip())
    near_birth = Q()
    if birth_date:
        near_birth = Q(birth_date__range=(birth_date - timedelta(days=31), birth_date + timedelta(days=31))) | Q(
            birth_year_estimated=birth_date.year
        )
    elif birth_year_estimated:
        near_birth = Q(birth_year_estimated__range=(birth_year_estimated - 1, birth_year_estimated + 1)) | Q(
            birth_date__year=birth_year_estimated
        )
    if near_birth:
        return Person.objects.filter(organisation=organisation).filter(
            same_code | (Q(sex=sex, merged_into__isnull=True) & near_birth)
        )
    return Person.objects.filter(organisation=organisation).filter(same_code)
