"""Reads of people, audited like case reads: one entry per page shown, in the transaction that renders it.

The people read are named by their opaque ids only: never a name, never a code, so the trail itself tells
nothing about them to whoever reads it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest

from sahay.accounts.models import User
from sahay.audit.models import AuditAction
from sahay.audit.services import audit_record
from sahay.core.models import Organisation
from sahay.records.models import Person

PEOPLE_READ = AuditAction.PEOPLE_VIEWED


def person_read(*, person: Person, user: User, request: HttpRequest | None = None) -> None:
    """A person's page that shows their identity (name, contact, address, exact date of birth)."""
    audit_record(
        action=PEOPLE_READ,
        actor=user,
        request=request,
        target_kind="person",
        target_id=person.public_id,
        organisation=person.organisation,
        detail={"identity": True},
    )


def people_read(
    *, people: Iterable[Person], user: User, what: str, organisation: Organisation | None, request: HttpRequest | None
) -> None:
    """A page listing people (the people list, the probable duplicates): one entry for the page, with their ids."""
    ids = [person.public_id for person in people]
    if not ids:
        return
    audit_record(
        action=PEOPLE_READ,
        actor=user,
        request=request,
        target_kind="people",
        organisation=organisation,
        detail={"page": what, "people": ids},
    )
