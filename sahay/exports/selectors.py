"""The rows of each export, read through the acting user's scope.

Figures come only from the published figures (`sahay.reports.publishing`), so an export shows exactly what a
report shows, suppression included. Records come from the record lists' own selectors, so an export never
holds a row the list pages would not show, and never a name, contact, address or free-text outcome.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sahay.accounts.models import User
from sahay.accounts.rights import Right
from sahay.accounts.scope import NOTHING, scope_of
from sahay.core.models import Organisation
from sahay.core.periods import Period
from sahay.exports import policies
from sahay.figures.engine.counting import age_band
from sahay.frameworks.models import Programme
from sahay.records.models import Participation, Person, PersonRole
from sahay.records.selectors import activity_list, household_list, person_list, service_list
from sahay.reports import publishing
from sahay.reports.disclosure import PublishedCell, PublishedFigures
from sahay.reports.figureset import PROGRAMME, Window

Row = list[Any]


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[Row]


class RecordKind(StrEnum):
    PEOPLE = "people"
    HOUSEHOLDS = "households"
    ACTIVITIES = "activities"
    PARTICIPATIONS = "participations"
    SERVICES = "services"

    @property
    def label(self) -> str:
        return str(RECORD_KIND_LABELS[self])


RECORD_KIND_LABELS = {
    RecordKind.PEOPLE: gettext_lazy("People"),
    RecordKind.HOUSEHOLDS: gettext_lazy("Households"),
    RecordKind.ACTIVITIES: gettext_lazy("Activities"),
    RecordKind.PARTICIPATIONS: gettext_lazy("Participations"),
    RecordKind.SERVICES: gettext_lazy("Services"),
}


# --- Figures -------------------------------------------------------------------------------------------


def figures_in_scope(*, user: User, programme: Programme, period: Period) -> list[PublishedFigures] | None:
    """The published figures the user may take out for the period, one set per place group.

    A donor gets the frozen figures of an approved report or nothing (None). Programme staff get the
    programme and every country with an all-countries scope, or their own country only.
    """
    if not policies.may_export_figures(user):
        return None
    scope = scope_of(user)
    if not policies.sees_unpublished_periods(user):
        frozen = publishing.frozen_figures(programme=programme, period=period, country=None)
        return [frozen] if frozen is not None else None
    if scope.sees_programme_totals:
        return [publishing.published_figures(programme=programme, period=period)]
    if scope.organisation_id is not None:  # a partner takes out its own organisation's figures, not its country's
        organisation = Organisation.objects.get(pk=scope.organisation_id)
        return [publishing.published_figures(programme=programme, period=period, organisation=organisation)]
    programme_countries = programme.countries.filter(pk__in=scope.countries().values("pk")).order_by("code")
    whole = publishing.published_figures(programme=programme, period=period)
    return [whole.only_place(country.code) for country in programme_countries]


def figure_table(*, user: User, programme: Programme, period: Period, window: Window) -> Table | None:
    """One row per indicator, place and disaggregation; a suppressed cell holds its display, never a number."""
    published = figures_in_scope(user=user, programme=programme, period=period)
    if published is None:
        return None
    scope = scope_of(user)
    allowed_places = set(scope.countries().values_list("code", flat=True))
    if scope.sees_programme_totals:
        allowed_places.add(PROGRAMME)
    indicators = list(programme.indicators.all())
    position = {indicator.code: number for number, indicator in enumerate(indicators)}
    names = {indicator.code: indicator.name for indicator in indicators}
    cells = {
        key: cell
        for figures in published
        for key, cell in figures.cells.items()
        # A frozen report may hold more places than the user's scope: never let one out.
        if key.window == window and key.place in allowed_places and key.indicator in position
    }
    ordered = sorted(
        cells.items(),
        key=lambda item: (position[item[0].indicator], item[0].place != PROGRAMME, item[0].place, item[0].split),
    )
    header = [_("indicator code"), _("indicator"), _("place"), _("window"), _("split"), _("value")]
    rows = [
        [
            key.indicator,
            names[key.indicator],
            key.place or "programme",
            key.window.value,
            key.split or "total",
            cell_value(cell),
        ]
        for key, cell in ordered
    ]
    return Table(header, rows)


def cell_value(cell: PublishedCell) -> str | int | Decimal:
    """A shown figure as a plain number; a suppressed one as its display ("<5" or "x"), never its count."""
    if cell.suppressed or cell.value is None:
        return cell.display
    return int(cell.value) if cell.value == cell.value.to_integral_value() else cell.value


# --- De-identified records ----------------------------------------------------------------------------


def record_table(*, user: User, kind: RecordKind) -> Table:
    """Codes and non-identifying facts of the records the user's list pages show."""
    builders = {
        RecordKind.PEOPLE: _people,
        RecordKind.HOUSEHOLDS: _households,
        RecordKind.ACTIVITIES: _activities,
        RecordKind.PARTICIPATIONS: _participations,
        RecordKind.SERVICES: _services,
    }
    if not policies.may_export_records(user):
        return Table([], [])
    header, rows = builders[kind](user)
    return Table(header, list(rows))


