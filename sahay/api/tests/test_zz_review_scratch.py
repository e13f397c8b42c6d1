pytest_plugins = []

import json
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sahay.api.models import IdempotentRequest
from sahay.imports.tests.helpers import csv_bytes, template_rows
from sahay.jobs.models import Job
from sahay.records.models import Person, AggregateReach, Activity, Service
from sahay.records.services import activity_save, reach_save, person_save, service_save

PEOPLE = "/api/people/"


def test_deep_json(programme, organisations, role_users, token_client):
    client = token_client(role_users.partner_staff)
    body = "[" * 100000 + "]" * 100000
    r = client.generic("POST", PEOPLE, body, content_type="application/json")
    print("deep json", r.status_code, r.content[:200])
    assert r.status_code < 500


def test_multipart_key_reuse_dry_run(programme, organisations, role_users, token_client):
    client = token_client(role_users.partner_staff)
    data = csv_bytes(template_rows("people"))
    def up(dry):
        body = {"kind": "people", "dry_run": dry, "file": SimpleUploadedFile("people.csv", data, content_type="text/csv")}
        return client.post("/api/imports/", body, format="multipart", HTTP_IDEMPOTENCY_KEY="imp-1")
    a = up("1")
    b = up("0")
    print(a.status_code, a.json()["dry_run"], a.json()["id"], b.status_code, b.headers.get("Idempotent-Replayed"), b.json()["dry_run"], b.json()["id"])
    print("jobs", Job.objects.count(), "people", Person.objects.count())
    assert b.status_code == 422


def test_multipart_key_reuse_other_file_same_size(programme, organisations, role_users, token_client):
    client = token_client(role_users.partner_staff)
    rows = template_rows("people")
    data1 = csv_bytes(rows)
    data2 = data1.replace(b"female", b"femalf") if b"female" in data1 else bytes(reversed(data1))
    assert len(data1) == len(data2) and data1 != data2
    def up(d):
        body = {"kind": "people", "file": SimpleUploadedFile("people.csv", d, content_type="text/csv")}
        return client.post("/api/imports/", body, format="multipart", HTTP_IDEMPOTENCY_KEY="imp-2")
    a = up(data1); b = up(data2)
    print(a.status_code, b.status_code, b.headers.get("Idempotent-Replayed"))


