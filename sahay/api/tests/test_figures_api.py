"""Figures, DHIS2 and reports through the API: the same figures the pages give out, narrowed by the token."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from sahay.api.models import ApiToken
from sahay.audit.models import AuditAction, AuditEntry
from sahay.core.models import Country
from sahay.exports.tests.conftest import World, approve_report
from sahay.exports.tests.helpers import read_csv
from sahay.records.services import activity_save
from sahay.reports.models import Report

pytestmark = pytest.mark.django_db

VICTIM_INDICATOR = "JUST-1"  # victims who received legal aid: about victims, so small counts are suppressed


@pytest.fixture
def world(programme: Any, role_users: Any, organisations: Any) -> World:
    """Victims with legal aid (2 in Thailand: a small count) and meetings of two Thai partners."""
    made = World(role_users.me_officer, organisations)
    for partner, victims in (("TH", 2), ("NP", 7)):
        for _number in range(victims):
            made.legal_aid(made.person(organisations.partners[partner], victim=True))
    for partner, count in (("TH", 2), ("TH2", 3)):
        for number in range(count):
            activity_save(
                saved_by=role_users.me_officer,
                organisation=organisations.partners[partner],
                kind="community_meeting",
                title=f"Meeting {number}",
                date=date(2017, 3, 1),
            )
    return made


def pull(client: Any, *periods: str, **params: str) -> Any:
    return client.get(reverse("api_figures"), {"period": list(periods) or ["2017-H1"], "page_size": "500", **params})


def rows_of(response: Any) -> list[dict[str, Any]]:
    """Every row of the answer, page after page."""
    rows: list[dict[str, Any]] = []
    while True:
        assert response.status_code == 200, response.content[:500]
        body = response.json()
        rows += body["results"]
        if body["next"] is None:
            assert len(rows) == body["count"]
            return rows
        response = response.client.get(body["next"])


def places(rows: list[dict[str, Any]]) -> set[str]:
    return {row["place"] for row in rows}


def page_export(client: Any, period: str = "2017-H1", view: str = "period") -> dict[tuple[str, str, str], str]:
    response = client.get(reverse("export_figures"), {"period": period, "view": view, "format": "csv"})
    assert response.status_code == 200
    return {(row["indicator code"], row["place"], row["split"]): row["value"] for row in read_csv(response.content)}


def as_page_shows(row: dict[str, Any]) -> str:
    return str(row["display"] if row["suppressed"] else row["value"])


def same_figure(api: str, page: str) -> bool:
    try:
        return Decimal(api) == Decimal(page)
    except ArithmeticError:
        return api == page


# --- /api/figures/ ---------------------------------------------------------------------------------------


def test_a_donor_gets_exactly_the_published_figures_of_the_approved_report_never_a_suppressed_count(
    world: World, programme: Any, role_users: Any, token_client: Any, client_for: Any
) -> None:
    donor = token_client(role_users.donor_viewer)
    assert rows_of(pull(donor, "2017-H1")) == []  # nothing is approved yet: an empty list, not an error
    approve_report(programme, "2017-H1", role_users.programme_manager)

    rows = rows_of(pull(donor, "2017-H1"))

    page = page_export(client_for(role_users.donor_viewer))
    assert {(row["indicator"], row["place"], row["disaggregation"]) for row in rows} == set(page)
    for row in rows:
        assert same_figure(as_page_shows(row), page[(row["indicator"], row["place"], row["disaggregation"])]), row
    suppressed = [row for row in rows if row["suppressed"]]
    assert any(row["indicator"] == VICTIM_INDICATOR and row["place"] == "TH" for row in suppressed)
    for row in suppressed:
        assert row["value"] is None and row["display"] in {"<5", "x"}, row
    victims = set(programme.indicators.filter(about_victims=True).values_list("code", flat=True))
    for row in rows:
        if row["indicator"] in victims and not row["suppressed"]:
            assert row["value"] not in {1, 2, 3, 4}, row
    assert rows_of(pull(donor, "2017-H2")) == []  # no approved report for that half year


def test_a_nepali_coordinators_figures_are_only_nepals(world: World, role_users: Any, token_client: Any) -> None:
    rows = rows_of(pull(token_client(role_users.country_coordinator)))
    assert rows and places(rows) == {"NP"}


def test_a_country_limited_token_of_a_programme_manager_gets_no_programme_totals(
    world: World, role_users: Any, token_client: Any
) -> None:
    manager = role_users.programme_manager
    assert "programme" in places(rows_of(pull(token_client(manager))))
    limited = token_client(manager, countries=[Country.objects.get(code="TH")])
    assert places(rows_of(pull(limited))) == {"TH"}


def test_organisation_figures_go_only_to_the_partner_itself(
    world: World, programme: Any, organisations: Any, role_users: Any, token_client: Any
) -> None:
    """An organisation's own figures beside its country's could be subtracted: as on the export page, only
    the partner gets them. Others' tokens limited to organisations get no figures."""
    partner = organisations.partners["TH"]
    assert rows_of(pull(token_client(role_users.programme_manager, organisations=[partner]))) == []
    own = rows_of(pull(token_client(role_users.partner_staff, organisations=[partner])))
    assert places(own) == {"TH"} and {row["organisation"] for row in own} == {partner.name}
    [meetings] = [row for row in own if row["indicator"] == "OUT-1" and row["disaggregation"] == "total"]
    assert meetings["value"] == 2  # its own two meetings, not Thailand's five
    approve_report(programme, "2017-H1", role_users.programme_manager)
    assert rows_of(pull(token_client(role_users.donor_viewer, organisations=[partner]))) == []


