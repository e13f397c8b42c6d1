"""Qualifying events: the records a rule counts, each with the same annotated columns.

Every source returns a queryset annotated with
  _subject       what is counted once (a person, household, organisation, item or activity)
  _person        the person, for disaggregation by sex and age (None when the subject is not a person)
  _country, _organisation   where it happened and which organisation did it
  _start, _end   its date range (an event has _end == _start; an open range has _end NULL)
  _value         what a reach count adds up
  _sex, _turns_12_on, _turns_18_on   the person's, for disaggregation (None when the subject is not a person)
  _activity, _area   the activity it belongs to and its province or district, where the record has them
and filtered by the rule's `where`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.db.models import CharField, DateField, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Greatest

from sahay.figures.engine.rules import CountingRule
from sahay.records.models import (
    Activity,
    AggregateReach,
    Participation,
    PersonRole,
    Service,
    TrackedItem,
    TrackedItemStatus,
)

# Awareness activities, by programme.md: sessions, community meetings, school outreach, campaigns with
# registered participants, and trainings on safe internet or on recognising exploitation.
AWARENESS_KINDS = ["awareness_session", "community_meeting", "school_outreach", "campaign"]
AWARENESS_TRAINING_TOPICS = ["safe_internet", "recognising_exploitation"]


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _activity_kind(value: Any, prefix: str) -> Q:
    condition = Q()
    kinds = _as_list(value)
    if "awareness" in kinds:
        condition |= Q(**{f"{prefix}kind__in": AWARENESS_KINDS}) | Q(
            **{f"{prefix}kind": "training", f"{prefix}training_topic__in": AWARENESS_TRAINING_TOPICS}
        )
    others = [kind for kind in kinds if kind != "awareness"]
    if others:
        condition |= Q(**{f"{prefix}kind__in": others})
    return condition


def _age(value: dict[str, int], person: str, on: str) -> Q:
    """Age on the event's date, from the dates a person turns 12 and 18 (unknown age never qualifies)."""
    condition = Q()
    if "under" in value:
        condition &= Q(**{f"{person}turns_{value['under']}_on__gt": F(on)})
    if "at_least" in value:
        condition &= Q(**{f"{person}turns_{value['at_least']}_on__lte": F(on)})
    return condition


ONE = Value(1, output_field=IntegerField())
NO_ID = Value(None, output_field=IntegerField())
NO_DATE = Value(None, output_field=DateField())
NO_TEXT = Value(None, output_field=CharField())


def _columns(
    *,
    subject: Any,
    country: str,
    organisation: str,
    start: Any,
    end: Any,
    person: str | None = None,
    activity: str | None = None,
    area: str | None = None,
    value: Any = ONE,
) -> dict[str, Any]:
    """The annotations every source gives its events (see the module's docstring); `person` is a relation."""

    def as_expression(field: Any) -> Any:
        return F(field) if isinstance(field, str) else field

    return {
        "_subject": as_expression(subject),
        "_person": F(f"{person}_id") if person else NO_ID,
        "_sex": F(f"{person}__sex") if person else NO_TEXT,
        "_turns_12_on": F(f"{person}__turns_12_on") if person else NO_DATE,
        "_turns_18_on": F(f"{person}__turns_18_on") if person else NO_DATE,
        "_country": F(country),
        "_organisation": F(organisation),
        "_activity": F(activity) if activity else NO_ID,
        "_area": F(area) if area else NO_ID,
        "_start": as_expression(start),
        "_end": as_expression(end),
        "_value": as_expression(value),
    }


def _activity_filters(events: QuerySet[Any], where: dict[str, Any], prefix: str) -> QuerySet[Any]:
    """Filters on the activity an event belongs to (`prefix` leads from the event to the activity)."""
    if "activity_kind" in where:
        events = events.filter(_activity_kind(where["activity_kind"], prefix))
    if "training_topic" in where:
        events = events.filter(**{f"{prefix}training_topic__in": _as_list(where["training_topic"])})
    if "campaign_kind" in where:
        events = events.filter(**{f"{prefix}campaign_kind__in": _as_list(where["campaign_kind"])})
    return events


