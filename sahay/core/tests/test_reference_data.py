"""Organisations sit in a hierarchy; provinces and districts are entered by those who work there."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from sahay.core.models import AdministrativeArea, Country, Organisation
from sahay.core.services import area_create

pytestmark = pytest.mark.django_db


def test_a_partner_belongs_to_a_country_office_of_its_own_country(organisations) -> None:
    partner = Organisation(
        name="Misplaced",
        kind=Organisation.Kind.PARTNER,
        country=Country.objects.get(code="NP"),
        parent=organisations.country_offices["TH"],
    )
    with pytest.raises(ValidationError) as error:
        partner.full_clean()
    assert "own country" in error.value.message_dict["parent"][0]
    office = Organisation(name="Orphan", kind=Organisation.Kind.COUNTRY_OFFICE, country=Country.objects.get(code="NP"))
    with pytest.raises(ValidationError):
        office.full_clean()


def test_a_coordinator_adds_a_district_in_a_province_of_their_country(role_users, client_for) -> None:
    nepal = Country.objects.get(code="NP")
    province = area_create(
        country=nepal, kind="province", name="Bagmati", parent=None, created_by=role_users.country_coordinator
    )
    client = client_for(role_users.country_coordinator)
    response = client.post(
        reverse("area_create"), {"country": nepal.pk, "kind": "district", "name": "Kathmandu", "parent": province.pk}
    )
    assert response.status_code == 302
    assert AdministrativeArea.objects.get(name="Kathmandu").parent == province
    duplicate = client.post(reverse("area_create"), {"country": nepal.pk, "kind": "province", "name": "bagmati"})
    assert "already there" in duplicate.content.decode()


def test_nobody_adds_areas_outside_their_scope(role_users) -> None:
    with pytest.raises(PermissionDenied):
        area_create(
            country=Country.objects.get(code="TH"),
            kind="province",
            name="Chiang Rai",
            parent=None,
            created_by=role_users.country_coordinator,
        )
    with pytest.raises(PermissionDenied):
        area_create(
            country=Country.objects.get(code="NP"),
            kind="province",
            name="Koshi",
            parent=None,
            created_by=role_users.me_officer,
        )


def test_partner_staff_see_only_their_organisation_in_the_list(role_users, client_for) -> None:
    page = client_for(role_users.partner_staff).get(reverse("organisation_list")).content.decode()
    assert "Test Partner TH<" in page and "Test Partner TH second" not in page and "Test Partner NP" not in page
