"""Check every row of an import before anything is written, and plan what each row will do.

Rows are read in chunks: references (person codes, activity ids, household codes) and the records the rows
already made are looked up in bulk per chunk, so memory stays flat and 100,000 rows take seconds.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import islice
from typing import Any

import numpy
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from sahay.core.models import Organisation
from sahay.core.periods import Period
from sahay.imports.columns import Column, ColumnType, ImportKind
from sahay.imports.kinds import EXTERNAL_ID
from sahay.imports.models import ImportedRecord
from sahay.imports.reading import CellProblem, Table, Value
from sahay.records.models import (
    Activity,
    AggregateReach,
    ExternalOrganisation,
    Household,
    HouseholdMember,
    OffenderDetails,
    Participation,
    Person,
    PersonRole,
    Service,
    TrackedItem,
    TrackedItemStatus,
)
from sahay.records.selectors import sees_identity
from sahay.records.services import activity_detail_errors, service_detail_errors
from sahay.reports.locks import range_days
from sahay.reports.models import PeriodReview

CHUNK = 1000
REPORT_LIMIT = 1000
EXCEL_EPOCH = date(1899, 12, 30)
ISO_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T].*)?$")
DAY_FIRST_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
EXCEL_SERIAL = re.compile(r"^\d{1,6}(?:\.\d+)?$")
TRUE = {"yes", "ja", "true", "waar", "1", "y", "j", "x"}
FALSE = {"no", "nee", "false", "onwaar", "0", "n"}

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


@dataclass(frozen=True)
class RowError:
    row: int
    column: str  # the header as the file has it; empty when the row as a whole is wrong
    value: str
    message: str

    def __str__(self) -> str:
        if self.column:
            return _("Row %(row)s, column '%(column)s' (“%(value)s”): %(message)s") % {
                "row": self.row,
                "column": self.column,
                "value": self.value,
                "message": self.message,
            }
        return _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}


@dataclass
class Errors:
    """Every error counted; the first REPORT_LIMIT kept in full, and every row's messages for the error file."""

    items: list[RowError] = field(default_factory=list)
    count: int = 0
    by_row: dict[int, list[str]] = field(default_factory=dict)

    def add(self, error: RowError) -> None:
        self.count += 1
        if len(self.items) < REPORT_LIMIT:
            self.items.append(error)
        text = f"{error.column}: {error.message}" if error.column else error.message
        self.by_row.setdefault(error.row, []).append(text)


class ParseError(ValueError):
    pass


def parse_date(value: Value) -> date:
    if isinstance(value, date):
        return value
    text = str(value)
    try:
        if match := ISO_DATE.match(text):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := DAY_FIRST_DATE.match(text):
            return date(int(match[3]), int(match[2]), int(match[1]))
        if EXCEL_SERIAL.match(text):
            serial = int(float(text))
            if 1 <= serial <= 2958465:
                return EXCEL_EPOCH + timedelta(days=serial)
    except ValueError:
        pass
    raise ParseError(_("not a date. Write 2017-03-31 or 31-03-2017."))


def parse_integer(value: Value) -> int:
    text = str(value).replace(" ", "").replace("\u00a0", "")
    try:
        number = float(text) if "." in text else int(text)
    except ValueError:
        raise ParseError(_("not a whole number.")) from None
    if isinstance(number, float):
        if not number.is_integer():
            raise ParseError(_("not a whole number."))
        return int(number)
    return number


def choice_lookup(column: Column) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for choice in column.choices:
        for name in (choice.value, choice.label_en, choice.label_nl):
            lookup.setdefault(name.casefold(), choice.value)
    return lookup


def allowed_text(column: Column) -> str:
    return ", ".join(choice.value for choice in column.choices)


