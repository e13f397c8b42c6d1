"""Helpers shared by the key-rotation and retention tests: a snapshot of every figure, raw stored values."""

from __future__ import annotations

from io import StringIO
from typing import Any

from django.core.management import call_command
from django.db import connection, transaction

from sahay.audit.models import AuditAction
from sahay.audit.services import audit_record
from sahay.cases.models import Case
from sahay.records.models import Household, HouseholdMember, Person

HOUSEHOLD_ADDRESS = "Synthetic Street 12, Chiang Mai"
CONTACT = "+66 555 0100"


def figure_snapshot() -> str:
    """Every indicator, every country and the programme, for a half year, a year and cumulatively."""
    out = StringIO()
    for period, cumulative in (("2017-H1", False), ("2017", False), ("2019", True)):
        call_command("indicators", period=period, cumulative=cumulative, format="csv", stdout=out)
    return out.getvalue()


def stored(table: str, column: str) -> list[Any]:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quote(column)} FROM {quote(table)}")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


def add_identities(case: Case, *, reason: str = "Synthetic override reason") -> Household:
    """Give the case's child a contact, an address and a household, and write an audit entry with a reason."""
    person = case.person
    person.contact, person.address = CONTACT, HOUSEHOLD_ADDRESS
    person.save(update_fields=["contact", "address"])
    household = Household.objects.create(
        organisation=person.organisation, code=f"HH-{person.code}", country=person.country, address=HOUSEHOLD_ADDRESS
    )
    HouseholdMember.objects.create(household=household, person=person)
    with transaction.atomic():
        audit_record(
            action=AuditAction.CONSENT_OVERRIDE, actor=None, target_kind="case", target_id=case.public_id, reason=reason
        )
    return household


def reload(person: Person) -> Person:
    return Person.objects.get(pk=person.pk)
