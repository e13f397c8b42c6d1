"""The imports endpoints start the import pages' own job, with the pages' rights, form checks and privacy."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from sahay.api.models import ApiToken
from sahay.api.tests.conftest import TokenClient
from sahay.imports.tests.helpers import csv_bytes, template_rows
from sahay.jobs.models import Job
from sahay.records.models import Person

IMPORTS = "/api/imports/"


def people_file() -> bytes:
    return csv_bytes(template_rows("people"))


def bad_people_file() -> bytes:
    header = ["Code", "Sex", "Date of birth", "Estimated year of birth"]
    return csv_bytes([header, ["A1", "female", "31-02-2017", ""], ["A2", "alien", "2017-03-31", ""]])


def upload(client: APIClient, data: bytes, name: str = "people.csv", **fields: Any) -> Any:
    body = {"kind": "people", "file": SimpleUploadedFile(name, data, content_type="text/csv"), **fields}
    return client.post(IMPORTS, body, format="multipart")


def test_a_partner_imports_a_file_and_follows_the_job(role_users, token_client: TokenClient) -> None:
    client = token_client(role_users.partner_staff)
    response = upload(client, people_file())
    assert response.status_code == 202, response.json()
    job = response.json()
    assert {"id", "kind", "status", "progress_done", "progress_total", "message", "created_at", "finished_at"} <= set(
        job
    )
    assert (job["kind"], job["status"]) == ("people", "done")
    assert job["result"]["created"] == 1 and job["result"]["ok"] is True
    assert job["errors"] == []
    assert job["url"].endswith(f"{IMPORTS}{job['id']}/")
    assert response.headers["Location"] == job["url"]
    assert Person.objects.filter(organisation=role_users.partner_staff.organisation).count() == 1

    followed = client.get(f"{IMPORTS}{job['id']}/")
    assert followed.status_code == 200
    assert followed.json()["status"] == "done"
    assert followed.json()["message"] == job["message"]
    listed = client.get(IMPORTS).json()["results"]
    assert [row["id"] for row in listed] == [job["id"]]


def test_a_file_with_wrong_rows_writes_nothing_and_shows_the_problems(role_users, token_client: TokenClient) -> None:
    client = token_client(role_users.partner_staff)
    response = upload(client, bad_people_file())
    assert response.status_code == 202
    job = client.get(f"{IMPORTS}{response.json()['id']}/").json()
    assert job["status"] == "failed"
    assert job["result"]["error_count"] == 2 and job["result"]["ok"] is False
    assert [(error["row"], error["column"]) for error in job["errors"]] == [(2, "Date of birth"), (3, "Sex")]
    assert all(set(error) == {"row", "column", "message"} and error["message"] for error in job["errors"])
    assert Person.objects.count() == 0


def test_a_dry_run_checks_and_writes_nothing(role_users, token_client: TokenClient) -> None:
    response = upload(token_client(role_users.partner_staff), people_file(), dry_run="true")
    assert response.status_code == 202
    assert response.json()["result"]["dry_run"] is True and response.json()["result"]["created"] == 1
    assert Person.objects.count() == 0


def test_another_users_import_is_a_404(role_users, organisations, make_user, token_client: TokenClient) -> None:
    job_id = upload(token_client(role_users.partner_staff), people_file()).json()["id"]
    colleague = make_user("partner_staff", organisation=organisations.partners["TH"])
    other = token_client(colleague)
    assert other.get(f"{IMPORTS}{job_id}/").status_code == 404
    assert other.get(IMPORTS).json()["results"] == []
    assert token_client(role_users.me_officer).get(f"{IMPORTS}{job_id}/").status_code == 404
    assert token_client(colleague).get(f"{IMPORTS}not-a-number/").status_code == 404
    assert token_client(colleague).get(f"{IMPORTS}{10**30}/").status_code == 404


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "no-such-kind"}, "kind"),
        ({"kind": ""}, "kind"),
        ({"file": ""}, "file"),
        ({"organisation": "999999"}, "organisation"),
        ({"organisation": str(10**30)}, "organisation"),
        ({"organisation": "not a number"}, "organisation"),
    ],
)
def test_a_wrong_upload_is_a_400_naming_the_field(
    fields: dict[str, str], field: str, role_users, token_client: TokenClient
) -> None:
    client = token_client(role_users.partner_staff)
    body: dict[str, Any] = {"kind": "people", "file": SimpleUploadedFile("p.csv", people_file()), **fields}
    if not body["file"]:
        del body["file"]
    response = client.post(IMPORTS, body, format="multipart")
    assert response.status_code == 400
    assert field in response.json()
    assert Job.objects.count() == 0 and Person.objects.count() == 0


def test_a_file_over_the_limit_is_refused(role_users, token_client: TokenClient, settings: Any) -> None:
    settings.SAHAY_IMPORT_MAX_BYTES = 100
    response = upload(token_client(role_users.partner_staff), b"Code\r\n" + b"A\r\n" * 100)
    assert response.status_code == 400
    assert "file" in response.json()
    assert Job.objects.count() == 0


def test_not_multipart_is_refused(role_users, token_client: TokenClient) -> None:
    response = token_client(role_users.partner_staff).post(IMPORTS, {"kind": "people"}, format="json")
    assert response.status_code == 415
    assert Job.objects.count() == 0


def test_staff_of_several_organisations_name_one(role_users, organisations, token_client: TokenClient) -> None:
    client = token_client(role_users.me_officer)
    assert "organisation" in upload(client, people_file()).json()
    response = upload(client, people_file(), organisation=str(organisations.partners["NP"].pk))
    assert response.status_code == 202
    assert Person.objects.get().organisation == organisations.partners["NP"]
    # ... within the token's limit.
    limited = token_client(role_users.me_officer, organisations=[organisations.partners["TH"]])
    refused = upload(limited, people_file(), organisation=str(organisations.partners["NP"].pk))
    assert refused.status_code == 400 and "organisation" in refused.json()
    assert limited.get(IMPORTS).json()["results"] == []


def test_the_rights_of_the_import_pages(role_users, token_client: TokenClient) -> None:
    # The programme manager records nothing: no import page, no import endpoint.
    manager = token_client(role_users.programme_manager)
    assert manager.get(IMPORTS).status_code == 403
    assert upload(manager, people_file()).status_code == 403
    # A read-only token follows imports but starts none.
    read_only = token_client(role_users.partner_staff, access=ApiToken.Access.READ)
    assert read_only.get(IMPORTS).status_code == 200
    assert upload(read_only, people_file()).status_code == 403
    assert Job.objects.count() == 0