class ColumnParser:
    """Turns a cell into the value Sahay stores, or raises ParseError with what is wrong."""

    def __init__(self, column: Column) -> None:
        self.column = column
        self.lookup = choice_lookup(column)

    def empty(self) -> Any:
        if self.column.type in (ColumnType.TEXT, ColumnType.CODE, ColumnType.CHOICE):
            return ""
        if self.column.type == ColumnType.CHOICES:
            return ()
        return None

    def __call__(self, value: Value) -> Any:
        column_type = self.column.type
        if column_type == ColumnType.DATE:
            return parse_date(value)
        if isinstance(value, date):
            value = value.isoformat()
        text = str(value)
        if column_type in (ColumnType.TEXT, ColumnType.CODE):
            if self.column.max_length and len(text) > self.column.max_length:
                raise ParseError(_("longer than %(length)s characters.") % {"length": self.column.max_length})
            return text
        if column_type == ColumnType.INTEGER:
            return parse_integer(text)
        if column_type == ColumnType.CHOICE:
            found = self.lookup.get(text.casefold())
            if found is None:
                raise ParseError(
                    _("not an allowed value. Allowed: %(allowed)s.") % {"allowed": allowed_text(self.column)}
                )
            return found
        if column_type == ColumnType.CHOICES:
            found_all = [self.lookup.get(part.casefold()) for part in text.split()]
            if None in found_all:  # labels with spaces, separated by commas or semicolons
                found_all = [self.lookup.get(part.strip().casefold()) for part in re.split(r"[,;]", text)]
            if None in found_all:
                raise ParseError(
                    _("not allowed values. Allowed, separated by spaces: %(allowed)s.")
                    % {"allowed": allowed_text(self.column)}
                )
            return tuple(dict.fromkeys(value for value in found_all if value))
        if column_type == ColumnType.BOOLEAN:
            lowered = text.casefold()
            if lowered in TRUE:
                return True
            if lowered in FALSE:
                return False
            raise ParseError(_("write yes or no."))
        return text


@dataclass
class Plan:
    """What one valid row will do: its parsed values, the records it refers to, and the record it updates."""

    number: int
    values: dict[str, Any]
    refs: dict[str, Any] = field(default_factory=dict)
    existing: dict[str, Any] | None = None
    action: str = CREATED


@dataclass
class Context:
    kind: ImportKind
    organisation: Organisation
    table: Table
    correction_reason: str
    errors: Errors
    approved_periods: set[str]
    today: date
    # Each valid row's key as a 64-bit hash beside its row number: 16 bytes a row, to find rows with the same key
    # once all are read (a dict of the keys themselves would grow by some 200 bytes a row).
    key_hashes: array[int] = field(default_factory=lambda: array("q"))
    key_rows: array[int] = field(default_factory=lambda: array("q"))
    rows_read: int = 0
    uploaded_by: Any = None  # whose view of identities applies (names, contacts, addresses)

    def error(self, plan: Plan | int, key: str, message: str, value: Any = None) -> None:
        number = plan if isinstance(plan, int) else plan.number
        if value is None and not isinstance(plan, int):
            value = plan.values.get(key)
        shown = value.isoformat() if isinstance(value, date) else " ".join(value) if isinstance(value, tuple) else value
        column = self.table.header_of(key) if key else ""
        self.errors.add(RowError(number, column, "" if shown is None else str(shown), message))


# Per-kind rules. Each takes the chunk's parsed rows, looks up what they refer to and what they made before in
# bulk, and marks each row created, updated or unchanged. Rules mirror the records services named beside them.

KindRules = Callable[[Context, list[Plan]], None]


def _not_in_future(context: Context, plan: Plan, key: str) -> bool:
    # As _not_in_future in sahay.records.services.
    day = plan.values.get(key)
    if isinstance(day, date) and day > context.today:
        context.error(plan, key, _("%(date)s is in the future.") % {"date": day})
        return False
    return True


def _imported(context: Context, kind: str, external_ids: list[str]) -> dict[str, int]:
    return dict(
        ImportedRecord.objects.filter(
            organisation=context.organisation, kind=kind, external_id__in=external_ids
        ).values_list("external_id", "object_id")
    )


def _people(context: Context, codes: set[str]) -> dict[str, dict[str, Any]]:
    # A record merged into another is no one to refer to: its code reads as not found.
    rows = Person.objects.filter(organisation=context.organisation, code__in=codes, merged_into__isnull=True).values(
        "id", "code", "birth_date", "birth_year_estimated"
    )
    people = {}
    for row in rows:
        born = row["birth_date"] or (date(row["birth_year_estimated"], 7, 1) if row["birth_year_estimated"] else None)
        people[row["code"]] = {"id": row["id"], "born": born}
    return people


