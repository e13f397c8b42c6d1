"""Erasing identities and case narratives: on the retention schedule, or at once on a legal request.

What figures count stays (the person's record, sex, country, roles, services, cases and their dates, and
age milestones moved to the next date anything compares them with), so every figure is identical after
an erasure. What identifies goes: name, contact, address, exact date of birth (the year is kept as an estimate), the
texts of the cases and services, and the attachments. Audit entries carry opaque ids only.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from sahay.accounts.models import User
from sahay.accounts.rights import Right
from sahay.audit.models import AuditAction
from sahay.audit.services import audit_record
from sahay.cases.models import (
    Assessment,
    Attachment,
    Case,
    FollowUp,
    GlassAccess,
    Hearing,
    LegalCase,
    PlanGoal,
    Referral,
)
from sahay.frameworks.models import Programme
from sahay.records.models import Household, Participation, Person, Service
from sahay.records.models.people import years_after
from sahay.reports.locks import approved_period_change

logger = logging.getLogger("sahay.retention")

# Every narrative column of a case's records, by model and the path from the model to its case.
CASE_NARRATIVES: list[tuple[type, str, tuple[str, ...]]] = [
    (Case, "pk", ("summary",)),
    (Assessment, "case", ("risks", "needs", "safety")),
    (PlanGoal, "case", ("goal",)),
    (FollowUp, "case", ("notes",)),
    (Referral, "case", ("needs", "consent_override_reason", "answer_note")),
    (LegalCase, "case", ("authority_reference", "notes")),
    (Hearing, "legal_case__case", ("note",)),
    (GlassAccess, "case", ("reason",)),
    (Service, "case", ("outcome",)),
]
IDENTITY_COLUMNS = ("name", "contact", "address")


@dataclass
class Purge:
    """What an erasure removed (or would remove): counts per kind and the opaque ids of the people."""

    counts: Counter[str] = field(default_factory=Counter)
    people: list[str] = field(default_factory=list)


def _not_blank(columns: tuple[str, ...]) -> Q:
    # An encrypted empty string is stored as the empty string, so this filter works on the stored column.
    condition = Q()
    for column in columns:
        condition |= ~Q(**{column: ""})
    return condition


def _case_narratives_erase(cases: QuerySet[Case], purge: Purge, *, dry_run: bool) -> None:
    case_ids = list(cases.values_list("pk", flat=True))
    for model, path, columns in CASE_NARRATIVES:
        rows = model._default_manager.filter(**{f"{path}__in": case_ids}).filter(_not_blank(columns))  # type: ignore[attr-defined]
        count = rows.count()
        if count:
            purge.counts[f"{model._meta.model_name} texts"] += count  # type: ignore[attr-defined]
            if not dry_run:
                rows.update(**dict.fromkeys(columns, ""))
    attachments = Attachment.objects.filter(case__in=case_ids)
    count = attachments.count()
    if count:
        purge.counts["attachments"] += count
        if not dry_run:
            attachments.delete()


def age_comparison_dates(person: Person) -> list[date]:
    """Every date on which a figure or a page compares the person's age with a milestone: activity dates,
    service starts, the starts of the half years a service runs into (a period counts age on its first day),
    and the days the person's cases opened."""
    today = timezone.localdate()
    programme_starts = list(Programme.objects.values_list("start", flat=True))
    dates = set(Participation.objects.filter(person=person).values_list("activity__date", flat=True))
    dates |= set(Case.objects.filter(person=person).values_list("opened_on", flat=True))
    for start, end in Service.objects.filter(person=person).values_list("start", "end"):
        last = end or today
        dates.add(start)
        # Half years only, not months or quarters: a milestone moved to the next first of a month would keep
        # the birth month. Month and quarter figures, which no report publishes, may shift by one age band.
        period_starts = [date(year, month, 1) for year in range(start.year, last.year + 1) for month in (1, 7)]
        dates |= {day for day in [*period_starts, *programme_starts] if start < day <= last}
    return sorted(dates)


def coarse_milestone(milestone: date | None, comparisons: list[date]) -> date | None:
    """The first comparison date on or after the milestone; past the last one, the day after it.

    Any date in between classifies every comparison date exactly as the true milestone does."""
    if milestone is None or not comparisons:
        return None  # unknown, or never compared: nothing depends on it
    later = [day for day in comparisons if day >= milestone]
    return later[0] if later else comparisons[-1] + timedelta(days=1)


def _identity_erase(
    person: Person, purge: Purge, *, dry_run: bool, actor: User | None, reason: str, request: HttpRequest | None
) -> None:
    purge.counts["identities"] += 1
    purge.people.append(person.public_id)
    outcomes = Service.objects.filter(person=person).exclude(outcome="")
    purge.counts["service texts"] += outcomes.count()
    if dry_run:
        return
    # The milestones move only between dates nothing compares, so no approved half year changes and nothing is
    # asked; the step still runs, so that whatever is kept of how the person counts follows their record.
    # The retention schedule erases with no user: no correction is ever made in its name.
    change = approved_period_change(
        made_by=actor,  # type: ignore[arg-type]
        organisation=person.organisation,
        record_kind="person",
        country_ids=[person.country_id],
        days=[],
        reason=reason,
    )
    outcomes.update(outcome="")
    if person.birth_date is not None:
        person.birth_year_estimated = person.birth_date.year
    person.birth_date = None
    # The milestones would give the birthday away: each moves to the next date on which anything compares
    # the person's age, so every age on those dates, and so every figure, stays as it was.
    comparisons = age_comparison_dates(person)
    person.turns_12_on = coarse_milestone(person.turns_12_on, comparisons)
    person.turns_18_on = coarse_milestone(person.turns_18_on, comparisons)
    person.name = person.contact = person.address = ""
    person.identity_erased_at = timezone.now()
    person.save(
        update_fields=[
            "birth_date",
            "birth_year_estimated",
            "turns_12_on",
            "turns_18_on",
            "name",
            "contact",
            "address",
            "identity_erased_at",
        ]
    )
    change.done(person.public_id)
    audit_record(
        action=AuditAction.IDENTITY_ERASED,
        actor=actor,
        request=request,
        target_kind="person",
        target_id=person.public_id,
        organisation=person.organisation,
        reason=reason,
    )