def _people(user: User) -> tuple[list[str], Iterator[Row]]:
    today = timezone.localdate()
    people = person_list(user=user).order_by("organisation__name", "code")
    roles: dict[int, set[str]] = {}
    for person_id, role in PersonRole.objects.filter(person__in=people.values("pk")).values_list("person_id", "role"):
        roles.setdefault(person_id, set()).add(role)
    header = [_("code"), _("sex"), _("age band today"), _("organisation"), _("country"), _("roles"), _("recorded on")]

    def rows() -> Iterator[Row]:
        for person in people.only(
            "pk", "code", "sex", "turns_12_on", "turns_18_on", "created_at", "organisation__name", "country__code"
        ):
            yield [
                person.code,
                person.sex,
                age_band(today, person.turns_12_on, person.turns_18_on),
                person.organisation.name,
                person.country.code,
                "; ".join(sorted(roles.get(person.pk, set()))),
                timezone.localtime(person.created_at).date(),
            ]

    return header, rows()


def _households(user: User) -> tuple[list[str], Iterator[Row]]:
    households = household_list(user=user).order_by("organisation__name", "code")
    header = [_("code"), _("organisation"), _("country"), _("members")]
    rows = (
        # member_count is annotated by household_list.
        [household.code, household.organisation.name, household.country.code, household.member_count]  # type: ignore[attr-defined]
        for household in households.only("pk", "code", "organisation__name", "country__code")
    )
    return header, rows


def _activities(user: User) -> tuple[list[str], Iterator[Row]]:
    activities = activity_list(user=user).order_by("date", "pk")
    header = [
        _("id"),
        _("kind"),
        _("campaign kind"),
        _("training topic"),
        _("title"),
        _("date"),
        _("end date"),
        _("organisation"),
        _("country"),
        _("participants"),
    ]
    return header, (
        [
            activity.public_id,
            activity.kind,
            activity.campaign_kind,
            activity.training_topic,
            activity.title,
            activity.date,
            activity.end_date,
            activity.organisation.name,
            activity.country.code,
            activity.participant_count,  # type: ignore[attr-defined]
        ]
        for activity in activities
    )


def _participations(user: User) -> tuple[list[str], Iterator[Row]]:
    participations = (
        # Another organisation's people are left out, as the API leaves them out: the activities export counts them.
        Participation.objects.filter(
            activity__in=activity_list(user=user).values("pk"), person__in=person_list(user=user).values("pk")
        )
        .select_related("activity__organisation", "activity__country", "person")
        .order_by("activity__date", "activity_id", "person__code")
    )
    header = [
        _("activity id"),
        _("activity kind"),
        _("activity date"),
        _("organisation"),
        _("country"),
        _("person code"),
        _("attended"),
        _("completed"),
    ]
    return header, (
        [
            participation.activity.public_id,
            participation.activity.kind,
            participation.activity.date,
            participation.activity.organisation.name,
            participation.activity.country.code,
            participation.person.code,
            participation.attended,
            participation.completed,
        ]
        for participation in participations
    )


def _services(user: User) -> tuple[list[str], Iterator[Row]]:
    services = service_list(user=user).select_related("organisation__country").order_by("start", "pk")
    # Provider and outcome are free text that may name people: never exported.
    header = [
        _("id"),
        _("kind"),
        _("education support"),
        _("person code"),
        _("household code"),
        _("provided by"),
        _("country"),
        _("from"),
        _("until"),
    ]
    return header, (
        [
            service.public_id,
            service.kind,
            service.education_support,
            service.person.code if service.person else "",
            service.household.code if service.household else "",
            service.organisation.name,
            service.organisation.country.code,
            service.start,
            service.end,
        ]
        for service in services
    )


# --- Identities ---------------------------------------------------------------------------------------


def identity_people(*, user: User) -> QuerySet[Person]:
    """The people whose names the user may take out: what `records.selectors.sees_identity` allows, in bulk.

    People without a case: those of the user's own organisation that the record lists show the user. Children
    with a case: those of cases whose policy lets the user see the identity, except through an emergency
    access, which opens one child's file in an emergency and not a bulk export. Erased identities are left out.
    """
    from sahay.cases.models import Case
    from sahay.cases.policy import POLICY, CaseAction, Reach, permits, reach_conditions

    organisation_id = user.organisation_id
    if organisation_id is None or not policies.may_export_identities(user):
        return Person.objects.none()
    has_case = Exists(Case.objects.filter(person=OuterRef("pk")))
    own_without_case = NOTHING
    if user.has_perm(Right.VIEW_FIGURES.permission):
        own_without_case = Q(
            pk__in=person_list(user=user).filter(organisation_id=organisation_id).exclude(has_case).values("pk")
        )
    conditions = reach_conditions(user)
    identity_cases = NOTHING
    for reach in POLICY[CaseAction.SEE_IDENTITY] - {Reach.GLASS}:
        if permits(user, CaseAction.SEE_IDENTITY, frozenset({reach})):
            identity_cases |= conditions[reach]
    with_case = Q(pk__in=Case.objects.filter(identity_cases).values("person_id"))
    return (
        Person.objects.filter(own_without_case | with_case)
        .filter(identity_erased_at__isnull=True)
        .select_related("organisation", "country")
        .order_by("organisation__name", "code")
    )


def identity_table(people: QuerySet[Person]) -> Table:
    header = [_("code"), _("name"), _("contact"), _("address"), _("organisation"), _("country")]
    rows = [
        [person.code, person.name, person.contact, person.address, person.organisation.name, person.country.code]
        for person in people
    ]
    return Table(header, rows)
