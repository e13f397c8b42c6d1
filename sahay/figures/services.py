"""Writes of aggregate entries: validated, scoped, and kept in history."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sahay.accounts.models import User
from sahay.accounts.rights import Right
from sahay.accounts.scope import scope_of
from sahay.core.models import Country, Organisation
from sahay.core.periods import Period, PeriodKind
from sahay.figures.models import DISAGGREGATION_CELLS, AggregateEntry, AggregateEntryChange
from sahay.frameworks.models import Indicator
from sahay.reports.locks import approved_period_change, range_days


def allowed_cells(indicator: Indicator) -> list[str]:
    """The disaggregation cells an entry for this indicator may hold; "" is the total."""
    cells = [""]
    for dimension in indicator.disaggregations:
        cells += [f"{dimension}:{cell}" for cell in DISAGGREGATION_CELLS[dimension]]
    return cells


def _validate(
    *,
    indicator: Indicator,
    country: Country,
    organisation: Organisation | None,
    period: Period,
    kind: str,
    disaggregation: str,
    value: Decimal,
    saved_by: User,
) -> None:
    if not saved_by.has_perm(Right.ENTER_AGGREGATES.permission):
        raise PermissionDenied
    scope = scope_of(saved_by)
    if not scope.covers_country(country) or (
        scope.organisation_id is not None and (organisation is None or organisation.pk != scope.organisation_id)
    ):
        raise PermissionDenied
    errors: dict[str, str] = {}
    programme = indicator.programme
    if indicator.source != Indicator.Source.AGGREGATE_ENTRIES:
        raise ValidationError(
            {
                "indicator": _("%(indicator)s is counted from records; its figures cannot be typed in.")
                % {"indicator": indicator.code}
            }
        )
    if not programme.countries.filter(pk=country.pk).exists():
        errors["country"] = _("%(country)s is not a country of this programme.") % {"country": country.name}
    if organisation is not None and organisation.country_id != country.pk:
        errors["organisation"] = _("%(organisation)s works in another country.") % {"organisation": organisation}
    if period.kind != PeriodKind.SEMESTER:
        errors["period_code"] = _("Enter figures per semester, for example 2017-H1.")
    elif period.end < programme.start or period.start > programme.end:
        errors["period_code"] = _("%(period)s lies outside the programme (%(start)s to %(end)s).") % {
            "period": period,
            "start": programme.start,
            "end": programme.end,
        }
    if kind == AggregateEntry.Kind.CUMULATIVE and not indicator.counts_unique:
        errors["kind"] = _("This indicator adds up across semesters: enter the semester's figure only.")
    if disaggregation not in allowed_cells(indicator):
        errors["disaggregation"] = _("%(indicator)s is not split this way.") % {"indicator": indicator.code}
    if value < 0:
        errors["value"] = _("A figure cannot be negative.")
    elif value != value.to_integral_value():
        errors["value"] = _("%(indicator)s counts whole %(unit)s: enter a whole number.") % {
            "indicator": indicator.code,
            "unit": indicator.unit,
        }
    same_cell = AggregateEntry.objects.filter(
        indicator=indicator, country=country, period_code=period.code, kind=kind, disaggregation=disaggregation
    )
    # A figure is entered for the country or per organisation, never both: adding them would count twice.
    if organisation is None and same_cell.filter(organisation__isnull=False).exists():
        errors["organisation"] = _("Figures for this cell are entered per organisation: choose the organisation.")
    if organisation is not None and same_cell.filter(organisation__isnull=True).exists():
        errors["organisation"] = _("A figure for the whole country is already entered for this cell.")
    if errors:
        raise ValidationError(errors)


def aggregate_entry_save(
    *,
    indicator: Indicator,
    country: Country,
    organisation: Organisation | None,
    period_code: str,
    kind: str,
    disaggregation: str,
    value: Decimal,
    saved_by: User,
    comment: str = "",
) -> AggregateEntry:
    """Create or update the entry for this cell; each value it takes is kept with who set it."""
    try:
        period = Period.parse(period_code)
    except ValidationError as error:
        raise ValidationError({"period_code": error.messages}) from error
    _validate(
        indicator=indicator,
        country=country,
        organisation=organisation,
        period=period,
        kind=kind,
        disaggregation=disaggregation,
        value=value,
        saved_by=saved_by,
    )
    with transaction.atomic():
        # A typed-in figure of an approved half year is a correction too: its comment is the reason.
        change = approved_period_change(
            made_by=saved_by,
            organisation=organisation,
            record_kind="aggregate_entry",
            country_ids=[country.pk],
            days=range_days(period.start, period.end),
            reason=comment,
            field="comment",
        )
        entry = (
            AggregateEntry.objects.select_for_update()
            .filter(
                indicator=indicator,
                country=country,
                organisation=organisation,
                period_code=period.code,
                kind=kind,
                disaggregation=disaggregation,
            )
            .order_by("pk")  # the default ordering joins nullable tables, which FOR UPDATE refuses
            .first()
        )
        old_value = entry.value if entry else None
        if entry is None:
            entry = AggregateEntry.objects.create(
                indicator=indicator,
                country=country,
                organisation=organisation,
                period_code=period.code,
                period_start=period.start,
                period_end=period.end,
                kind=kind,
                disaggregation=disaggregation,
                value=value,
                updated_by=saved_by,
            )
        elif entry.value != value:
            entry.value = value
            entry.updated_by = saved_by
            entry.save(update_fields=["value", "updated_by", "updated_at"])
        else:
            return entry
        AggregateEntryChange.objects.create(
            entry=entry, changed_by=saved_by, old_value=old_value, new_value=value, comment=comment.strip()
        )
        change.done(str(entry.pk))
    return entry
