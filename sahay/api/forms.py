from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sahay.accounts.models import User
from sahay.api.models import ApiToken
from sahay.api.tokens import token_countries, token_organisations
from sahay.core.models import Country, Organisation
from sahay.records.forms import DATE

DEFAULT_LIFE = timedelta(days=90)


class OrganisationChoices(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Organisation) -> str:
        return f"{obj.name} ({obj.country.code})"


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80, help_text=_("What the token is for, such as “DHIS2 sync”."))
    access = forms.ChoiceField(label=_("Access"), choices=ApiToken.Access.choices, initial=ApiToken.Access.READ)
    expires_on = forms.DateField(
        label=_("Expires on"),
        widget=DATE,
        help_text=_("At most a year from today."),
    )
    countries: forms.ModelMultipleChoiceField[Country] = forms.ModelMultipleChoiceField(
        label=_("Only these countries"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty for everything you see."),
    )
    organisations = OrganisationChoices(
        label=_("Or only these organisations"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, owner: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["expires_on"].initial = timezone.localdate() + DEFAULT_LIFE
        self.fields["countries"].queryset = token_countries(owner)  # type: ignore[attr-defined]
        self.fields["organisations"].queryset = token_organisations(owner)  # type: ignore[attr-defined]