def _activities(context: Context, ids: set[str]) -> dict[str, dict[str, Any]]:
    """Activities by the external id they were imported with, or by their own public id."""
    by_external = _imported(context, "activities", list(ids))
    found = Activity.objects.filter(organisation=context.organisation).filter(
        Q(pk__in=by_external.values()) | Q(public_id__in=ids)
    )
    by_pk: dict[int, dict[str, Any]] = {
        row["id"]: dict(row) for row in found.values("id", "public_id", "date", "country_id")
    }
    by_public_id = {row["public_id"]: row for row in by_pk.values()}
    result = {}
    for external_id in ids:
        pk = by_external.get(external_id)
        row = (by_pk.get(pk) if pk else None) or by_public_id.get(external_id)
        if row:
            result[external_id] = row
    return result


def _not_found(context: Context, plan: Plan, key: str) -> None:
    context.error(plan, key, _("not found in %(organisation)s.") % {"organisation": context.organisation})


def _changed(plan: Plan, existing: dict[str, Any], keys: set[str]) -> bool:
    return any(plan.values[key] != existing.get(key) for key in keys if key in plan.values)


def _lock(context: Context, plan: Plan, days: Sequence[date | None]) -> None:
    """A row that touches an approved half year needs a reason, as approved_period_change in sahay.reports.locks."""
    if context.correction_reason.strip() or not context.approved_periods:
        return
    codes = sorted({Period.semester_of(day).code for day in days if day} & context.approved_periods)
    if codes:
        context.error(
            plan,
            "",
            _("the figures of %(periods)s are approved. Give a reason for the correction to import this row.")
            % {"periods": ", ".join(codes)},
        )
        plan.action = ""


def _service_errors(context: Context, plan: Plan, errors: dict[str, str]) -> bool:
    """The records service's own rule errors, as row errors ("Row 4, column 'kind': choose ...")."""
    for column, message in errors.items():
        context.error(plan, column, message[:1].lower() + message[1:])
    return not errors


def _decide(context: Context, plan: Plan, keys: set[str], days: Sequence[date | None]) -> None:
    if plan.existing is None:
        plan.action = CREATED
    elif _changed(plan, plan.existing, keys):
        plan.action = UPDATED
    else:
        plan.action = UNCHANGED
        return
    _lock(context, plan, days)


IDENTITY_COLUMNS = ("name", "contact", "address")


