"""Merging two records of the same person, and undoing a merge: every row moves, and is written down."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from sahay.accounts.models import User
from sahay.audit.models import AuditAction
from sahay.audit.services import audit_record
from sahay.cases.errors import CaseChildProtected
from sahay.cases.models import Case
from sahay.cases.policy import may_change_children
from sahay.figures.ledger.maintain import touch
from sahay.records.models import (
    Activity,
    Household,
    HouseholdMember,
    Participation,
    Person,
    PersonMerge,
    PersonRole,
    Service,
)
from sahay.records.services import event_days, require_capture_scope
from sahay.reports.locks import approved_period_change, range_days

OPEN = Case.Status.OPEN


def _cases(person: Person) -> QuerySet[Case]:
    return Case.objects.filter(person=person)


def _counted_days(*people: Person) -> list[date]:
    """A day in every half year the people's participations, services and cases count in.

    Both people: the kept person's sex, age and roles decide how the moved events count, and the moved roles
    how the kept person's own events count.
    """
    days: list[date] = []
    for person in people:
        days += event_days(person)
        # A household's services count by its members' roles ("families of victims"): moving a membership or a
        # role moves them too.
        for start, end in Service.objects.filter(household__memberships__person=person).values_list("start", "end"):
            days += range_days(start, end)
        for opened, closed in _cases(person).values_list("opened_on", "closed_on"):
            days += range_days(opened, closed)
    return days


def _check_pair(keep: Person, merge: Person) -> None:
    if keep.pk == merge.pk:
        raise ValidationError(_("Choose two different people."))
    if keep.organisation_id != merge.organisation_id:
        raise ValidationError(_("Only people of the same organisation can be merged."))
    if keep.merged_into_id is not None or merge.merged_into_id is not None:
        raise ValidationError(_("One of them is already merged into someone else."))
    if keep.identity_erased_at is not None or merge.identity_erased_at is not None:
        raise ValidationError(_("A person whose identity was erased cannot be merged."))


def people_merge(
    *,
    keep: Person,
    merge: Person,
    merged_by: User,
    reason: str,
    correction_reason: str = "",
    request: HttpRequest | None = None,
) -> PersonMerge:
    """Move everything recorded about `merge` to `keep`, write down what moved, and mark `merge` as merged.

    A participation in an activity both took part in, or a membership of a household both belong to, is kept
    once: the duplicate row is removed and its data kept on the merge so that undoing recreates it (the kept
    participation takes "attended" and "completed" from either). Two open cases are refused: a case worker
    closes one first. When either is the child of a case, the case policy decides: only those who may change
    every such case, open or closed, merge them.
    """
    require_capture_scope(merged_by, keep.organisation)
    require_capture_scope(merged_by, merge.organisation)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why these two records are the same person.")})
    with transaction.atomic():
        # Lock both records, then check them as they are now.
        locked = {person.pk: person for person in Person.objects.select_for_update().filter(pk__in=[keep.pk, merge.pk])}
        keep, merge = locked.get(keep.pk, keep), locked.get(merge.pk, merge)
        # Either side may be a case's child: their case moves, or another record's events join it.
        if not may_change_children(merged_by, [keep, merge]):
            raise CaseChildProtected
        _check_pair(keep, merge)
        if _cases(keep).filter(status=OPEN).exists() and _cases(merge).filter(status=OPEN).exists():
            raise ValidationError(
                _("Both have an open case. Close one of the cases first; then the two records can be merged.")
            )
        change = approved_period_change(
            made_by=merged_by,
            organisation=keep.organisation,
            record_kind="person",
            country_ids=[keep.country_id, merge.country_id],
            days=_counted_days(keep, merge),
            reason=correction_reason,
        )
        moved: dict[str, list[int]] = {}
        removed: dict[str, list[dict[str, Any]]] = {"participations": [], "memberships": []}

        kept_participations = {
            participation.activity_id: participation for participation in Participation.objects.filter(person=keep)
        }
        for participation in Participation.objects.filter(person=merge).order_by("pk"):
            twin = kept_participations.get(participation.activity_id)
            if twin is None:
                continue
            removed["participations"].append(
                {
                    "id": participation.pk,
                    "activity": participation.activity_id,
                    "attended": participation.attended,
                    "completed": participation.completed,
                    "kept_id": twin.pk,
                    "kept_attended": twin.attended,
                    "kept_completed": twin.completed,
                }
            )
            twin.attended = twin.attended or participation.attended
            twin.completed = twin.completed or participation.completed
            twin.save(update_fields=["attended", "completed"])
            participation.delete()
        moved["participations"] = _move(Participation.objects.filter(person=merge), keep)

        kept_households = set(HouseholdMember.objects.filter(person=keep).values_list("household_id", flat=True))
        for membership in HouseholdMember.objects.filter(person=merge, household_id__in=kept_households).order_by("pk"):
            removed["memberships"].append({"id": membership.pk, "household": membership.household_id})
            membership.delete()
        moved["memberships"] = _move(HouseholdMember.objects.filter(person=merge), keep)
        moved["services"] = _move(Service.objects.filter(person=merge), keep)
        moved["roles"] = _move(PersonRole.objects.filter(person=merge), keep)
        moved["cases"] = _move(_cases(merge), keep)

        record = PersonMerge.objects.create(
            organisation=keep.organisation,
            kept=keep,
            merged=merge,
            merged_by=merged_by,
            reason=reason.strip(),
            moved=moved,
            removed=removed,
        )
        merge.merged_into = keep
        merge.save(update_fields=["merged_into"])
        # The rows moved in bulk, without signals: both people's figures are derived again.
        touch(persons=[keep.pk, merge.pk], tables=["records.Person"])
        change.done(keep.public_id)
        audit_record(
            action=AuditAction.PERSON_MERGED,
            actor=merged_by,
            request=request,
            target_kind="person",
            target_id=keep.public_id,
            organisation=keep.organisation,
            reason=f"merge {record.pk}",
            detail={
                "merge": record.pk,
                "kept": keep.public_id,
                "merged": merge.public_id,
                "moved": {table: len(ids) for table, ids in moved.items()},
                "removed": {table: len(rows) for table, rows in removed.items()},
            },
        )
    return record


def _move(rows: Any, person: Person) -> list[int]:
    ids = sorted(rows.values_list("pk", flat=True))
    rows.model.objects.filter(pk__in=ids).update(person=person)
    return ids


def people_merge_undo(
    *, merge: PersonMerge, undone_by: User, correction_reason: str = "", request: HttpRequest | None = None
) -> None:
    """Put every moved row back on the merged person and recreate the rows the merge removed.

    Rows deleted since the merge stay deleted. Refused when the kept person was since merged into someone
    else (undo that merge first) or when the merged person would have a second open case; and, as a merge, for
    whoever may not change a case of either.
    """
    require_capture_scope(undone_by, merge.organisation)
    with transaction.atomic():
        merge = (
            PersonMerge.objects.select_for_update().select_related("kept", "merged", "organisation").get(pk=merge.pk)
        )
        kept, merged = merge.kept, merge.merged
        if not may_change_children(undone_by, [kept, merged]):
            raise CaseChildProtected
        if merge.undone_at is not None:
            raise ValidationError(_("This merge was already undone."))
        if kept.merged_into_id is not None:
            raise ValidationError(_("The kept person was merged again since: undo that merge first."))
        later = PersonMerge.objects.filter(kept=kept, undone_at__isnull=True, pk__gt=merge.pk)
        if later.exists():  # merges into one person are undone last first, or rows would go to the wrong record
            raise ValidationError(_("Another record was merged into the same person since: undo that merge first."))
        moved: dict[str, list[int]] = merge.moved
        removed: dict[str, list[dict[str, Any]]] = merge.removed
        if (
            Case.objects.filter(pk__in=moved.get("cases", []), status=OPEN).exists()
            and _cases(kept).exclude(pk__in=moved.get("cases", [])).filter(status=OPEN).exists()
        ):
            raise ValidationError(_("Both would have an open case again. Close one of the cases first."))
        change = approved_period_change(
            made_by=undone_by,
            organisation=merge.organisation,
            record_kind="person",
            country_ids=[kept.country_id, merged.country_id],
            days=_counted_days(kept),
            reason=correction_reason,
        )
        tables: dict[str, Any] = {
            "participations": Participation,
            "memberships": HouseholdMember,
            "services": Service,
            "roles": PersonRole,
            "cases": Case,
        }
        for table, model in tables.items():
            model.objects.filter(pk__in=moved.get(table, []), person=kept).update(person=merged)
        for row in removed.get("participations", []):
            Participation.objects.filter(pk=row["kept_id"], person=kept).update(
                attended=row["kept_attended"], completed=row["kept_completed"]
            )
            activity_gone = not Activity.objects.filter(pk=row["activity"]).exists()
            if (
                not activity_gone
                and not Participation.objects.filter(activity_id=row["activity"], person=merged).exists()
            ):
                Participation.objects.create(
                    pk=row["id"],
                    activity_id=row["activity"],
                    person=merged,
                    attended=row["attended"],
                    completed=row["completed"],
                )
        for row in removed.get("memberships", []):
            if not Household.objects.filter(pk=row["household"]).exists():
                continue
            HouseholdMember.objects.get_or_create(
                household_id=row["household"], person=merged, defaults={"pk": row["id"]}
            )
        merged.merged_into = None
        merged.save(update_fields=["merged_into"])
        merge.undone_at, merge.undone_by = timezone.now(), undone_by
        merge.save(update_fields=["undone_at", "undone_by"])
        touch(persons=[kept.pk, merged.pk], tables=["records.Person"])
        change.done(kept.public_id)
        audit_record(
            action=AuditAction.PERSON_MERGE_UNDONE,
            actor=undone_by,
            request=request,
            target_kind="person",
            target_id=merged.public_id,
            organisation=merge.organisation,
            reason=f"merge {merge.pk}",
            detail={"merge": merge.pk, "kept": kept.public_id, "merged": merged.public_id},
        )
