"""A small programme world for reporting tests: records in Nepal and Thailand, made through the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from conftest import Organisations, RoleUsers
from sahay.accounts.access import TEST_SET_UP, access_confirm_at_set_up
from sahay.accounts.models import User
from sahay.core.models import Country
from sahay.core.periods import Period
from sahay.frameworks.models import Programme, Target
from sahay.records.models import Activity
from sahay.records.services import RoleSpec, activity_save, person_save, service_save
from sahay.reports.models import PeriodReview, Report
from sahay.reports.services import report_approve, report_draft, review_approve, review_submit

H1 = Period.parse("2017-H1")
H2 = Period.parse("2017-H2")


@dataclass
class World:
    programme: Programme
    users: RoleUsers
    organisations: Organisations
    recorder: User  # an M&E officer: records anywhere

    def meetings(self, country: str, count: int, day: date) -> list[Activity]:
        return [
            activity_save(
                saved_by=self.recorder,
                organisation=self.organisations.partners[country],
                kind=Activity.Kind.COMMUNITY_MEETING,
                title=f"Meeting {index}",
                date=day,
            )
            for index in range(count)
        ]

    def victims_with_legal_aid(self, country: str, count: int, day: date, prefix: str = "V") -> None:
        organisation = self.organisations.partners[country]
        for index in range(count):
            person = person_save(
                saved_by=self.recorder,
                organisation=organisation,
                code=f"{prefix}-{country}-{index}",
                sex="female" if index % 2 else "male",
                birth_date=date(2005, 3, 1),
                roles=[RoleSpec("victim", date(2016, 1, 1))],
            )
            service_save(
                saved_by=self.recorder, organisation=organisation, kind="legal_aid", start=day, end=day, person=person
            )

    def approve(self, period: Period, *countries: str) -> None:
        """Every programme country approved for the period (or the ones named), explanations typed."""
        codes = countries or tuple(self.programme.countries.values_list("code", flat=True))
        for code in codes:
            country = Country.objects.get(code=code)
            coordinator = User.objects.filter(role__code="country_coordinator", country=country).first()
            if coordinator is None:
                coordinator = User.objects.create(
                    username=f"coordinator-{code.lower()}", role=self.users.country_coordinator.role, country=country
                )
                access_confirm_at_set_up(user=coordinator, by=TEST_SET_UP)
            explanations = dict.fromkeys(self._target_codes(), "Started late.")
            review_submit(
                programme=self.programme,
                country=country,
                period=period,
                submitted_by=coordinator,
                explanations=explanations,
            )
            review_approve(
                review=PeriodReview.objects.get(programme=self.programme, country=country, period_code=period.code),
                approved_by=self.users.programme_manager,
                explanations=explanations,
            )

    def issue(self, period: Period, country: str | None = None) -> Report:
        place = Country.objects.get(code=country) if country else None
        report = report_draft(programme=self.programme, country=place, period=period, user=self.users.programme_manager)
        return report_approve(report=report, approved_by=self.users.programme_manager)

    def _target_codes(self) -> list[str]:
        return list(self.programme.indicators.filter(is_target=True).values_list("code", flat=True))


@pytest.fixture
def world(programme: Programme, role_users: RoleUsers, organisations: Organisations) -> World:
    """The default framework with a share of each programme target set for every country."""
    for target in Target.objects.filter(indicator__programme=programme, country__isnull=True, period_code=""):
        for country in programme.countries.all():
            Target.objects.create(indicator=target.indicator, country=country, value=max(1, target.value // 9))
    return World(programme=programme, users=role_users, organisations=organisations, recorder=role_users.me_officer)