def people_rules(context: Context, plans: list[Plan]) -> None:
    codes = {plan.values["code"] for plan in plans}
    fields = ["id", "code", "sex", "birth_date", "birth_year_estimated", "name", "contact", "address"]
    existing: dict[str, dict[str, Any]] = {}
    may_see: dict[str, bool] = {}
    # Instances, not values: name, contact and address are decrypted by their field.
    people = Person.objects.filter(organisation=context.organisation, code__in=codes).only(
        *fields, "merged_into", "identity_erased_at", "organisation"
    )
    for person in people:
        if person.merged_into_id is not None:
            may_see[person.code] = False
            existing[person.code] = {"id": person.pk, "merged": True, "roles": set()}
            continue
        # Whoever may not see a person's identity may not learn it either: not from "updated" against
        # "unchanged", and not by setting it (an erased identity stays erased).
        may_see[person.code] = person.identity_erased_at is None and sees_identity(context.uploaded_by, person)
        existing[person.code] = {name: getattr(person, name) for name in fields} | {"roles": set()}
    by_id = {row["id"]: row for row in existing.values()}
    for person_id, role in PersonRole.objects.filter(person_id__in=by_id).values_list("person_id", "role"):
        by_id[person_id]["roles"].add(role)
    for plan in plans:
        values = plan.values
        ok = _not_in_future(context, plan, "birth_date")
        # As person_save in sahay.records.services.
        if values.get("birth_date") and values.get("birth_year_estimated"):
            context.error(plan, "birth_year_estimated", _("give a date of birth or an estimated year, not both."))
            ok = False
        year = values.get("birth_year_estimated")
        if year is not None and not 1900 <= year <= context.today.year:
            context.error(plan, "birth_year_estimated", _("not a possible year of birth."))
            ok = False
        roles = values.get("roles") or ()
        if PersonRole.Role.PROFESSIONAL in roles and not values.get("profession"):
            context.error(plan, "profession", _("a professional needs a profession."))
            ok = False
        if roles and not values.get("roles_from"):
            context.error(plan, "roles_from", _("give the date the roles began."))
            ok = False
        if not ok:
            continue
        if "sex" in values and not values["sex"]:
            values["sex"] = "unknown"
        plan.existing = existing.get(values["code"])
        if plan.existing and plan.existing.get("merged"):
            context.error(plan, "code", _("this record was merged into another one: use that one's code."))
            continue
        compared = {"sex", "birth_date", "birth_year_estimated"}
        if plan.existing and not may_see[values["code"]]:
            if any(values.get(name) for name in IDENTITY_COLUMNS):
                context.error(plan, "name", _("you may not set the name, contact or address of this person."))
                continue
            for name in IDENTITY_COLUMNS:  # left as they are, unseen
                values.pop(name, None)
        else:
            compared |= set(IDENTITY_COLUMNS)
        new_roles = set(roles) - (plan.existing["roles"] if plan.existing else set())
        plan.refs["new_roles"] = sorted(new_roles)
        _decide(context, plan, compared, [])
        if plan.action == UNCHANGED and new_roles:
            plan.action = UPDATED


def households_rules(context: Context, plans: list[Plan]) -> None:
    member_codes = {code for plan in plans for code in plan.values.get("members", "").split()}
    people = _people(context, member_codes)
    codes = {plan.values["code"] for plan in plans}
    existing = {
        household.code: {
            "id": household.pk,
            "address": household.address,
            "members": set(),
            "may_see": sees_identity(context.uploaded_by, household),
        }
        for household in Household.objects.filter(organisation=context.organisation, code__in=codes)
    }
    by_id = {row["id"]: row for row in existing.values()}
    for household_id, person_id in HouseholdMember.objects.filter(household_id__in=by_id).values_list(
        "household_id", "person_id"
    ):
        by_id[household_id]["members"].add(person_id)
    for plan in plans:
        members = plan.values.get("members", "").split()
        missing = [code for code in members if code not in people]
        if missing:
            context.error(
                plan,
                "members",
                _("%(codes)s not found in %(organisation)s.")
                % {"codes": ", ".join(missing), "organisation": context.organisation},
            )
            continue
        if "members" in plan.values:
            plan.values["member_ids"] = {people[code]["id"] for code in members}
        plan.existing = existing.get(plan.values["code"])
        compared = {"address", "member_ids"}
        if plan.existing:
            plan.existing["member_ids"] = plan.existing["members"]
            if not plan.existing["may_see"]:  # an address one may not see is neither learnt nor set
                if plan.values.get("address"):
                    context.error(plan, "address", _("you may not set the address of this household."))
                    continue
                plan.values.pop("address", None)
                compared.discard("address")
        _decide(context, plan, compared, [])


def organisations_rules(context: Context, plans: list[Plan]) -> None:
    names = {plan.values["name"].casefold() for plan in plans}
    found = (
        ExternalOrganisation.objects.filter(country_id=context.organisation.country_id)
        .annotate(lowered=Lower("name"))
        .filter(lowered__in=names)
        .values("id", "name", "kind", "sector")
    )
    existing = {(row["name"].casefold(), row["kind"]): row for row in found}
    for plan in plans:
        values = plan.values
        # As external_organisation_save in sahay.records.services.
        if values["kind"] != ExternalOrganisation.Kind.COMPANY and values.get("sector"):
            context.error(plan, "sector", _("only companies have a sector."))
            continue
        if values["kind"] == ExternalOrganisation.Kind.COMPANY and not values.get("sector"):
            context.error(plan, "sector", _("choose the company's sector."))
            continue
        plan.existing = existing.get((values["name"].casefold(), values["kind"]))
        _decide(context, plan, {"name", "sector"}, [])


