"""Forms for changing targets; every change asks why."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sahay.core.models import Country
from sahay.frameworks.models import Indicator, Programme


class TargetChangeForm(forms.Form):
    value = forms.DecimalField(label=_("New target"), min_value=0, max_digits=14, decimal_places=2)
    reason = forms.CharField(
        label=_("Why does it change?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Kept with the change, with your name and the date."),
    )


class TargetCreateForm(TargetChangeForm):
    indicator = forms.ModelChoiceField(label=_("Indicator"), queryset=Indicator.objects.none())
    country = forms.ModelChoiceField(
        label=_("Country"), queryset=Country.objects.none(), required=False, empty_label=_("The whole programme")
    )
    period_code = forms.ChoiceField(label=_("Period"), required=False)

    field_order = ["indicator", "country", "period_code", "value", "reason"]

    def __init__(self, *args: object, programme: Programme, periods: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["indicator"].queryset = programme.indicators.all()  # type: ignore[attr-defined]
        self.fields["country"].queryset = Country.objects.filter(programmes=programme)  # type: ignore[attr-defined]
        self.fields["period_code"].choices = [("", _("The programme period"))] + [  # type: ignore[attr-defined]
            (code, code) for code in periods
        ]
