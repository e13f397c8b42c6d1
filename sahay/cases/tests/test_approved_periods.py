"""Case writes under the approved-period lock: a case that changes an approved half year's figures asks why."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from sahay.cases.models import Case
from sahay.cases.tests.conftest import CaseWorld
from sahay.core.models import Country
from sahay.core.periods import Period
from sahay.frameworks.models import Programme
from sahay.records.models import Person
from sahay.records.services import person_save, service_save
from sahay.reports.models import Correction
from sahay.reports.selectors import off_track_targets
from sahay.reports.services import review_approve, review_submit

pytestmark = pytest.mark.django_db

H1 = Period.parse("2017-H1")
CORRECTION = "The case file reached the office late; the intake was in February."


def approve_thai_first_half(case_world: CaseWorld, programme: Programme) -> None:
    """Thailand's 2017-H1 submitted by its coordinator and approved by the programme manager."""
    thailand = Country.objects.get(code="TH")
    explanations = {
        indicator.code: "Synthetic explanation."
        for indicator in off_track_targets(programme=programme, country=thailand, period=H1)
    }
    review = review_submit(
        programme=programme,
        country=thailand,
        period=H1,
        submitted_by=case_world.thai_coordinator,
        explanations=explanations,
    )
    review_approve(review=review, approved_by=case_world.programme_manager, explanations=explanations)


def thai_figure(client: Client, code: str) -> int:
    table = client.get(reverse("dashboard"), {"period": H1.code}).context["table"]
    row = next(row for group in table.strategies for row in group.rows if row.indicator.code == code)
    return int(row.for_country("TH").value or 0)


def child_back_in_school(case_world: CaseWorld, code: str) -> Person:
    """A child the Thai partner registered and re-enrolled in school in March 2017, not (yet) known as a victim."""
    worker = case_world.worker
    child = person_save(saved_by=worker, organisation=worker.organisation, code=code, sex="female")
    service_save(
        saved_by=worker,
        organisation=worker.organisation,
        kind="education_support",
        education_support="re_enrolment",
        start=date(2017, 3, 6),
        end=date(2017, 6, 30),
        person=child,
    )
    return child


def registration(case_world: CaseWorld, code: str, opened_on: date) -> dict[str, object]:
    return {
        "code": code,
        "already_registered": "on",
        "sex": "female",
        "child_role": "victim",
        "intake": "outreach",
        "exploitation": "online_abuse",
        "opened_on": opened_on.isoformat(),
        "case_worker": case_world.worker.pk,
        "summary": "Synthetic summary typed by the supervisor.",
    }


@pytest.mark.xfail(
    strict=True, reason="issue 16: case_register creates the victim role without the approved-period lock"
)
def test_a_back_dated_case_changing_an_approved_figure_asks_a_reason_and_is_shown_as_a_correction(
    case_world: CaseWorld, programme: Programme, client_for
) -> None:
    child = child_back_in_school(case_world, "TH-K-90")
    approve_thai_first_half(case_world, programme)
    manager = client_for(case_world.programme_manager)
    before = thai_figure(manager, "CARE-2")  # victims back in school: the child is not a victim yet
    supervisor = client_for(case_world.supervisor)
    form = registration(case_world, "TH-K-90", date(2017, 2, 1))

    refused = supervisor.post(reverse("case_register"), form)

    page = refused.content.decode()
    assert refused.status_code == 200
    assert "The figures of 2017-H1 are approved" in page
    assert 'name="correction_reason"' in page
    assert "Synthetic summary typed by the supervisor." in page  # what was typed is kept
    assert not Case.objects.filter(person=child).exists()
    assert not child.roles.exists()
    assert thai_figure(manager, "CARE-2") == before

    registered = supervisor.post(reverse("case_register"), {**form, "correction_reason": CORRECTION})

    assert registered.status_code == 302
    assert Case.objects.filter(person=child).exists()
    assert thai_figure(manager, "CARE-2") == before + 1
    correction = Correction.objects.get()
    assert (correction.review.period_code, correction.review.country.code) == ("2017-H1", "TH")
    review_page = manager.get(reverse("review_detail", kwargs={"period": "2017-H1", "country": "TH"}))
    assert CORRECTION in review_page.content.decode()