def test_a_partner_gets_its_own_figures_as_on_the_export_page(
    world: World, role_users: Any, token_client: Any, client_for: Any
) -> None:
    rows = rows_of(pull(token_client(role_users.partner_staff)))
    page = page_export(client_for(role_users.partner_staff))
    assert {(row["indicator"], row["place"], row["disaggregation"]): as_page_shows(row) for row in rows} == page


def test_the_csv_has_a_header_and_one_row_per_figure(world: World, role_users: Any, token_client: Any) -> None:
    client = token_client(role_users.programme_manager)
    figures = pull(client, window="cumulative").json()
    response = pull(client, window="cumulative", format="csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == [
        "indicator",
        "indicator_name",
        "place",
        "organisation",
        "period",
        "window",
        "disaggregation",
        "value",
        "display",
        "suppressed",
    ]
    assert len(lines) - 1 == figures["count"] > 0
    assert {line[5] for line in lines[1:]} == {"cumulative"}


def test_several_half_years_come_in_one_answer(world: World, role_users: Any, token_client: Any) -> None:
    rows = rows_of(pull(token_client(role_users.programme_manager), "2017-H2", "2017-H1"))
    assert [row["period"] for row in rows] == sorted(row["period"] for row in rows)
    assert {row["period"] for row in rows} == {"2017-H1", "2017-H2"}


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({}, "period"),
        ({"period": "2017-H3"}, "period"),
        ({"period": "2017"}, "period"),
        ({"period": "2031-H1"}, "period"),
        ({"period": ["2017-H1"] * 13}, "period"),
        ({"period": "2017-H1", "window": "forever"}, "window"),
        ({"period": "2017-H1", "format": "xml"}, "format"),
        ({"period": "2017-H1", "page": "99"}, "page"),
    ],
)
def test_a_bad_parameter_is_a_400_that_names_it(
    programme: Any, role_users: Any, token_client: Any, params: dict[str, Any], named: str
) -> None:
    response = token_client(role_users.programme_manager).get(reverse("api_figures"), params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert named in response.json()


def test_a_bad_parameter_with_csv_asked_is_still_json(programme: Any, role_users: Any, token_client: Any) -> None:
    response = token_client(role_users.programme_manager).get(reverse("api_figures"), {"format": "csv"})
    assert response.status_code == 400 and "period" in response.json()


def test_every_pull_is_audited_as_a_figures_export(world: World, role_users: Any, token_client: Any) -> None:
    rows = rows_of(pull(token_client(role_users.country_coordinator)))
    entry = AuditEntry.objects.filter(action=AuditAction.EXPORT, target_kind="figures").latest("position")
    assert entry.actor == role_users.country_coordinator
    assert entry.detail["format"] == "json" and entry.detail["rows"] == len(rows)
    assert entry.detail["period"] == "2017-H1"


def test_roles_without_figure_rights_are_refused(programme: Any, role_users: Any, token_client: Any) -> None:
    client = token_client(role_users.system_administrator, access=ApiToken.Access.READ)
    assert client.get(reverse("api_figures"), {"period": "2017-H1"}).status_code == 403
    assert client.get(reverse("api_dhis2"), {"period": "2017-H1"}).status_code == 403


# --- /api/dhis2/data-value-sets/ --------------------------------------------------------------------------


def test_dhis2_values_are_the_shown_figures_of_the_callers_places(
    world: World, role_users: Any, token_client: Any
) -> None:
    response = token_client(role_users.programme_manager).get(reverse("api_dhis2"), {"period": "2017-H1"})
    assert response.status_code == 200, response.content[:500]
    payload = response.json()
    values = payload["dataValues"]
    assert values and {value["period"] for value in values} == {"2017S1"}
    rows = rows_of(pull(token_client(role_users.programme_manager)))
    [th_victims] = [r for r in rows if (r["indicator"], r["place"], r["disaggregation"]) == ("JUST-1", "TH", "total")]
    assert th_victims["suppressed"]
    assert not [
        value for value in values if value["dataElement"] == "DEJUST1T000" and value["orgUnit"] == "OUcountryTH"
    ]
    assert all(isinstance(value["value"], str) for value in values)

    coordinator = token_client(role_users.country_coordinator).get(reverse("api_dhis2"), {"period": "2017-H1"})
    assert {value["orgUnit"] for value in coordinator.json()["dataValues"]} == {"OUcountryNP"}


def test_a_partners_own_figures_never_go_to_its_countrys_org_unit(
    world: World, role_users: Any, token_client: Any
) -> None:
    response = token_client(role_users.partner_staff).get(reverse("api_dhis2"), {"period": "2017-H1"})
    assert response.status_code == 200 and response.json()["dataValues"] == []


def test_dhis2_with_a_broken_server_mapping_says_so(
    programme: Any, role_users: Any, token_client: Any, settings: Any, tmp_path: Any
) -> None:
    broken = tmp_path / "mapping.yaml"
    broken.write_text("orgUnits: {programme: OUprogramme}\ndataElements: []\n", encoding="utf-8")
    settings.SAHAY_DHIS2_MAPPING = str(broken)
    response = token_client(role_users.programme_manager).get(reverse("api_dhis2"), {"period": "2017-H1"})
    assert response.status_code == 503
    assert "dataElements" in response.json()["detail"]


# --- /api/reports/ -----------------------------------------------------------------------------------------


def test_reports_are_those_of_the_reports_page_with_links_to_their_files(
    programme: Any, role_users: Any, token_client: Any
) -> None:
    manager = role_users.programme_manager
    approved = approve_report(programme, "2017-H1", manager)
    nepal = Country.objects.get(code="NP")
    draft = Report.objects.create(programme=programme, country=nepal, period_code="2017-H2", created_by=manager)

    donor = token_client(role_users.donor_viewer).get("/api/reports/").json()
    assert [report["id"] for report in donor["results"]] == [approved.pk]
    [shown] = donor["results"]
    assert shown["programme"] == programme.code and shown["country"] is None and shown["status"] == "approved"
    formats = {link["format"]: link["url"] for link in shown["files"]}
    assert formats["pdf"] == "http://testserver" + reverse("report_download", args=[approved.pk, "pdf"])
    assert set(formats) == {"html", "pdf", "docx", "xlsx"}

    coordinator = token_client(role_users.country_coordinator).get("/api/reports/").json()
    assert [report["id"] for report in coordinator["results"]] == [draft.pk]
    limited = token_client(manager, countries=[nepal]).get("/api/reports/").json()
    assert [report["id"] for report in limited["results"]] == [draft.pk]
    assert token_client(manager).get(f"/api/reports/{approved.pk}/").json()["period_code"] == "2017-H1"
    assert token_client(role_users.donor_viewer).get(f"/api/reports/{draft.pk}/").status_code == 404
    assert token_client(manager, countries=[nepal]).get(f"/api/reports/{approved.pk}/").status_code == 404
    assert token_client(manager).get("/api/reports/99999999999999999/").status_code == 404
