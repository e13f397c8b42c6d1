"""A small world for the API's access matrix and fuzzing: one record of every kind in Thailand, and callers.

Every record belongs to the first Thai partner and was recorded by its staff. Callers are one user of every
role (with the scope its role names, as in the root conftest) plus a Thai case worker and supervisor, each
with a read-and-write token (read only where the role does not record).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

from sahay.accounts.access import TEST_SET_UP, access_confirm_at_set_up
from sahay.accounts.models import Role, User
from sahay.api.models import ApiToken
from sahay.api.tokens import token_create
from sahay.cases.models import Case
from sahay.cases.services.cases import NewChild, case_register
from sahay.core.models import Country, Organisation
from sahay.frameworks.models import Programme
from sahay.imports.jobs import import_start
from sahay.imports.tests.helpers import csv_bytes, template_rows
from sahay.jobs.models import Job
from sahay.records.models import (
    Activity,
    AggregateReach,
    ExternalOrganisation,
    Household,
    Participation,
    Person,
    Service,
)
from sahay.records.services import (
    Attendance,
    activity_save,
    external_organisation_save,
    household_save,
    participations_record,
    person_save,
    reach_save,
    service_save,
)
from sahay.reports.models import Report

DAY = date(2017, 3, 1)


@dataclass
class ApiWorld:
    users: dict[str, User]
    person: Person
    household: Household
    activity: Activity
    participation: Participation
    service: Service
    reach: AggregateReach
    external: ExternalOrganisation
    partner: Organisation
    case: Case
    job: Job
    report: Report
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def token_headers(
        self,
        user: User,
        *,
        name: str,
        access: str | None = None,
        countries: tuple[Country, ...] = (),
        organisations: tuple[Organisation, ...] = (),
    ) -> dict[str, str]:
        writes = user.has_perm("sahay.record_data")
        new = token_create(
            owner=user,
            name=name,
            access=access or (ApiToken.Access.READ_WRITE if writes else ApiToken.Access.READ),
            expires_on=timezone.localdate() + timedelta(days=30),
            countries=countries,
            organisations=organisations,
        )
        return {"Authorization": f"Bearer {new.secret}"}


def api_world(organisations, role_users) -> ApiWorld:
    partner = organisations.partners["TH"]
    users = {
        **role_users.all(),
        "case_worker": _user("case_worker", partner, "api-case-worker"),
        "case_supervisor": _user("case_supervisor", partner, "api-case-supervisor"),
    }
    staff = users["partner_staff"]
    person = person_save(saved_by=staff, organisation=partner, code="API-P-1", sex="female", birth_year_estimated=2008)
    other = person_save(saved_by=staff, organisation=partner, code="API-P-2", sex="male", birth_year_estimated=2007)
    household = household_save(saved_by=staff, organisation=partner, code="API-H-1", members=[person])
    external = external_organisation_save(
        saved_by=staff, recorded_by=partner, name="Synthetic School", kind=ExternalOrganisation.Kind.SCHOOL
    )
    activity = activity_save(
        saved_by=staff, organisation=partner, kind=Activity.Kind.AWARENESS_SESSION, title="Synthetic session", date=DAY
    )
    (participation,) = participations_record(saved_by=staff, activity=activity, attendances=[Attendance(person)])
    participations_record(saved_by=staff, activity=activity, attendances=[Attendance(other)])
    service = service_save(
        saved_by=staff, organisation=partner, kind=Service.Kind.LIVELIHOOD, start=DAY, household=household
    )
    reach = reach_save(saved_by=staff, activity=activity, audience=AggregateReach.Audience.CHILDREN, estimate=40)
    case = case_register(
        registered_by=users["case_worker"],
        organisation=partner,
        intake=Case.Intake.HOTLINE,
        exploitation=Case.Exploitation.ONLINE_ABUSE,
        opened_on=DAY,
        child_role="victim",
        case_worker=users["case_worker"],
        new_child=NewChild(code="API-C-1", sex="female", birth_year_estimated=2009),
    )
    job = import_start(
        kind="people",
        organisation=partner,
        uploaded_by=staff,
        data=csv_bytes(template_rows("people")),
        file_name="people.csv",
        dry_run=True,
        correction_reason="",
    )
    # A draft of Thailand's report for the half year.
    report = Report.objects.create(
        programme=Programme.objects.get(), country=partner.country, period_code="2017-H1", created_by=staff
    )
    world = ApiWorld(
        users, person, household, activity, participation, service, reach, external, partner, case, job, report
    )
    world.headers = {name: world.token_headers(user, name="api world") for name, user in users.items()}
    return world


def _user(role: str, organisation: Organisation, username: str) -> User:
    user = User(username=username, role=Role.objects.get(code=role), organisation=organisation)
    user.country = organisation.country
    user.set_unusable_password()
    user.save()
    access_confirm_at_set_up(user=user, by=TEST_SET_UP)
    return user
