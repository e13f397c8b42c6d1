"""The choices an export asks for: period, window and file format."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sahay.core.periods import Period
from sahay.exports.tabular import Format
from sahay.reports.figureset import Window

FORMAT_CHOICES = [(Format.CSV.value, _("CSV (opens in any spreadsheet)")), (Format.XLSX.value, _("Excel (.xlsx)"))]
WINDOW_CHOICES = [(Window.PERIOD.value, _("In the period")), (Window.CUMULATIVE.value, _("Cumulative"))]


class FormatForm(forms.Form):
    format = forms.ChoiceField(label=_("Format"), choices=FORMAT_CHOICES, initial=Format.CSV.value)

    def file_format(self) -> Format:
        return Format(self.cleaned_data["format"])


class FigureExportForm(FormatForm):
    period = forms.ChoiceField(label=_("Period"))
    view = forms.ChoiceField(label=_("Count"), choices=WINDOW_CHOICES, initial=Window.PERIOD.value)

    field_order = ["period", "view", "format"]

    def __init__(self, *args: Any, periods: list[Period], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.periods = {period.code: period for period in periods}
        period_field = self.fields["period"]
        assert isinstance(period_field, forms.ChoiceField)  # noqa: S101 - declared above
        period_field.choices = [(code, code) for code in self.periods]

    def chosen_period(self) -> Period:
        return self.periods[self.cleaned_data["period"]]

    def window(self) -> Window:
        return Window(self.cleaned_data["view"])
