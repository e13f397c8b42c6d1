"""Forms of the reporting pages: the period picker, a review's move, a report's narratives."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sahay.frameworks.models import Indicator


class ReviewForm(forms.Form):
    """Submit, return or approve a country's figures; one explanation field per target off track."""

    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, off_track: list[Indicator], explained: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for indicator in off_track:
            self.fields[f"explain_{indicator.code}"] = forms.CharField(
                label=_("Why is %(indicator)s off track?") % {"indicator": indicator},
                required=False,
                initial=explained.get(indicator.code, ""),
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def explanations(self) -> dict[str, str]:
        return {
            name.removeprefix("explain_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("explain_")
        }


class NarrativeForm(forms.Form):
    help = _("Do not name or describe any child, family or place that could identify them.")
    context = forms.CharField(
        label=_("Context"), required=False, widget=forms.Textarea(attrs={"rows": 5}), help_text=help
    )
    challenges = forms.CharField(
        label=_("Challenges"), required=False, widget=forms.Textarea(attrs={"rows": 5}), help_text=help
    )
    stories = forms.CharField(
        label=_("Stories of change"), required=False, widget=forms.Textarea(attrs={"rows": 5}), help_text=help
    )


class ReportStartForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"))
    country = forms.ChoiceField(label=_("Report for"), required=False)

    def __init__(self, *args: Any, periods: list[str], countries: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        period, country = self.fields["period"], self.fields["country"]
        assert isinstance(period, forms.ChoiceField) and isinstance(country, forms.ChoiceField)  # noqa: S101 - declared above
        period.choices = [(code, code) for code in periods]
        country.choices = countries
