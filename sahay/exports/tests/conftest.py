"""A small world of records in two countries, and a stand-in for approved reports."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from sahay.core.periods import Period
from sahay.records.services import RoleSpec, activity_save, person_save, service_save


def approve_report(programme: Any, period_code: str, manager: Any) -> Any:
    """An approved programme report of the half year, as approval freezes it (its figures as published now)."""
    from django.utils import timezone

    from sahay.reports.freezing import live_report_data
    from sahay.reports.models import Report

    data = live_report_data(programme=programme, country=None, period=Period.parse(period_code))
    return Report.objects.create(
        programme=programme,
        period_code=period_code,
        status=Report.Status.APPROVED,
        frozen=data.to_json(),
        created_by=manager,
        approved_by=manager,
        approved_at=timezone.now(),
    )


class World:
    def __init__(self, recorder: Any, organisations: Any) -> None:
        self.recorder = recorder
        self.organisations = organisations
        self.codes = iter(range(1, 10_000))

    def person(self, organisation: Any, *, code: str | None = None, victim: bool = False, **identity: str) -> Any:
        roles = [RoleSpec("victim", date(2017, 1, 5))] if victim else [RoleSpec("at_risk_child", date(2017, 1, 5))]
        return person_save(
            saved_by=self.recorder,
            organisation=organisation,
            code=code or f"P{next(self.codes)}",
            sex="female",
            birth_date=date(2005, 3, 1),
            roles=roles,
            **identity,
        )

    def legal_aid(self, person: Any) -> Any:
        return service_save(
            saved_by=self.recorder,
            organisation=person.organisation,
            kind="legal_aid",
            start=date(2017, 2, 1),
            end=date(2017, 3, 1),
            person=person,
            provider="Lawyer Obadiah Vexbridge",
            outcome="Zelda Quarrington was heard",
        )

    def activity(self, organisation: Any, title: str) -> Any:
        return activity_save(
            saved_by=self.recorder,
            organisation=organisation,
            kind="awareness_session",
            title=title,
            date=date(2017, 3, 1),
        )


@pytest.fixture
def world(programme: Any, role_users: Any, organisations: Any) -> World:
    return World(role_users.me_officer, organisations)
