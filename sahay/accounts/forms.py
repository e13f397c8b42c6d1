"""Forms administrators use to manage users."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sahay.accounts.models import Role
from sahay.core.models import Country, Organisation


class UserForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    role = forms.ModelChoiceField(label=_("Role"), queryset=Role.objects.all())
    country = forms.ModelChoiceField(
        label=_("Country"),
        queryset=Country.objects.filter(is_programme_country=True),
        required=False,
        help_text=_("For roles that work in one country."),
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.filter(is_active=True),
        required=False,
        help_text=_("For roles that work for one organisation."),
    )
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text=_("At least 12 characters. Only when creating the user."),
    )

    def __init__(self, *args: object, creating: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if creating:
            self.fields["password"].required = True
        else:
            del self.fields["password"]
            self.fields["username"].disabled = True