def _holds_role(person: str, on: str, role: list[str] | None = None, profession: list[str] | None = None) -> Exists:
    """The person held the role (or profession) on the event's date."""
    roles = PersonRole.objects.filter(person=OuterRef(person), start__lte=OuterRef(on)).filter(
        Q(end__isnull=True) | Q(end__gte=OuterRef(on))
    )
    if role:
        roles = roles.filter(role__in=role)
    if profession:
        roles = roles.filter(role="professional", profession__in=profession)
    return Exists(roles)


def _participations(rule: CountingRule, window_start: date) -> QuerySet[Any]:
    where = rule.where
    events = Participation.objects.filter(attended=True).annotate(
        **_columns(
            subject="person_id",
            person="person",
            country="activity__country_id",
            organisation="activity__organisation_id",
            activity="activity_id",
            area="activity__area_id",
            start="activity__date",
            end="activity__date",
        )
    )
    events = _activity_filters(events, where, "activity__")
    if "completed" in where:
        events = events.filter(completed=bool(where["completed"]))
    if "sex" in where:
        events = events.filter(person__sex__in=_as_list(where["sex"]))
    if "age_on_date" in where:
        events = events.filter(_age(where["age_on_date"], "person__", "activity__date"))
    if "role" in where:
        events = events.filter(_holds_role("person_id", "activity__date", role=_as_list(where["role"])))
    if "profession" in where:
        events = events.filter(_holds_role("person_id", "activity__date", profession=_as_list(where["profession"])))
    return events


def _services(rule: CountingRule, window_start: date) -> QuerySet[Any]:
    where = rule.where
    by_household = rule.count == "unique_households"
    events = Service.objects.filter(**{"household__isnull" if by_household else "person__isnull": False}).annotate(
        **_columns(
            subject="household_id" if by_household else "person_id",
            person=None if by_household else "person",
            country="organisation__country_id",
            organisation="organisation_id",
            area="household__area_id" if by_household else "person__area_id",
            start="start",
            end="end",
        ),
        # A service is a range: age and roles are those on its first day inside the window, the same
        # day its disaggregation uses.
        _on=Greatest(F("start"), Value(window_start, output_field=DateField())),
    )
    if "service_kind" in where:
        events = events.filter(kind__in=_as_list(where["service_kind"]))
    if "education_support" in where:
        # Narrows education support only; other kinds in the rule count whatever their detail.
        events = events.filter(
            ~Q(kind="education_support") | Q(education_support__in=_as_list(where["education_support"]))
        )
    if "sex" in where:
        events = events.filter(person__sex__in=_as_list(where["sex"]))
    if "age_on_date" in where:
        events = events.filter(_age(where["age_on_date"], "person__", "_on"))
    if "role" in where:
        events = events.filter(_holds_role("person_id", "_on", role=_as_list(where["role"])))
    if "household_of_role" in where:
        members_with_role = PersonRole.objects.filter(
            person__memberships__household=OuterRef("household_id"),
            role__in=_as_list(where["household_of_role"]),
            start__lte=OuterRef("_on"),
        ).filter(Q(end__isnull=True) | Q(end__gte=OuterRef("_on")))
        events = events.filter(Exists(members_with_role))
    return events


def _activities(rule: CountingRule, window_start: date) -> QuerySet[Any]:
    events = Activity.objects.annotate(
        **_columns(
            subject="id",
            country="country_id",
            organisation="organisation_id",
            activity="id",
            area="area_id",
            start="date",
            end="date",
        )
    )
    return _activity_filters(events, rule.where, "")


