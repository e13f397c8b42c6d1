"""The worked examples of docs/api.md, as a partner's app and a BI tool would run them."""

from __future__ import annotations

import csv
import io

from sahay.records.models import Participation

API = "/api/"


def test_push_an_activity_with_its_participants(programme, organisations, role_users, token_client) -> None:
    app = token_client(role_users.partner_staff)
    organisation = app.get(API + "organisations/").json()["results"][0]["id"]
    assert organisation == organisations.partners["TH"].pk
    for code in ("TH-0917", "TH-0918"):
        person = {"organisation": organisation, "code": code, "sex": "female", "birth_year_estimated": 2009}
        created = app.post(API + "people/", person, format="json", HTTP_IDEMPOTENCY_KEY=f"person-{code}")
        assert created.status_code == 201, created.json()
    session = {
        "organisation": organisation,
        "kind": "awareness_session",
        "title": "Safe internet",
        "date": "2017-03-01",
    }
    activity = app.post(API + "activities/", session, format="json", HTTP_IDEMPOTENCY_KEY="session-1").json()
    attendance = {
        "activity": activity["public_id"],
        "participants": [{"person_code": "TH-0917"}, {"person_code": "TH-0918", "attended": False}],
    }
    pushed = app.post(API + "participations/bulk/", attendance, format="json", HTTP_IDEMPOTENCY_KEY="attendance-1")
    assert pushed.status_code == 201, pushed.json()
    # The app's connection drops and it sends the same request again: nothing is recorded twice.
    again = app.post(API + "participations/bulk/", attendance, format="json", HTTP_IDEMPOTENCY_KEY="attendance-1")
    assert again.status_code == 201
    recorded = Participation.objects.filter(activity__public_id=activity["public_id"])
    assert sorted(recorded.values_list("person__code", "attended")) == [("TH-0917", True), ("TH-0918", False)]
    listed = app.get(API + f"activities/{activity['public_id']}/").json()
    assert listed["participant_count"] == 2


def test_a_bulk_push_with_a_bad_row_records_nobody(programme, organisations, role_users, token_client) -> None:
    app = token_client(role_users.partner_staff)
    organisation = organisations.partners["TH"].pk
    app.post(API + "people/", {"organisation": organisation, "code": "TH-1", "sex": "male"}, format="json")
    session = {"organisation": organisation, "kind": "awareness_session", "title": "Session", "date": "2017-03-01"}
    activity = app.post(API + "activities/", session, format="json").json()
    attendance = {"activity": activity["public_id"], "participants": [{"person_code": "TH-1"}, {"person_code": "NOPE"}]}
    refused = app.post(API + "participations/bulk/", attendance, format="json")
    assert refused.status_code == 400
    assert "1" in refused.json()["participants"]
    assert not Participation.objects.exists()


def test_pull_figures_for_a_period_as_csv(entered_programme, role_users, token_client) -> None:
    bi_tool = token_client(role_users.me_officer)
    response = bi_tool.get(API + "figures/", {"period": "2017-H1", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))  # with a BOM, for Excel
    assert rows, "no figures"
    assert {"indicator", "place", "period", "window", "disaggregation", "value", "display"} <= set(rows[0])
    assert {row["period"] for row in rows} == {"2017-H1"}
    json_rows = bi_tool.get(API + "figures/", {"period": "2017-H1", "page_size": 500}).json()
    assert json_rows["count"] == len(rows)
