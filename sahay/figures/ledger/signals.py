"""Saves and deletions of counted records mark what they touched (`maintain.touch`).

A bulk write sends no signal: the service that makes one calls `touch` itself. Nor does a row of an
activity's links to the organisations it reached, saved or deleted on its own (Django sends no signal for
a many-to-many table): such links change through the activity (`m2m_changed`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from sahay.core.models import Organisation
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

# For each counted model: which kind it touches, and the field that holds the id.
WATCHED: dict[type[Model], tuple[str, str]] = {
    Person: ("persons", "pk"),
    PersonRole: ("persons", "person_id"),
    Household: ("households", "pk"),
    HouseholdMember: ("households", "household_id"),
    Activity: ("activities", "pk"),
    Participation: ("participations", "pk"),
    Service: ("services", "pk"),
    AggregateReach: ("reaches", "pk"),
    TrackedItem: ("items", "pk"),
    TrackedItemStatus: ("items", "item_id"),
    ExternalOrganisation: ("external_organisations", "pk"),
}


COUNTED_MODELS = [*WATCHED, Activity.reached_organisations.through]


def _touched(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    kind, attribute = WATCHED[sender]
    touch(**{kind: [getattr(instance, attribute)]}, tables=[sender._meta.label])


def _organisation_country_before(sender: type[Model], instance: Organisation, **kwargs: Any) -> None:
    instance._country_before = (  # type: ignore[attr-defined]
        Organisation.objects.filter(pk=instance.pk).values_list("country_id", flat=True).first()
        if instance.pk
        else None
    )


def _organisation_saved(sender: type[Model], instance: Organisation, created: bool, **kwargs: Any) -> None:
    # Only a move to another country changes where its services count.
    if not created and getattr(instance, "_country_before", instance.country_id) != instance.country_id:
        touch(organisations=[instance.pk], tables=[sender._meta.label])


def _reached_changed(
    sender: type[Model], instance: Model, action: str, reverse: bool, pk_set: Any, **kwargs: Any
) -> None:
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if not reverse:
        touch(activities=[instance.pk], tables=[Activity._meta.label])
    elif action == "pre_clear":
        reached_by = Activity.objects.filter(reached_organisations=instance.pk).values_list("pk", flat=True)
        touch(activities=reached_by, tables=[Activity._meta.label])
    else:
        touch(activities=pk_set or (), tables=[Activity._meta.label])


def connect() -> None:
    for model in WATCHED:
        post_save.connect(_touched, sender=model, dispatch_uid=f"ledger-save-{model._meta.label}")
        post_delete.connect(_touched, sender=model, dispatch_uid=f"ledger-delete-{model._meta.label}")
    pre_save.connect(_organisation_country_before, sender=Organisation, dispatch_uid="ledger-organisation-before")
    post_save.connect(_organisation_saved, sender=Organisation, dispatch_uid="ledger-organisation")
    m2m_changed.connect(_reached_changed, sender=Activity.reached_organisations.through, dispatch_uid="ledger-reached")
