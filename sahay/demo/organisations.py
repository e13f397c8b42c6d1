"""The synthetic organisations and demo logins. Every name here is invented."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import check_password, make_password

from sahay.accounts.access import DEMO_SET_UP, access_confirm_at_set_up
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

# Invented first names of each partner's case worker and case supervisor, in the order of PARTNERS.
CASE_STAFF_NAMES = {
    "BD": [("Rupa", "Tanvir")],
    "KH": [("Sokha", "Dara")],
    "IN": [("Priya", "Arjun")],
    "ID": [("Wulan", "Budi")],
    "MM": [("Thida", "Aung")],
    "NP": [("Anjali", "Bikash")],
    "PH": [("Liza", "Ramon")],
    "LK": [("Nadeesha", "Ruwan")],
    "TH": [("Malee", "Somchai"), ("Kanya", "Anan")],
}


@dataclass(frozen=True)
class CaseLogins:
    """A partner's case worker and case supervisor: `caseworker.np`/`supervisor.np`, or with a number
    (`caseworker.th1`, `caseworker.th2`) where a country has several partners."""

    organisation_name: str
    case_worker: DemoLogin
    supervisor: DemoLogin


def _case_logins() -> list[CaseLogins]:
    logins = []
    for code, names in PARTNERS.items():
        for number, (name, (worker_name, supervisor_name)) in enumerate(
            zip(names, CASE_STAFF_NAMES[code], strict=True), start=1
        ):
            suffix = code.lower() + (str(number) if len(names) > 1 else "")
            logins.append(
                CaseLogins(
                    organisation_name=name,
                    case_worker=DemoLogin(
                        f"caseworker.{suffix}",
                        "case_worker",
                        organisation_name=name,
                        first_name=worker_name,
                        last_name="Demo",
                    ),
                    supervisor=DemoLogin(
                        f"supervisor.{suffix}",
                        "case_supervisor",
                        organisation_name=name,
                        first_name=supervisor_name,
                        last_name="Demo",
                    ),
                )
            )
    return logins


CASE_LOGINS = _case_logins()
# Everyone `ensure_logins` creates: the programme's logins, then each partner's case worker and supervisor.
ALL_DEMO_LOGINS = DEMO_LOGINS + [login for pair in CASE_LOGINS for login in (pair.case_worker, pair.supervisor)]


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
    # Argon2 is slow on purpose: every demo login shares one hash of the (published) demo password, so a
    # run checks one stored hash and hashes at most once.
    hashed = ""
    users = []
    for login in ALL_DEMO_LOGINS:
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
        if not hashed:
            matches = not created and check_password(password, user.password)
            hashed = user.password if matches else make_password(password)
        if user.password != hashed:
            user.password = hashed
            user.save(update_fields=["password"])
        # Made by the demo's set-up, not by an administrator: its rights over identities are confirmed as such.
        access_confirm_at_set_up(user=user, by=DEMO_SET_UP)
        users.append(user)
    return users


@dataclass(frozen=True)
class CaseStaff:
    """A demo partner's case worker and case supervisor, as saved users."""

    organisation: Organisation
    case_worker: User
    supervisor: User


def case_staff(users: list[User]) -> dict[int, CaseStaff]:
    """Each demo partner's case staff by organisation id, from the users `ensure_logins` returned."""
    by_username = {user.username: user for user in users}
    staff = {}
    for pair in CASE_LOGINS:
        worker = by_username[pair.case_worker.username]
        organisation = worker.organisation
        if organisation is None:
            raise ValueError(f"{worker.username} has no organisation")
        staff[organisation.pk] = CaseStaff(
            organisation=organisation, case_worker=worker, supervisor=by_username[pair.supervisor.username]
        )
    return staff