def test_replay_across_token_limits(programme, organisations, role_users, token_client):
    me = role_users.me_officer  # all scope, records
    wide = token_client(me)
    narrow = token_client(me, countries=[organisations.partners["NP"].country])
    body = {"organisation": organisations.partners["TH"].pk, "code": "X-1", "sex": "female", "birth_year_estimated": 2008}
    # narrow alone is refused
    refused = narrow.post(PEOPLE, {**body, "code": "X-0"}, format="json")
    print("narrow alone", refused.status_code, refused.json())
    a = wide.post(PEOPLE, body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    b = narrow.post(PEOPLE, body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    print("wide", a.status_code, "narrow replay", b.status_code, b.json())


def test_huge_numbers(programme, organisations, role_users, token_client):
    staff = role_users.partner_staff
    client = token_client(staff)
    partner = organisations.partners["TH"]
    act = activity_save(saved_by=staff, organisation=partner, kind=Activity.Kind.AWARENESS_SESSION, title="t", date=date(2017, 3, 1))
    r = client.post("/api/aggregate-reach/", {"activity": act.public_id, "audience": "children", "estimate": 10**20}, format="json")
    print("reach create huge", r.status_code, r.content[:300])
    reach = reach_save(saved_by=staff, activity=act, audience="adults", estimate=4)
    r = client.patch(f"/api/aggregate-reach/{reach.pk}/", {"estimate": 10**20}, format="json")
    print("reach patch huge", r.status_code, r.content[:300])
    r = client.get("/api/people/?organisation=99999999999999999999")
    print("people org filter huge", r.status_code, r.content[:200])
    r = client.get("/api/participations/999999999999999999/")
    print("participation huge", r.status_code)
    r = client.post(PEOPLE, {"organisation": partner.pk, "code": "H", "sex": "female", "area": 10**30}, format="json")
    print("area huge", r.status_code, r.content[:200])
    r = client.post(PEOPLE, {"organisation": "9" * 30, "code": "H", "sex": "female"}, format="json")
    print("org str huge", r.status_code, r.content[:200])
    r = client.post(PEOPLE, {"organisation": 1.5, "code": "H", "sex": "female"}, format="json")
    print("org float", r.status_code, r.content[:200])
    r = client.post(PEOPLE, {"organisation": [1], "code": "H", "sex": "female"}, format="json")
    print("org list", r.status_code, r.content[:200])
    r = client.post(PEOPLE, {"organisation": {"a": 1}, "code": "H", "sex": "female"}, format="json")
    print("org dict", r.status_code, r.content[:200])
    r = client.post(PEOPLE, [1, 2], format="json")
    print("list body", r.status_code, r.content[:200])
    r = client.post("/api/participations/bulk/", {"activity": act.public_id, "participants": [1, "x", None]}, format="json")
    print("bulk junk rows", r.status_code, r.content[:300])
    r = client.post("/api/participations/bulk/", {"activity": act.public_id, "participants": {"a": 1}}, format="json")
    print("bulk dict", r.status_code, r.content[:300])
    r = client.post("/api/participations/", {"activity": act.public_id, "person": ["x"]}, format="json")
    print("participation person list", r.status_code, r.content[:300])
    r = client.post("/api/activities/", {"organisation": partner.pk, "kind": "awareness_session", "title": "x", "date": "0001-01-01", "end_date": "9999-12-31"}, format="json")
    print("activity extreme dates", r.status_code, r.content[:300])
    r = client.post("/api/services/", {"organisation": partner.pk, "kind": "livelihood", "start": "0001-01-01", "end": "9999-12-31", "person": Person.objects.first().public_id if Person.objects.exists() else None}, format="json")
    print("service extreme dates", r.status_code, r.content[:300])
    p = person_save(saved_by=staff, organisation=partner, code="Z", sex="female")
    r = client.post("/api/services/", {"organisation": partner.pk, "kind": "livelihood", "start": "0001-01-01", "end": "9999-12-31", "person": p.public_id}, format="json")
    print("service extreme dates person", r.status_code, r.content[:300])
    r = client.post(PEOPLE, {"organisation": partner.pk, "code": "B", "sex": "female", "birth_date": "0001-01-01"}, format="json")
    print("birth 0001", r.status_code, r.content[:300])
    r = client.post(PEOPLE, {"organisation": partner.pk, "code": "R", "sex": "female", "roles": [{"role": "victim", "start": "2017-01-01", "end": "9999-12-31"}]}, format="json")
    print("roles end 9999", r.status_code, r.content[:300])
    r = client.get("/api/activities/?date_after=0001-01-01&date_before=9999-12-31&ordering=participant_count")
    print("activity filter", r.status_code)
    r = client.get("/api/figures/?period=2017-H1&window=\x00")
    print("figures null window", r.status_code)
    r = client.get("/api/figures/?period=2017-H1&page_size=abc&page=0")
    print("figures page 0", r.status_code, r.content[:200])
    r = client.get("/api/figures/?period=" + "é" * 50)
    print("figures unicode", r.status_code, r.content[:200])
    r = client.post(PEOPLE, {"organisation": partner.pk, "code": "N\x00", "sex": "female"}, format="json")
    print("null code", r.status_code, r.content[:200])
    r = client.post(PEOPLE, {"organisation": partner.pk, "code": "N1", "sex": "female"}, format="json", HTTP_IDEMPOTENCY_KEY="a\x00b")
    print("null in key", r.status_code, r.content[:200])