def activities_rules(context: Context, plans: list[Plan]) -> None:
    imported = _imported(context, "activities", [plan.values[EXTERNAL_ID] for plan in plans])
    by_pk: dict[int, dict[str, Any]] = {
        row["id"]: dict(row)
        for row in Activity.objects.filter(organisation=context.organisation, pk__in=imported.values()).values(
            "id", "kind", "title", "date", "end_date", "campaign_kind", "training_topic"
        )
    }
    for plan in plans:
        values = plan.values
        ok = _not_in_future(context, plan, "date")
        # As activity_save in sahay.records.services.
        if values.get("end_date") and values["end_date"] < values["date"]:
            context.error(plan, "end_date", _("the activity cannot end before it starts."))
            ok = False
        details = activity_detail_errors(
            kind=values["kind"],
            training_topic=values.get("training_topic") or "",
            campaign_kind=values.get("campaign_kind") or "",
        )
        ok = _service_errors(context, plan, details) and ok
        if not ok:
            continue
        plan.existing = by_pk.get(imported.get(values[EXTERNAL_ID], 0))
        days = [values["date"], plan.existing["date"] if plan.existing else None]
        _decide(context, plan, {"kind", "title", "date", "end_date", "campaign_kind", "training_topic"}, days)


def participations_rules(context: Context, plans: list[Plan]) -> None:
    activities = _activities(context, {plan.values["activity_id"] for plan in plans})
    people = _people(context, {plan.values["person_code"] for plan in plans})
    found = Participation.objects.filter(
        activity_id__in={row["id"] for row in activities.values()}, person_id__in={row["id"] for row in people.values()}
    ).values("id", "activity_id", "person_id", "attended", "completed")
    existing: dict[tuple[int, int], dict[str, Any]] = {
        (row["activity_id"], row["person_id"]): dict(row) for row in found
    }
    for plan in plans:
        values = plan.values
        activity, person = activities.get(values["activity_id"]), people.get(values["person_code"])
        if activity is None:
            _not_found(context, plan, "activity_id")
        if person is None:
            _not_found(context, plan, "person_code")
        if activity is None or person is None:
            continue
        # As participations_record in sahay.records.services.
        if person["born"] and person["born"] > activity["date"]:
            context.error(
                plan,
                "person_code",
                _("%(code)s was not born yet on %(date)s.") % {"code": values["person_code"], "date": activity["date"]},
            )
            continue
        plan.refs = {"activity": activity["id"], "person": person["id"]}
        for key, default in (("attended", True), ("completed", False)):
            if key in values and values[key] is None:
                values[key] = default
        plan.existing = existing.get((activity["id"], person["id"]))
        _decide(context, plan, {"attended", "completed"}, [activity["date"]])


def services_rules(context: Context, plans: list[Plan]) -> None:
    people = _people(context, {str(plan.values.get("person_code") or "") for plan in plans} - {""})
    household_codes = {plan.values.get("household_code") for plan in plans} - {None, ""}
    households = dict(
        Household.objects.filter(organisation=context.organisation, code__in=household_codes).values_list("code", "id")
    )
    imported = _imported(context, "services", [plan.values[EXTERNAL_ID] for plan in plans])
    fields = ["id", "kind", "person_id", "household_id", "start", "end", "education_support", "provider", "outcome"]
    by_pk = {
        service.pk: {name: getattr(service, name) for name in fields}
        for service in Service.objects.filter(organisation=context.organisation, pk__in=imported.values()).only(*fields)
    }
    for plan in plans:
        values = plan.values
        person_code, household_code = values.get("person_code"), values.get("household_code")
        person = people.get(person_code) if person_code else None
        household = households.get(household_code) if household_code else None
        ok = _not_in_future(context, plan, "start")
        if person_code and person is None:
            _not_found(context, plan, "person_code")
            ok = False
        if household_code and household is None:
            _not_found(context, plan, "household_code")
            ok = False
        # As service_save in sahay.records.services.
        if bool(person_code) == bool(household_code):
            context.error(plan, "person_code", _("a service is for one person or one household: give one of them."))
            ok = False
        if person and person["born"] and values["start"] < person["born"]:
            context.error(plan, "start", _("before %(code)s was born.") % {"code": person_code})
            ok = False
        if values.get("end") and values["end"] < values["start"]:
            context.error(plan, "end", _("a service cannot end before it starts."))
            ok = False
        details = service_detail_errors(kind=values["kind"], education_support=values.get("education_support") or "")
        ok = _service_errors(context, plan, details) and ok
        if not ok:
            continue
        values["person_id"] = person["id"] if person else None
        values["household_id"] = household
        plan.existing = by_pk.get(imported.get(values[EXTERNAL_ID], 0))
        old = range_days(plan.existing["start"], plan.existing["end"]) if plan.existing else []
        keys = {"kind", "person_id", "household_id", "start", "end", "education_support", "provider", "outcome"}
        _decide(context, plan, keys, range_days(values["start"], values.get("end")) + old)


