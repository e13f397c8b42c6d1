"""The synthetic organisations and demo logins. Every name here is invented."""

from __future__ import annotations

from dataclasses import dataclass

from sahay.accounts.models import Role, User
from sahay.core.models import Country, Organisation

HEAD_OFFICE = "Sahay Demo Head Office"
PARTNERS = {
    "BD": ["Shapla Child Shield (demo)"],
    "KH": ["Mekong Safe Haven (demo)"],
    "IN": ["Asha Girls Forward (demo)"],
    "ID": ["Pelita Anak Network (demo)"],
    "MM": ["Golden Lotus Care (demo)"],
    "NP": ["Himal Child Voice (demo)"],
    "PH": ["Bayanihan Family Help (demo)"],
    "LK": ["Lanka Safe Shores (demo)"],
    "TH": ["Chiang Rai Child Refuge (demo)", "Andaman Youth Shelter (demo)"],
}


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role_code: str
    country_code: str | None = None
    organisation_name: str | None = None
    first_name: str = ""
    last_name: str = ""


DEMO_LOGINS = [
    DemoLogin("manager", "programme_manager", first_name="Maartje", last_name="Demo"),
    DemoLogin("me.officer", "me_officer", first_name="Ewout", last_name="Demo"),
    DemoLogin("coordinator.np", "country_coordinator", country_code="NP", first_name="Sita", last_name="Demo"),
    DemoLogin("partner.th", "partner_staff", organisation_name=PARTNERS["TH"][0], first_name="Nok", last_name="Demo"),
    DemoLogin("partner2.th", "partner_staff", organisation_name=PARTNERS["TH"][1], first_name="Ploy", last_name="Demo"),
    DemoLogin("donor", "donor_viewer", first_name="Daan", last_name="Demo"),
    DemoLogin("admin", "system_administrator", first_name="Ada", last_name="Demo"),
]


def ensure_organisations() -> dict[str, list[Organisation]]:
    """Head office, a country office per programme country and its partners; partners by country code."""
    netherlands = Country.objects.get(code="NL")
    head_office, _created = Organisation.objects.update_or_create(
        name=HEAD_OFFICE,
        defaults={"kind": Organisation.Kind.HEAD_OFFICE, "country": netherlands, "parent": None, "short_name": "HO"},
    )
    partners: dict[str, list[Organisation]] = {}
    for code, names in PARTNERS.items():
        country = Country.objects.get(code=code)
        office, _created = Organisation.objects.update_or_create(
            name=f"Sahay Demo Country Office {country.name_en}",
            defaults={
                "kind": Organisation.Kind.COUNTRY_OFFICE,
                "country": country,
                "parent": head_office,
                "short_name": f"CO-{code}",
            },
        )
        partners[code] = [
            Organisation.objects.update_or_create(
                name=name, defaults={"kind": Organisation.Kind.PARTNER, "country": country, "parent": office}
            )[0]
            for name in names
        ]
    return partners


def ensure_logins(password: str) -> list[User]:
    users = []
    for login in DEMO_LOGINS:
        organisation = Organisation.objects.get(name=login.organisation_name) if login.organisation_name else None
        country = (
            organisation.country
            if organisation
            else (Country.objects.get(code=login.country_code) if login.country_code else None)
        )
        user, created = User.objects.update_or_create(
            username=login.username,
            defaults={
                "role": Role.objects.get(code=login.role_code),
                "country": country,
                "organisation": organisation,
                "first_name": login.first_name,
                "last_name": login.last_name,
                "is_active": True,
            },
        )
        if created or not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        users.append(user)
    return users
