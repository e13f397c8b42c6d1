"""Forms for reference data that organisations enter themselves."""

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from sahay.core.models import AdministrativeArea, Country


class AreaForm(forms.Form):
    country = forms.ModelChoiceField(label=_("Country"), queryset=Country.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=AdministrativeArea.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=120)
    parent = forms.ModelChoiceField(
        label=_("In province"),
        queryset=AdministrativeArea.objects.none(),
        required=False,
        help_text=_("For a district: the province it lies in."),
    )

    def __init__(self, *args: object, countries: QuerySet[Country], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["country"].queryset = countries  # type: ignore[attr-defined]
        self.fields["parent"].queryset = AdministrativeArea.objects.filter(  # type: ignore[attr-defined]
            country__in=countries,
            kind=AdministrativeArea.Kind.PROVINCE,
        )
