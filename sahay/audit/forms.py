"""The audit page's filter form (posted, then kept in the session: never in the query string)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sahay.audit.selectors import AuditFilters


class AuditFilterForm(forms.Form):
    user = forms.CharField(label=_("User name contains"), max_length=150, required=False)
    case = forms.CharField(label=_("Case code"), max_length=60, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # "from" and "to" are the query's names, but not possible as Python attribute names.
        date_input = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.fields["from"] = forms.DateField(label=_("From (UTC)"), required=False, widget=date_input)
        self.fields["to"] = forms.DateField(label=_("To (UTC)"), required=False, widget=date_input)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("from"), cleaned.get("to")
        if start and end and end < start:
            self.add_error("to", _("The end date comes before the start date."))
        return cleaned

    def filters(self) -> AuditFilters:
        """The filters the valid fields give: a field that could not be read filters on nothing."""
        self.is_valid()
        data = self.cleaned_data
        return AuditFilters(
            user=(data.get("user") or "").strip(),
            case=(data.get("case") or "").strip(),
            date_from=data.get("from"),
            date_to=data.get("to"),
        )
