"""Forms administrators use to manage users."""

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from sahay.accounts.lockout import sign_in_locked
from sahay.accounts.models import Role
from sahay.audit.services import client_ip
from sahay.core.models import Country, Organisation

# Longer user names cannot exist; an attempt is cut to this length before it is written down.
ATTEMPTED_USERNAME_LENGTH = 150


class SignInForm(AuthenticationForm):
    """Django's sign-in form, refusing (with the same answer) while the user name or address is locked.

    The password is checked whether or not the sign-in is locked, and an unknown user name goes through
    the same authentication as a known one: neither the answer nor the work done tells them apart.
    """

    locked = False

    @property
    def attempted_username(self) -> str:
        """The user name as authentication reads it (stripped, Unicode NFKC), cut as the audit trail cuts it.

        The lock counts this, and the audit trail writes this: a look-alike spelling (a fullwidth letter)
        that authentication takes for the same user is the same user name for the lock too.
        """
        typed = str(self.data.get("username", ""))
        return str(self.fields["username"].to_python(typed) or "")[:ATTEMPTED_USERNAME_LENGTH]

    def clean(self) -> dict[str, Any]:
        username = self.attempted_username
        self.locked = sign_in_locked(username=username, ip=client_ip(self.request) if self.request else None)
        cleaned = super().clean()
        if self.locked:
            self.user_cache = None
            raise self.get_invalid_login_error()
        return cleaned


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "autofocus": True}),
        help_text=_("The six digits your authenticator app shows now, or one of your recovery codes."),
    )


class UserForm(forms.Form):
    """An account's name, address, role and scope. There is no password: see sahay.accounts.invitations."""

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

    def __init__(self, *args: object, creating: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if creating:
            # Nobody chooses another person's password: the new account is invited at this address.
            self.fields["email"].required = True
            self.fields["email"].help_text = _(
                "The invitation goes here: the person chooses their own password and sets up their second factor."
            )
        else:
            self.fields["username"].disabled = True
