"""Locators for what a reader looks at on Sahay's pages, and figures set up through the services."""

from __future__ import annotations

import re
from decimal import Decimal

from playwright.sync_api import Locator, Page, expect

from sahay.accounts.models import User
from sahay.core.models import Country
from sahay.figures.models import AggregateEntry
from sahay.figures.services import aggregate_entry_save
from sahay.frameworks.models import Indicator, Programme


def indicator_row(page: Page, code: str) -> Locator:
    """The dashboard row of one indicator (OUT-1 and not OUT-10)."""
    code_label = page.locator("th .code", has_text=re.compile(rf"^\s*{re.escape(code)}\s*$"))
    return page.locator("table.figures tbody tr").filter(has=code_label)


def column_index(row: Locator, header: str) -> int:
    """Where the column headed `header` is in the row's table (headers as the reader sees them)."""
    expect(row).to_be_visible()
    headers = [text.strip() for text in row.locator("xpath=ancestor::table[1]/thead/tr/th").all_inner_texts()]
    assert header in headers, f"no column {header!r} among {headers}"
    return headers.index(header)


def row_cell(row: Locator, index: int) -> Locator:
    return row.locator("xpath=./th|./td").nth(index)


def figure_cell(page: Page, indicator_code: str, column: str) -> Locator:
    """The dashboard cell of an indicator under a column: a country code, "Programme" or "Target"."""
    row = indicator_row(page, indicator_code)
    return row_cell(row, column_index(row, column))


def selected_option(select: Locator) -> Locator:
    return select.locator("option:checked")


def form_field(page: Page, label: str) -> Locator:
    """A form field by its whole label, with or without Django's label suffix (":")."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}:?$"))


def field_in_error(page: Page, label: str) -> Locator:
    """The form field, only while the form marks it as having an error."""
    return form_field(page, label).and_(page.locator(".field.has-error *"))


def enter_figure(
    *, programme: Programme, indicator: str, country: str, period: str, value: int, by: User
) -> AggregateEntry:
    """An aggregate entry for the whole country, saved as the entry form saves it."""
    return aggregate_entry_save(
        indicator=Indicator.objects.get(programme=programme, code=indicator),
        country=Country.objects.get(code=country),
        organisation=None,
        period_code=period,
        kind=AggregateEntry.Kind.PERIOD,
        disaggregation="",
        value=Decimal(value),
        saved_by=by,
    )
