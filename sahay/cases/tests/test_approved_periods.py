"""Case writes under the approved-period lock: a case that changes an approved half year's figures asks why."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from sahay.accounts.models import User
from sahay.cases.models import Case
from sahay.cases.services.care import case_service_add
from sahay.cases.services.cases import NewChild, case_register
from sahay.cases.services.erasure import person_erase, retention_apply
from sahay.cases.services.requests import case_request_answer, case_request_make
from sahay.cases.tests.conftest import CaseWorld
from sahay.core.models import Country
from sahay.core.periods import Period
from sahay.frameworks.models import Programme
from sahay.records.models import Person
from sahay.records.services import household_save, person_save, service_save
from sahay.reports.locks import CORRECTION_FIELD, ApprovedPeriodChange
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


def child_back_in_school(case_world: CaseWorld, code: str, until: date | None = date(2017, 6, 30)) -> Person:
    """A child the Thai partner registered and re-enrolled in school in March 2017, not (yet) known as a victim."""
    worker = case_world.worker
    child = person_save(saved_by=worker, organisation=worker.organisation, code=code, sex="female")
    service_save(
        saved_by=worker,
        organisation=worker.organisation,
        kind="education_support",
        education_support="re_enrolment",
        start=date(2017, 3, 6),
        end=until,
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


def test_a_case_opened_after_the_approved_half_year_asks_nothing(
    case_world: CaseWorld, programme: Programme, client_for
) -> None:
    child = child_back_in_school(case_world, "TH-K-91", until=None)
    approve_thai_first_half(case_world, programme)
    manager = client_for(case_world.programme_manager)
    before = thai_figure(manager, "CARE-2")

    opened = client_for(case_world.supervisor).post(
        reverse("case_register"), registration(case_world, "TH-K-91", date(2017, 7, 3))
    )

    # The schooling goes on, but a victim from July on changes nothing the first half year counted.
    assert opened.status_code == 302
    assert Case.objects.filter(person=child).exists()
    assert not Correction.objects.exists()
    assert thai_figure(manager, "CARE-2") == before


def test_a_new_child_registered_with_a_back_dated_case_asks_nothing(
    case_world: CaseWorld, programme: Programme
) -> None:
    approve_thai_first_half(case_world, programme)
    worker = case_world.worker
    case = case_register(
        registered_by=worker,
        organisation=worker.organisation,
        intake="hotline",
        exploitation="online_abuse",
        opened_on=date(2017, 2, 1),
        child_role="victim",
        case_worker=worker,
        new_child=NewChild(code="TH-K-92", sex="male", birth_year_estimated=2007),
    )
    assert case.person.roles.get().start == date(2017, 2, 1)
    assert not Correction.objects.exists()


def test_a_back_dated_case_reaching_the_household_s_approved_services_asks_a_reason(
    case_world: CaseWorld, programme: Programme, client_for
) -> None:
    worker, supervisor = case_world.worker, case_world.supervisor
    child = person_save(saved_by=worker, organisation=worker.organisation, code="TH-K-93", sex="female")
    household = household_save(saved_by=worker, organisation=worker.organisation, code="TH-H-93", members=[child])
    service_save(
        saved_by=worker,
        organisation=worker.organisation,
        kind="home_visit",
        start=date(2017, 4, 3),
        household=household,
    )
    approve_thai_first_half(case_world, programme)
    manager = client_for(case_world.programme_manager)
    before = thai_figure(manager, "OUT-4")  # families of victims supported

    def register(reason: str = "") -> Case:
        return case_register(
            registered_by=supervisor,
            organisation=supervisor.organisation,
            intake="outreach",
            exploitation="child_sex_tourism",
            opened_on=date(2017, 3, 1),
            child_role="victim",
            case_worker=worker,
            person=child,
            correction_reason=reason,
        )

    with pytest.raises(ValidationError) as refused:
        register()
    assert "2017-H1" in refused.value.message_dict[CORRECTION_FIELD][0]
    assert thai_figure(manager, "OUT-4") == before
    register(CORRECTION)
    assert thai_figure(manager, "OUT-4") == before + 1
    assert Correction.objects.get().record_id == child.public_id


def test_granting_a_back_dated_request_asks_the_supervisor_for_the_reason(
    case_world: CaseWorld, programme: Programme, client_for
) -> None:
    worker = case_world.worker
    child = child_back_in_school(case_world, "TH-K-94")
    approve_thai_first_half(case_world, programme)
    case_request = case_request_make(
        requested_by=worker,
        organisation=worker.organisation,
        code="TH-K-94",
        intake="outreach",
        exploitation="online_abuse",
        opened_on=date(2017, 2, 1),
        child_role="victim",
        case_worker=worker,
    )
    supervisor = client_for(case_world.supervisor)
    page = reverse("case_request_answer", kwargs={"request_id": case_request.public_id})
    assert 'name="correction_reason"' not in supervisor.get(page).content.decode()

    refused = supervisor.post(page, {"grant": "yes", "note": "Synthetic note."})

    assert refused.status_code == 200
    assert "The figures of 2017-H1 are approved" in refused.content.decode()
    assert 'name="correction_reason"' in refused.content.decode()
    assert "Synthetic note." in refused.content.decode()
    assert not Case.objects.filter(person=child).exists()
    granted = supervisor.post(page, {"grant": "yes", "note": "", "correction_reason": CORRECTION})
    assert granted.status_code == 302
    assert Case.objects.filter(person=child).exists()
    assert Correction.objects.get().reason == CORRECTION


def test_a_service_within_a_case_in_an_approved_half_year_asks_a_reason(
    case_world: CaseWorld, programme: Programme, client_for
) -> None:
    approve_thai_first_half(case_world, programme)
    manager = client_for(case_world.programme_manager)
    before = thai_figure(manager, "CARE-2")
    worker = client_for(case_world.worker)
    page = reverse("case_service_add", args=[case_world.case.public_id])
    form = {"kind": "vocational_training", "start": "2017-05-02"}

    refused = worker.post(page, form)

    assert refused.status_code == 200
    assert "The figures of 2017-H1 are approved" in refused.content.decode()
    assert thai_figure(manager, "CARE-2") == before
    assert worker.post(page, {**form, "correction_reason": CORRECTION}).status_code == 302
    assert thai_figure(manager, "CARE-2") == before + 1
    assert Correction.objects.get().record_kind == "service"


@pytest.fixture
def steps(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """The record kind and id of every change that completed the approved-period step."""
    completed: list[tuple[str, str]] = []
    done = ApprovedPeriodChange.done

    def record(change: ApprovedPeriodChange, record_id: str) -> None:
        completed.append((change.record_kind, record_id))
        done(change, record_id)

    monkeypatch.setattr(ApprovedPeriodChange, "done", record)
    return completed


def test_every_case_write_of_counted_records_passes_the_change_step(
    case_world: CaseWorld, steps: list[tuple[str, str]]
) -> None:
    """Registering (a new child or a registered one, directly or by a granted request), services within a case,
    and erasures on request or on the retention schedule."""
    worker, supervisor = case_world.worker, case_world.supervisor
    organisation = worker.organisation

    def open_case(registered_by: User, **child: Any) -> Case:
        return case_register(
            registered_by=registered_by,
            organisation=organisation,
            intake="outreach",
            exploitation="online_abuse",
            opened_on=date(2017, 2, 1),
            child_role="victim",
            case_worker=worker,
            **child,
        )

    def registered(code: str) -> Person:
        return person_save(saved_by=worker, organisation=organisation, code=code, sex="female")

    new = open_case(worker, new_child=NewChild(code="TH-K-95", sex="male"))
    assert ("person", new.person.public_id) in steps
    known = registered("TH-K-96")
    open_case(supervisor, person=known)
    assert steps.count(("person", known.public_id)) == 2  # its record, then its role
    requested = registered("TH-K-97")
    case_request = case_request_make(
        requested_by=worker,
        organisation=organisation,
        code="TH-K-97",
        intake="outreach",
        exploitation="online_abuse",
        opened_on=date(2017, 2, 1),
        child_role="victim",
        case_worker=worker,
    )
    case_request_answer(case_request=case_request, answered_by=supervisor, grant=True)
    assert steps.count(("person", requested.public_id)) == 2
    service = case_service_add(case=new, added_by=worker, kind="shelter", start=date(2017, 2, 3))
    assert ("service", service.public_id) in steps
    person_erase(person=known, erased_by=case_world.system_administrator, reason="Court order 4")
    assert steps.count(("person", known.public_id)) == 3
    forgotten = registered("TH-K-98")  # no case: erased ten years after their last record
    purge = retention_apply(today=date(2060, 1, 1))
    assert forgotten.public_id in purge.people
    assert all(("person", erased) in steps for erased in purge.people)
