"""Regressions found by review: each a way the API answered more, or differently, than it should."""

from __future__ import annotations

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from sahay.accounts.models import User
from sahay.api.models import ApiToken
from sahay.audit.models import AuditAction, AuditEntry
from sahay.cases.models import Case
from sahay.cases.services.care import case_service_add
from sahay.cases.services.cases import NewChild, case_register
from sahay.core.models import Country
from sahay.imports.tests.helpers import csv_bytes, template_rows
from sahay.jobs.models import Job
from sahay.records.models import Person, Service

PEOPLE = "/api/people/"


def a_case(worker: User, code: str) -> Case:
    """A case of the worker's organisation for a new (synthetic) child, with the worker as its case worker."""
    return case_register(
        registered_by=worker,
        organisation=worker.organisation,
        intake=Case.Intake.HOTLINE,
        exploitation=Case.Exploitation.ONLINE_ABUSE,
        opened_on=date(2017, 2, 1),
        child_role="victim",
        case_worker=worker,
        new_child=NewChild(code=code, sex="female", birth_year_estimated=2008),
    )


def test_a_service_given_within_a_case_is_not_changed_by_someone_outside_the_case(
    programme, organisations, role_users, make_user, token_client
) -> None:
    partner = organisations.partners["TH"]
    worker = make_user("case_worker", organisation=partner)
    case = a_case(worker, "TH-C-9")
    service = case_service_add(
        case=case, added_by=worker, kind="shelter", start=date(2017, 2, 2), provider="Synthetic shelter"
    )
    other = Person.objects.create(organisation=partner, country=partner.country, code="OTHER", sex="male")
    client = token_client(role_users.partner_staff)
    changed = client.patch(f"/api/services/{service.public_id}/", {"start": "2017-03-05"}, format="json")
    moved = client.patch(f"/api/services/{service.public_id}/", {"person": other.public_id}, format="json")
    assert (changed.status_code, moved.status_code) == (400, 400)
    service.refresh_from_db()
    assert (service.start, service.person_id, service.provider) == (
        date(2017, 2, 2),
        case.person_id,
        "Synthetic shelter",
    )


def test_a_case_service_changed_by_its_worker_is_audited_on_the_case(programme, organisations, make_user) -> None:
    from sahay.records.services import service_save

    partner = organisations.partners["TH"]
    worker = make_user("case_worker", organisation=partner)
    case = a_case(worker, "TH-C-10")
    service = case_service_add(case=case, added_by=worker, kind="shelter", start=date(2017, 2, 2))
    before = AuditEntry.objects.filter(action=AuditAction.CASE_CHANGED, target_id=case.public_id).count()
    service_save(
        saved_by=worker,
        organisation=partner,
        kind="shelter",
        start=date(2017, 2, 2),
        end=date(2017, 3, 1),
        person=case.person,
        service=service,
    )
    assert Service.objects.get(pk=service.pk).end == date(2017, 3, 1)
    after = AuditEntry.objects.filter(action=AuditAction.CASE_CHANGED, target_id=case.public_id).count()
    assert after == before + 1


def test_deeply_nested_json_is_a_400_not_a_500(programme, organisations, role_users, token_client) -> None:
    client = token_client(role_users.partner_staff)
    body = "[" * 5000 + "]" * 5000
    for url in (PEOPLE, "/api/participations/bulk/"):
        assert client.post(url, body, content_type="application/json").status_code == 400


def test_an_answer_kept_for_one_token_is_not_given_to_another(programme, organisations, role_users, token_client):
    """A token limited to Nepal must not get, by replaying a key, what a wider token of its owner wrote."""
    wide = token_client(role_users.me_officer)
    narrow = token_client(role_users.me_officer, countries=[Country.objects.get(code="NP")])
    body = {"organisation": organisations.partners["TH"].pk, "code": "TH-9", "sex": "female"}
    assert wide.post(PEOPLE, body, format="json", HTTP_IDEMPOTENCY_KEY="k1").status_code == 201
    replayed = narrow.post(PEOPLE, body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert replayed.status_code == 422
    assert "TH-9" not in replayed.content.decode()


def test_an_upload_with_other_content_under_the_same_key_is_another_request(
    programme, organisations, role_users, token_client
) -> None:
    client = token_client(role_users.partner_staff)
    data = csv_bytes(template_rows("people"))

    def upload(dry_run: str):
        return client.post(
            "/api/imports/",
            {"kind": "people", "dry_run": dry_run, "file": SimpleUploadedFile("people.csv", data, "text/csv")},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="imp-1",
        )

    assert upload("true").status_code == 202
    assert upload("false").status_code == 422
    assert upload("true").headers.get("Idempotent-Replayed") == "true"
    assert Job.objects.count() == 1


def test_a_person_takes_a_bounded_number_of_roles_at_once(programme, organisations, role_users, token_client) -> None:
    roles = [{"role": "community_member", "start": "2017-01-01"}] * 1000
    body = {"organisation": organisations.partners["TH"].pk, "code": "TH-R", "sex": "female", "roles": roles}
    response = token_client(role_users.partner_staff).post(PEOPLE, body, format="json")
    assert response.status_code == 400
    assert "roles" in response.json()
    assert not Person.objects.filter(code="TH-R").exists()


def test_an_organisation_limited_token_of_country_staff_gets_no_organisation_figures(
    entered_programme, organisations, role_users, token_client
) -> None:
    """An organisation's own figures beside its country's could be subtracted: only a partner gets its own."""
    limited = token_client(role_users.programme_manager, organisations=[organisations.partners["NP"]])
    assert limited.token.access == ApiToken.Access.READ
    rows = limited.get("/api/figures/", {"period": "2017-H1"}).json()
    assert rows["count"] == 0
