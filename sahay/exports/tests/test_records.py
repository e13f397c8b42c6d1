"""De-identified record exports: scope, no identities, formula neutralisation, audit; the export list."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from sahay.audit.models import AuditAction, AuditEntry
from sahay.exports.selectors import RecordKind
from sahay.exports.tests.helpers import READERS, SECRET_WORDS, read_csv

pytestmark = pytest.mark.django_db


def export(client: Any, kind: str, file_format: str = "csv") -> Any:
    return client.get(reverse("export_records", args=[kind]), {"format": file_format})


@pytest.fixture
def recorded(world: Any, organisations: Any) -> Any:
    """Identified people, services and activities in Nepal and in two Thai partners."""
    for key in ("NP", "TH", "TH2"):
        organisation = organisations.partners[key]
        person = world.person(
            organisation,
            code=f"{key}-1",
            victim=True,
            name=f"Zelda Quarrington {key}",
            contact="+66 555 0100",
            address="12 Lantern Lane, Marrowfield",
        )
        world.legal_aid(person)
        world.activity(organisation, f"Session {key}")
    return world


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", [kind.value for kind in RecordKind])
def test_de_identified_exports_hold_no_names_contacts_addresses_or_free_text(
    recorded: Any, role_users: Any, client_for: Any, kind: str, file_format: str
) -> None:
    response = export(client_for(role_users.programme_manager), kind, file_format)
    assert response.status_code == 200
    rows = READERS[file_format](response.content)
    text = " ".join(str(value) for row in rows for value in [*row.keys(), *row.values()])
    for word in SECRET_WORDS:
        assert word not in text
    if kind in ("people", "services", "activities"):
        assert len(rows) == 3


def test_a_partner_gets_only_their_organisations_rows(recorded: Any, role_users: Any, client_for: Any) -> None:
    client = client_for(role_users.partner_staff)
    assert [row["code"] for row in read_csv(export(client, "people").content)] == ["TH-1"]
    assert {row["organisation"] for row in read_csv(export(client, "activities").content)} == {"Test Partner TH"}
    assert [row["person code"] for row in read_csv(export(client, "services").content)] == ["TH-1"]


def test_a_country_coordinator_gets_only_their_countrys_rows(recorded: Any, role_users: Any, client_for: Any) -> None:
    client = client_for(role_users.country_coordinator)
    assert [row["code"] for row in read_csv(export(client, "people").content)] == ["NP-1"]
    assert {row["country"] for row in read_csv(export(client, "services").content)} == {"NP"}


def test_people_are_exported_with_an_age_band_and_roles(recorded: Any, role_users: Any, client_for: Any) -> None:
    rows = read_csv(export(client_for(role_users.country_coordinator), "people").content)
    assert rows[0]["age band today"] == "18+"
    assert rows[0]["roles"] == "victim"
    assert "name" not in rows[0] and "birth" not in " ".join(rows[0])


def test_a_title_that_starts_like_a_formula_is_neutralised(
    world: Any, organisations: Any, role_users: Any, client_for: Any
) -> None:
    world.activity(organisations.partners["NP"], '=HYPERLINK("http://example.org","x")')
    world.person(organisations.partners["NP"], code="+SUM(1,2)")
    client = client_for(role_users.country_coordinator)
    csv_rows = read_csv(export(client, "activities").content)
    assert csv_rows[0]["title"] == '\'=HYPERLINK("http://example.org","x")'
    assert read_csv(export(client, "people").content)[0]["code"] == "'+SUM(1,2)"
    sheet = load_workbook(io.BytesIO(export(client, "activities", "xlsx").content)).active
    assert sheet is not None
    title = next(cell for cell in sheet[2] if isinstance(cell.value, str) and "HYPERLINK" in cell.value)
    assert title.value.startswith("'=")
    assert title.data_type == "s"


def test_each_record_export_writes_one_audit_entry(recorded: Any, role_users: Any, client_for: Any) -> None:
    before = AuditEntry.objects.filter(action=AuditAction.EXPORT).count()
    export(client_for(role_users.partner_staff), "services", "xlsx")
    entries = list(AuditEntry.objects.filter(action=AuditAction.EXPORT).order_by("position"))
    assert len(entries) == before + 1
    assert entries[-1].actor == role_users.partner_staff
    assert entries[-1].target_kind == "services"
    assert entries[-1].detail == {"format": "xlsx", "rows": 1}


def test_record_exports_are_refused_without_the_record_lists_right(
    recorded: Any, role_users: Any, client_for: Any
) -> None:
    for user in (role_users.donor_viewer, role_users.system_administrator):
        assert export(client_for(user), "people").status_code == 403


def test_an_unknown_kind_is_not_found(role_users: Any, client_for: Any) -> None:
    assert export(client_for(role_users.programme_manager), "offenders").status_code == 404


def test_the_export_list_shows_what_each_user_may_export(role_users: Any, client_for: Any, programme: Any) -> None:
    page = client_for(role_users.programme_manager).get(reverse("export_list")).content.decode()
    assert "Export figures" in page and "De-identified records" in page
    donor = client_for(role_users.donor_viewer).get(reverse("export_list")).content.decode()
    assert "Export figures" in donor and "De-identified records" not in donor
    partner = client_for(role_users.partner_staff).get(reverse("export_list")).content.decode()
    assert "Export identities" in partner
    admin = client_for(role_users.system_administrator).get(reverse("export_list"))
    assert admin.status_code == 200
    assert "Nothing to export" in admin.content.decode()
