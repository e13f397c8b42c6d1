"""Writes of reference data."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from sahay.accounts.models import User
from sahay.accounts.rights import Right
from sahay.accounts.scope import scope_of
from sahay.core.models import AdministrativeArea, Country


def area_create(
    *, country: Country, kind: str, name: str, parent: AdministrativeArea | None, created_by: User
) -> AdministrativeArea:
    if not created_by.has_perm(Right.MANAGE_AREAS.permission) or not scope_of(created_by).covers_country(country):
        raise PermissionDenied
    name = name.strip()
    if parent is not None and (parent.country_id != country.pk or kind != AdministrativeArea.Kind.DISTRICT):
        raise ValidationError({"parent": _("Only a district lies in a province, and in the same country.")})
    if AdministrativeArea.objects.filter(country=country, parent=parent, name__iexact=name).exists():
        raise ValidationError({"name": _("%(name)s is already there.") % {"name": name}})
    return AdministrativeArea.objects.create(country=country, kind=kind, name=name, parent=parent)
