"""Forms for typing in aggregate figures."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sahay.accounts.models import User
from sahay.accounts.scope import scope_of
from sahay.core.models import Country, Organisation
from sahay.figures.models import CELL_LABELS, AggregateEntry
from sahay.figures.selectors import programme_periods
from sahay.frameworks.models import Indicator, Programme


class AggregateEntryForm(forms.Form):
    indicator = forms.ModelChoiceField(
        label=_("Indicator"), queryset=Indicator.objects.none(), empty_label=_("Choose an indicator")
    )
    country = forms.ModelChoiceField(
        label=_("Country"), queryset=Country.objects.none(), empty_label=_("Choose a country")
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("The whole country"),
    )
    period_code = forms.ChoiceField(label=_("Semester"))
    kind = forms.ChoiceField(label=_("The figure counts"), choices=AggregateEntry.Kind.choices)
    disaggregation = forms.ChoiceField(label=_("Part of the figure"), required=False)
    value = forms.DecimalField(label=_("Figure"), min_value=0, max_digits=14, decimal_places=2)
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: object, user: User, programme: Programme, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        scope = scope_of(user)
        self.fields["indicator"].queryset = programme.indicators.filter(  # type: ignore[attr-defined]
            source=Indicator.Source.AGGREGATE_ENTRIES
        ).select_related("strategy")
        self.fields["country"].queryset = scope.countries().filter(programmes=programme)  # type: ignore[attr-defined]
        self.fields["organisation"].queryset = scope.filter(  # type: ignore[attr-defined]
            Organisation.objects.filter(is_active=True), organisation_field="pk"
        )
        self.fields["period_code"].choices = [  # type: ignore[attr-defined]
            (period.code, period.code) for period in programme_periods(programme) if period.kind == "semester"
        ]
        self.fields["disaggregation"].choices = [("", _("Total"))] + [  # type: ignore[attr-defined]
            (code, label) for code, label in CELL_LABELS.items()
        ]
