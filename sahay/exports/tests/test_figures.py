"""Figure exports: scope, approved periods for donors, suppression in both formats, audit."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from sahay.audit.models import AuditAction, AuditEntry
from sahay.exports.tests.conftest import approve_report
from sahay.exports.tests.helpers import READERS, read_csv
from sahay.frameworks.models import Programme
from sahay.records.services import activity_save

pytestmark = pytest.mark.django_db


def export(client: Any, period: str = "2017-H1", view: str = "period", file_format: str = "csv") -> Any:
    return client.get(reverse("export_figures"), {"period": period, "view": view, "format": file_format})


def places(response: Any) -> set[str]:
    assert response.status_code == 200, response.content[:500]
    return {row["place"] for row in read_csv(response.content)}


def test_programme_staff_with_all_countries_get_the_programme_total_and_every_country(
    role_users: Any, client_for: Any, programme: Programme
) -> None:
    got = places(export(client_for(role_users.programme_manager)))
    assert "programme" in got
    assert got - {"programme"} == set(programme.countries.values_list("code", flat=True))


def test_a_country_coordinator_gets_only_their_country_and_no_programme_total(
    role_users: Any, client_for: Any, programme: Programme
) -> None:
    assert places(export(client_for(role_users.country_coordinator))) == {"NP"}


def test_a_partner_gets_only_their_own_organisations_figures(
    organisations: Any, role_users: Any, client_for: Any, programme: Programme
) -> None:
    meetings = {"TH": 2, "TH2": 3}  # the partner's own, and the other Thai partner's
    for partner, count in meetings.items():
        for number in range(count):
            activity_save(
                saved_by=role_users.me_officer,
                organisation=organisations.partners[partner],
                kind="community_meeting",
                title=f"Meeting {number}",
                date=date(2017, 3, 1),
            )
    rows = read_csv(export(client_for(role_users.partner_staff)).content)
    assert {row["place"] for row in rows} == {"TH"}
    [meetings_row] = [row for row in rows if row["indicator code"] == "OUT-1" and row["split"] == "total"]
    assert meetings_row["value"] == "2"
    manager_rows = read_csv(export(client_for(role_users.programme_manager)).content)
    [thailand] = [row for row in manager_rows if row["indicator code"] == "OUT-1" and row["place"] == "TH"]
    assert thailand["value"] == "5"


def test_a_donor_gets_only_approved_periods(role_users: Any, client_for: Any, programme: Programme) -> None:
    approve_report(programme, "2017-H1", role_users.programme_manager)
    donor = client_for(role_users.donor_viewer)
    assert "programme" in places(export(donor, "2017-H1"))
    refused = export(donor, "2017-H2")
    assert refused.status_code == 200
    assert refused["Content-Type"].startswith("text/html")
    assert "No published figures for this period" in refused.content.decode()


def test_a_donor_never_gets_figures_computed_now(role_users: Any, client_for: Any, programme: Programme) -> None:
    response = export(client_for(role_users.donor_viewer), "2017-H1", file_format="xlsx")
    assert "No published figures for this period" in response.content.decode()


def test_roles_without_figure_rights_are_refused(role_users: Any, client_for: Any, programme: Programme) -> None:
    assert export(client_for(role_users.system_administrator)).status_code == 403


def test_an_unknown_period_is_not_exported(role_users: Any, client_for: Any, programme: Programme) -> None:
    response = export(client_for(role_users.programme_manager), "2031-H1")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_small_count_about_victims_is_written_as_less_than_five_never_the_number(
    world: Any, organisations: Any, role_users: Any, client_for: Any, file_format: str
) -> None:
    for _ in range(3):
        world.legal_aid(world.person(organisations.partners["NP"], victim=True))
    response = export(client_for(role_users.programme_manager), file_format=file_format)
    rows = [row for row in READERS[file_format](response.content) if row["indicator code"] == "JUST-1"]
    whole = {row["place"]: row["value"] for row in rows if row["split"] == "total"}
    assert whole["NP"] == "<5" and whole["programme"] == "<5"
    assert whole["TH"] in (0, "0")
    # All three are girls of 11: their sex and age splits would tell it, so they are withheld (issue 15, item 16).
    assert not [row for row in rows if row["place"] in ("NP", "programme") and row["split"] != "total"]
    assert all(row["value"] not in (3, "3") for row in rows)


def test_each_figure_export_writes_one_audit_entry(role_users: Any, client_for: Any, programme: Programme) -> None:
    before = AuditEntry.objects.filter(action=AuditAction.EXPORT).count()
    export(client_for(role_users.country_coordinator), "2017-H2", view="cumulative", file_format="xlsx")
    entries = list(AuditEntry.objects.filter(action=AuditAction.EXPORT).order_by("position"))
    assert len(entries) == before + 1
    entry = entries[-1]
    assert entry.actor == role_users.country_coordinator
    assert entry.target_kind == "figures"
    assert entry.detail["period"] == "2017-H2"
    assert entry.detail["format"] == "xlsx"
    assert entry.detail["window"] == "cumulative"


def test_the_xlsx_header_is_bold_and_frozen(role_users: Any, client_for: Any, programme: Programme) -> None:
    import io

    from openpyxl import load_workbook

    response = export(client_for(role_users.programme_manager), file_format="xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold and not sheet["A2"].font.bold


def test_figures_leave_by_half_year_only(role_users: Any, client_for: Any, programme: Programme) -> None:
    # A year beside its half years could be subtracted from them: the form offers half years only.
    response = export(client_for(role_users.programme_manager), "2017")
    assert response.status_code == 400
    assert "2017-H1" in response.content.decode()
