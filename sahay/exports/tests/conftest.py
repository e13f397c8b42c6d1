"""A small world of records in two countries, and a stand-in for approved reports."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from sahay.core.periods import Period
from sahay.records.services import RoleSpec, activity_save, person_save, service_save
from sahay.reports import publishing
from sahay.reports.disclosure import PublishedFigures


class ApprovedReports:
    """Stands in for `frozen_figures` until the reports app has its model: periods approved in a test."""

    def __init__(self) -> None:
        self.approved: dict[str, PublishedFigures] = {}

    def frozen(self, *, programme: Any, period: Period, country: Any) -> PublishedFigures | None:
        return self.approved.get(period.code) if country is None else None


@pytest.fixture(autouse=True)
def approved_reports(monkeypatch: pytest.MonkeyPatch) -> ApprovedReports:
    reports = ApprovedReports()
    monkeypatch.setattr(publishing, "frozen_figures", reports.frozen)
    return reports


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