def reach_rules(context: Context, plans: list[Plan]) -> None:
    activities = _activities(context, {plan.values["activity_id"] for plan in plans})
    found = AggregateReach.objects.filter(activity_id__in={row["id"] for row in activities.values()}).values(
        "id", "activity_id", "audience", "estimate", "method"
    )
    existing: dict[tuple[int, str], dict[str, Any]] = {
        (row["activity_id"], row["audience"]): dict(row) for row in found
    }
    for plan in plans:
        values = plan.values
        activity = activities.get(values["activity_id"])
        if activity is None:
            _not_found(context, plan, "activity_id")
            continue
        # As reach_save in sahay.records.services.
        if values["estimate"] <= 0:
            context.error(plan, "estimate", _("an estimate is a positive number."))
            continue
        plan.refs = {"activity": activity["id"]}
        plan.existing = existing.get((activity["id"], values["audience"]))
        _decide(context, plan, {"estimate", "method"}, [activity["date"]])


def offenders_rules(context: Context, plans: list[Plan]) -> None:
    imported = _imported(context, "offenders", [plan.values[EXTERNAL_ID] for plan in plans])
    items = TrackedItem.objects.filter(
        organisation=context.organisation, kind=TrackedItem.Kind.OFFENDER, pk__in=imported.values()
    ).values("id", "title")
    by_pk: dict[int, dict[str, Any]] = {
        row["id"]: row | {"offender_kind": "", "nationality": "", "statuses": {}} for row in items
    }
    for row in OffenderDetails.objects.filter(item_id__in=by_pk).values("item_id", "offender_kind", "nationality"):
        by_pk[row["item_id"]].update(offender_kind=row["offender_kind"], nationality=row["nationality"])
    for item_id, status, reached_on in TrackedItemStatus.objects.filter(item_id__in=by_pk).values_list(
        "item_id", "status", "reached_on"
    ):
        by_pk[item_id]["statuses"][status] = reached_on
    for plan in plans:
        values = plan.values
        ok = _not_in_future(context, plan, "status_date")
        if bool(values.get("status")) != bool(values.get("status_date")):
            context.error(plan, "status_date", _("give a status and the date it was reached, or neither."))
            ok = False
        nationality = values.get("nationality")
        if nationality:
            if not re.fullmatch(r"[A-Za-z]{2}", nationality):
                context.error(plan, "nationality", _("write a two-letter country code, such as NL."))
                ok = False
            values["nationality"] = nationality.upper()
        if not ok:
            continue
        plan.existing = by_pk.get(imported.get(values[EXTERNAL_ID], 0))
        status_given = values.get("status")
        before = plan.existing["statuses"].get(status_given) if plan.existing and status_given else None
        if plan.existing:
            plan.existing["status_date"] = before
            plan.existing["status"] = status_given if before else ""
        _decide(
            context,
            plan,
            {"title", "offender_kind", "nationality", "status", "status_date"},
            [values.get("status_date"), before],
        )


RULES: dict[str, KindRules] = {
    "people": people_rules,
    "households": households_rules,
    "organisations": organisations_rules,
    "activities": activities_rules,
    "participations": participations_rules,
    "services": services_rules,
    "aggregate-reach": reach_rules,
    "offenders": offenders_rules,
}