def _activity_organisations(rule: CountingRule, window_start: date) -> QuerySet[Any]:
    where = rule.where
    reached = Activity.reached_organisations.through.objects.annotate(
        **_columns(
            subject="externalorganisation_id",
            country="activity__country_id",
            organisation="activity__organisation_id",
            activity="activity_id",
            area="activity__area_id",
            start="activity__date",
            end="activity__date",
        )
    )
    reached = _activity_filters(reached, where, "activity__")
    if "organisation_kind" in where:
        reached = reached.filter(externalorganisation__kind__in=_as_list(where["organisation_kind"]))
    if "sector" in where:
        reached = reached.filter(externalorganisation__sector__in=_as_list(where["sector"]))
    return reached


def _first_reached(statuses: list[str]) -> Subquery:
    return Subquery(
        TrackedItemStatus.objects.filter(item=OuterRef("pk"), status__in=statuses)
        .order_by("reached_on")
        .values("reached_on")[:1]
    )


def _items_reaching(kind: str) -> Callable[[CountingRule, date], QuerySet[Any]]:
    """Items counted once, in the period in which they first reached the status or a later one."""

    def build(rule: CountingRule, window_start: date) -> QuerySet[Any]:
        reached = _first_reached(TrackedItem.statuses_from(kind, rule.where["status_reached"]))
        return (
            TrackedItem.objects.filter(kind=kind)  # type: ignore[misc]
            .annotate(
                **_columns(
                    subject="id",
                    country="country_id",
                    organisation="organisation_id",
                    start=reached,
                    end=reached,
                )
            )
            .filter(_start__isnull=False)
        )

    return build


def _cooperations(rule: CountingRule, window_start: date) -> QuerySet[Any]:
    """Companies with a cooperation in the status (`active` by default) during the window."""
    status = rule.where.get("status", "active")
    reached = TrackedItem.statuses_from(TrackedItem.Kind.COOPERATION, status)
    later = reached[1:]
    cooperations = (
        TrackedItem.objects.filter(kind=TrackedItem.Kind.COOPERATION, company__isnull=False)  # type: ignore[misc]
        .annotate(
            **_columns(
                subject="company_id",
                country="country_id",
                organisation="organisation_id",
                start=_first_reached(reached),
                end=_first_reached(later) if later else Value(None, output_field=DateField()),
            )
        )
        .filter(_start__isnull=False)
    )
    if "sector" in rule.where:
        cooperations = cooperations.filter(company__sector__in=_as_list(rule.where["sector"]))
    return cooperations


def _reach(rule: CountingRule, window_start: date) -> QuerySet[Any]:
    estimates = AggregateReach.objects.annotate(
        **_columns(
            subject="id",
            country="activity__country_id",
            organisation="activity__organisation_id",
            activity="activity_id",
            area="activity__area_id",
            start="activity__date",
            end="activity__date",
            value="estimate",
        )
    )
    estimates = _activity_filters(estimates, rule.where, "activity__")
    if "audience" in rule.where:
        estimates = estimates.filter(audience__in=_as_list(rule.where["audience"]))
    return estimates


SOURCES: dict[str, Callable[[CountingRule, date], QuerySet[Any]]] = {
    "participations": _participations,
    "services": _services,
    "activities": _activities,
    "activity_organisations": _activity_organisations,
    "cooperations": _cooperations,
    "curricula": _items_reaching(TrackedItem.Kind.CURRICULUM),
    "policy_strategies": _items_reaching(TrackedItem.Kind.POLICY_STRATEGY),
    "offenders": _items_reaching(TrackedItem.Kind.OFFENDER),
    "reach": _reach,
}


def qualifying_events(rule: CountingRule, *, start: date, end: date, today: date) -> QuerySet[Any]:
    """The rule's events that fall in the window: a range counts in every window it overlaps."""
    events = SOURCES[rule.source](rule, start).filter(_start__lte=end)
    if today >= start:
        return events.filter(Q(_end__gte=start) | Q(_end__isnull=True))
    return events.filter(_end__gte=start)