def _household_addresses_erase(people: list[Person], purge: Purge, *, dry_run: bool) -> None:
    """Erase the address of each household whose members are now all erased."""
    erased = {person.pk for person in people}
    households = Household.objects.filter(memberships__person__in=erased).exclude(address="").distinct()
    for household in households:
        members = set(household.memberships.values_list("person_id", flat=True))
        still_identified = Person.objects.filter(pk__in=members - erased, identity_erased_at__isnull=True).exists()
        if still_identified:
            continue
        purge.counts["household addresses"] += 1
        if not dry_run:
            Household.objects.filter(pk=household.pk).update(address="")


def _erase(
    people: list[Person],
    cases: QuerySet[Case],
    *,
    dry_run: bool,
    actor: User | None,
    reason: str,
    request: HttpRequest | None = None,
) -> Purge:
    purge = Purge()
    with transaction.atomic():
        _case_narratives_erase(cases, purge, dry_run=dry_run)
        for person in people:
            _identity_erase(person, purge, dry_run=dry_run, actor=actor, reason=reason, request=request)
        _household_addresses_erase(people, purge, dry_run=dry_run)
    return purge


def person_erase(*, person: Person, erased_by: User, reason: str, request: HttpRequest | None = None) -> Purge:
    """Erase one person's identity and their cases' narratives now, on a legal request (administrators only)."""
    if not erased_by.has_perm(Right.MANAGE_USERS.permission):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the erasure (the legal request).")})
    if person.identity_erased_at is not None:
        raise ValidationError({"reason": _("This identity is already erased.")})
    purge = _erase([person], Case.objects.filter(person=person), dry_run=False, actor=erased_by, reason=reason)
    logger.info("identity erased on request: person %s, %s", person.public_id, dict(purge.counts))
    return purge


def _cutoffs(today: date) -> tuple[date, date]:
    schedule = settings.SAHAY_RETENTION
    case_years = int(schedule["case_identity_years_after_closure"])
    person_years = int(schedule["person_identity_years_after_last_record"])
    return years_after(today, -case_years), years_after(today, -person_years)


def _last_record(person: Person) -> date:
    dates: list[date | datetime | None] = [
        person.created_at,
        getattr(person, "last_role", None),
        getattr(person, "last_role_end", None),
        getattr(person, "last_service", None),
        getattr(person, "last_service_end", None),
        getattr(person, "last_activity", None),
    ]
    return max(value.date() if isinstance(value, datetime) else value for value in dates if value is not None)


def retention_due(today: date | None = None) -> tuple[QuerySet[Case], list[Person]]:
    """The closed cases past their retention date with narratives left, and the identities past theirs."""
    today = today or timezone.localdate()
    case_cutoff, person_cutoff = _cutoffs(today)
    expired_cases = Case.objects.filter(status=Case.Status.CLOSED, closed_on__lt=case_cutoff)
    with_narratives = Q(pk__in=Attachment.objects.filter(case__in=expired_cases).values("case"))
    for model, path, columns in CASE_NARRATIVES:
        rows = model._default_manager.filter(**{f"{path}__in": expired_cases}).filter(_not_blank(columns))  # type: ignore[attr-defined]
        with_narratives |= Q(pk__in=rows.values(path))
    cases = expired_cases.filter(with_narratives)

    identified = Person.objects.filter(identity_erased_at__isnull=True)
    # A child's identity goes when every one of their cases closed before the cutoff.
    case_children = identified.filter(cases__isnull=False).exclude(
        Q(cases__status=Case.Status.OPEN) | Q(cases__closed_on__gte=case_cutoff)
    )
    people = list(case_children.distinct())
    others = identified.filter(cases__isnull=True).annotate(
        last_role=Max("roles__start"),
        last_role_end=Max("roles__end"),
        last_service=Max("services__start"),
        last_service_end=Max("services__end"),
        last_activity=Max("participations__activity__date"),
    )
    people += [person for person in others if _last_record(person) < person_cutoff]
    return cases, people


def retention_apply(*, dry_run: bool = False, today: date | None = None) -> Purge:
    """Erase everything past its retention date; with dry_run, only count it. Logs counts and opaque ids."""
    cases, people = retention_due(today)
    purge = _erase(people, cases, dry_run=dry_run, actor=None, reason="retention schedule")
    logger.info(
        "retention %s: %s; people %s",
        "dry run" if dry_run else "applied",
        dict(purge.counts) or "nothing past its retention date",
        ", ".join(purge.people) or "none",
    )
    return purge


def retention_overdue(today: date | None = None) -> int:
    """Security figure 23: how many records are past their retention date (0 after the job)."""
    cases, people = retention_due(today)
    return cases.count() + len(people)