def key_of(kind: ImportKind, values: dict[str, Any]) -> tuple[str, ...]:
    """The row's key; names (text) match in any case, as external_organisation_save compares them, codes exactly."""
    return tuple(
        str(values.get(key, "")).casefold() if kind.column(key).type == ColumnType.TEXT else str(values.get(key, ""))
        for key in kind.key
    )


def parse_row(
    context: Context,
    parsers: dict[str, ColumnParser],
    number: int,
    row: dict[str, Value],
    problems: Sequence[CellProblem] = (),
) -> Plan | None:
    """The row's values parsed by column type, or None (with its errors added) when a cell is wrong."""
    for problem in problems:
        context.errors.add(RowError(number, problem.column, problem.value, problem.message))
    if problems:
        return None
    values: dict[str, Any] = {}
    ok = True
    for key, raw in row.items():
        parser = parsers[key]
        if raw is None:
            if parser.column.required:
                context.error(number, key, _("required: fill it in."), "")
                ok = False
            values[key] = parser.empty()
            continue
        try:
            values[key] = parser(raw)
        except ParseError as error:
            context.error(number, key, str(error), raw)
            ok = False
    if not ok:
        return None
    context.key_hashes.append(hash(key_of(context.kind, values)))
    context.key_rows.append(number)
    return Plan(number, values)


def duplicate_keys(context: Context) -> None:
    """Rows with the key of an earlier row: an error each, naming the first one."""
    if len(context.key_hashes) < 2:
        return
    hashes = numpy.frombuffer(context.key_hashes, dtype=numpy.int64)
    rows = numpy.frombuffer(context.key_rows, dtype=numpy.int64)
    order = numpy.argsort(hashes, kind="stable")  # rows of one key stay in file order
    ordered = hashes[order]
    repeated = numpy.flatnonzero(ordered[1:] == ordered[:-1]) + 1
    if not len(repeated):
        return
    names = ", ".join(context.table.header_of(name) for name in context.kind.key)
    run_start = 0
    for position in repeated.tolist():
        if ordered[run_start] != ordered[position]:  # a new run of one key: it began just before
            run_start = position - 1
        first = int(rows[order[run_start]])
        context.error(
            int(rows[order[position]]), "", _("same %(names)s as row %(row)s.") % {"names": names, "row": first}
        )


def approved_periods(organisation: Organisation) -> set[str]:
    return set(
        PeriodReview.objects.filter(
            country_id=organisation.country_id, status=PeriodReview.Status.APPROVED
        ).values_list("period_code", flat=True)
    )


def plans(context: Context, progress: Callable[[int, int | None], None] | None = None) -> Iterator[Plan]:
    """Every valid row's plan, chunk by chunk; errors go to context.errors."""
    parsers = {key: ColumnParser(context.kind.column(key)) for key in context.table.present}
    rules = RULES[context.kind.name]
    # The table tells the progress as it reads (empty rows too): a callback that raises (a job past its time
    # limit) stops the import wherever it is.
    if progress is not None:
        context.table.progress = progress
    rows = context.table.rows()
    done = 0
    while chunk := list(islice(rows, CHUNK)):
        parsed = [
            plan
            for number, row, problems in chunk
            if (plan := parse_row(context, parsers, number, row, problems)) is not None
        ]
        if parsed:
            rules(context, parsed)
        done += len(chunk)
        context.rows_read = done
        yield from (plan for plan in parsed if plan.action and plan.number not in context.errors.by_row)
    duplicate_keys(context)


def context_for(
    *,
    kind: ImportKind,
    organisation: Organisation,
    table: Table,
    correction_reason: str,
    uploaded_by: Any,
    errors: Errors | None = None,
) -> Context:
    return Context(
        kind=kind,
        organisation=organisation,
        table=table,
        correction_reason=correction_reason,
        errors=errors or Errors(),
        approved_periods=approved_periods(organisation),
        today=timezone.localdate(),
        uploaded_by=uploaded_by,
    )
