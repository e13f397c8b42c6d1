"""A child's role given with a case, through the approved-period lock like every write the figures count."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Q

from sahay.accounts.models import User
from sahay.core.models import Organisation
from sahay.records.models import Participation, Person, PersonRole, Service
from sahay.reports.locks import approved_period_change, range_days


def role_reach(person: Person, start: date) -> tuple[set[int], list[date]]:
    """The countries, and a day in each half year, whose figures a role of the person from `start` on can change.

    Rules check roles on the day of a participation, and on a service's first day inside a window, which may
    begin on any first of a month: so the participations from `start` on, and the part from `start` on of the
    services of the person and of their households, whatever happened before stays as it was counted.
    """
    countries: set[int] = set()
    days: list[date] = []
    for country, day in Participation.objects.filter(person=person, activity__date__gte=start).values_list(
        "activity__country_id", "activity__date"
    ):
        countries.add(country)
        days.append(day)
    services = (
        Service.objects.filter(Q(person=person) | Q(household__memberships__person=person))
        .filter(Q(end__isnull=True) | Q(end__gte=start))
        .values_list("organisation__country_id", "start", "end")
        .distinct()
    )
    for country, service_start, service_end in services:
        countries.add(country)
        days += range_days(max(service_start, start), service_end)
    return countries, days


def child_role_add(
    *, person: Person, role: str, start: date, added_by: User, organisation: Organisation, correction_reason: str = ""
) -> PersonRole:
    """Give a registered person the role a case says they have, from the day it opened.

    A back-dated role requalifies what the person took part in since: in an approved half year that is a
    correction, refused without a reason and kept with one.
    """
    with transaction.atomic():
        countries, days = role_reach(person, start)
        change = approved_period_change(
            made_by=added_by,
            organisation=organisation,
            record_kind="person",
            country_ids=countries,
            days=days,
            reason=correction_reason,
        )
        person_role = PersonRole.objects.create(person=person, role=role, start=start)
        change.done(person.public_id)
    return person_role
