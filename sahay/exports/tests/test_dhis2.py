"""The DHIS2 export: the mapping's checks, the payload, the command, and the demo's figures as the pages show them."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from conftest import sign_in_verified
from sahay.accounts.models import User
from sahay.audit.models import AuditAction, AuditEntry
from sahay.core.periods import Period
from sahay.demo.tests.conftest import demo  # noqa: F401 - the fixture, built once for the key test
from sahay.exports.dhis2 import (
    SHIPPED_MAPPING,
    Dhis2Mapping,
    MappingError,
    Target,
    data_value_set,
    dhis2_value,
    read_mapping,
    six_monthly,
)
from sahay.exports.tests.conftest import World
from sahay.exports.tests.helpers import read_csv
from sahay.frameworks.models import Programme
from sahay.frameworks.selectors import current_programme
from sahay.reports.disclosure import Mark, PublishedCell, PublishedFigures
from sahay.reports.figureset import PROGRAMME, CellKey, Window

GOOD = """
dataSet: DSsahayHalf
orgUnits: {programme: OUprogramme, NP: OUcountryNP}
dataElements:
  - {indicator: OUT-1, disaggregation: total, dataElement: DEOUT1T0000, categoryOptionCombo: HllvX50cXC0}
  - {indicator: OUT-6, disaggregation: "sex:female", dataElement: DEOUT6S0000, categoryOptionCombo: COCfemale01}
"""


def write(tmp_path: Path, text: str, name: str = "mapping.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problem(tmp_path: Path, programme: Programme, text: str, name: str = "mapping.yaml") -> str:
    with pytest.raises(MappingError) as caught:
        read_mapping(write(tmp_path, text, name), programme=programme)
    return str(caught.value)


# --- The mapping -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_shipped_example_maps_every_indicator_of_the_default_programme(programme: Programme) -> None:
    mapping = read_mapping(SHIPPED_MAPPING, programme=programme)
    codes = set(programme.indicators.values_list("code", flat=True))
    assert {indicator for indicator, split in mapping.targets if split == ""} == codes
    assert set(mapping.org_units) == {PROGRAMME, *programme.countries.values_list("code", flat=True)}


@pytest.mark.django_db
def test_a_good_mapping_reads_in_yaml_and_in_json(programme: Programme, tmp_path: Path) -> None:
    from_yaml = read_mapping(write(tmp_path, GOOD), programme=programme)
    from_json = read_mapping(write(tmp_path, json.dumps(yaml.safe_load(GOOD)), "mapping.json"), programme=programme)
    assert from_yaml == from_json
    assert from_yaml.data_set == "DSsahayHalf"
    assert from_yaml.org_units == {PROGRAMME: "OUprogramme", "NP": "OUcountryNP"}
    assert from_yaml.targets[("OUT-6", "sex:female")] == Target("DEOUT6S0000", "COCfemale01", None)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "where", "what"),
    [
        (
            ("OUT-1, disaggregation: total", "OUT-99, disaggregation: total"),
            "dataElements[0].indicator",
            "OUT-99 is not",
        ),
        (('"sex:female"', '"sex:girl"'), "dataElements[1].disaggregation", "sex:girl is not a disaggregation"),
        (
            ("OUT-1, disaggregation: total", 'OUT-1, disaggregation: "sex:female"'),
            "dataElements[0].disaggregation",
            "OUT-1",
        ),
        (("DEOUT1T0000", "1EOUT1T0000"), "dataElements[0].dataElement", "does not match"),
        (("DEOUT6S0000", "DEOUT6S00"), "dataElements[1].dataElement", "does not match"),
        (("NP: OUcountryNP", "XX: OUcountryXX"), "orgUnits.XX", "XX is not a country of the programme"),
        (("NP: OUcountryNP", "Nepal: OUcountryNP"), "orgUnits.Nepal", "does not match"),
        (("NP: OUcountryNP", "NP: OUprogramme"), "orgUnits.NP", "already the organisation unit of programme"),
        (("dataSet: DSsahayHalf", "dataSet: DSsahayHalf\nextra: 1"), "(top level)", "extra"),
        (("categoryOptionCombo: COCfemale01", "categoryOptionCombo: HllvX50cXC0, colour: red"), "dataElements[1]", ""),
        (('OUT-6, disaggregation: "sex:female"', "OUT-1, disaggregation: total"), "dataElements[1]", "twice"),
        (
            ("DEOUT6S0000, categoryOptionCombo: COCfemale01", "DEOUT1T0000, categoryOptionCombo: HllvX50cXC0"),
            "dataElements[1]",
            "already used by dataElements[0]",
        ),
    ],
)
def test_each_mapping_error_says_where_and_what(
    programme: Programme, tmp_path: Path, change: tuple[str, str], where: str, what: str
) -> None:
    assert change[0] in GOOD
    message = problem(tmp_path, programme, GOOD.replace(change[0], change[1]))
    assert message.startswith(f"mapping.yaml: {where}"), message
    assert what in message


@pytest.mark.django_db
def test_a_mapping_that_is_not_yaml_or_json_or_lacks_a_part_is_refused_clearly(
    programme: Programme, tmp_path: Path
) -> None:
    assert problem(tmp_path, programme, "orgUnits: [unclosed").startswith("mapping.yaml: line 1, column")
    assert "not valid JSON" in problem(tmp_path, programme, "{", "mapping.json")
    assert (
        problem(tmp_path, programme, "just text")
        == "mapping.yaml: (top level): expected a mapping with orgUnits and dataElements"
    )
    assert "'dataElements' is a required property" in problem(tmp_path, programme, "orgUnits: {NP: OUcountryNP}")
    assert "should be non-empty" in problem(tmp_path, programme, "orgUnits: {NP: OUcountryNP}\ndataElements: []")
    with pytest.raises(MappingError, match=r"missing.yaml: \(file\)"):
        read_mapping(tmp_path / "missing.yaml", programme=programme)


# --- Periods and values ------------------------------------------------------------------------------------


def test_a_half_year_becomes_a_dhis2_six_monthly_period_unless_the_mapping_says_otherwise() -> None:
    assert six_monthly(Period.parse("2017-H1")) == "2017S1"
    assert six_monthly(Period.parse("2019-H2")) == "2019S2"
    with pytest.raises(ValueError, match="half years"):
        six_monthly(Period.parse("2017-Q1"))
    mapping = Dhis2Mapping(data_set=None, org_units={}, targets={}, periods={"2017-H1": "2016AprilS2"})
    assert mapping.period(Period.parse("2017-H1")) == "2016AprilS2"
    assert mapping.period(Period.parse("2017-H2")) == "2017S2"


def test_values_are_strings_without_needless_decimals() -> None:
    assert dhis2_value(Decimal("12")) == "12"
    assert dhis2_value(Decimal("12.000")) == "12"
    assert dhis2_value(Decimal("1E+3")) == "1000"
    assert dhis2_value(Decimal("45.50")) == "45.5"


def test_suppressed_unmapped_and_cumulative_figures_are_left_out() -> None:
    mapping = Dhis2Mapping(
        data_set="DSsahayHalf",
        org_units={PROGRAMME: "OUprogramme", "NP": "OUcountryNP"},
        targets={
            ("OUT-6", ""): Target("DEOUT6T0000", "HllvX50cXC0", None),
            ("OUT-6", "sex:female"): Target("DEOUT6S0000", "COCfemale01", "AOCdonor001"),
        },
    )
    cells = {
        CellKey("OUT-6", PROGRAMME, Window.PERIOD): PublishedCell(Mark.SHOWN, Decimal(9)),
        CellKey("OUT-6", "NP", Window.PERIOD): PublishedCell(Mark.SMALL, None),
        CellKey("OUT-6", "NP", Window.PERIOD, "sex:female"): PublishedCell(Mark.HIDDEN, None),
        CellKey("OUT-6", PROGRAMME, Window.PERIOD, "sex:female"): PublishedCell(Mark.SHOWN, Decimal(6)),
        CellKey("OUT-6", PROGRAMME, Window.CUMULATIVE): PublishedCell(Mark.SHOWN, Decimal(20)),
        CellKey("OUT-6", "TH", Window.PERIOD): PublishedCell(Mark.SHOWN, Decimal(7)),  # no org unit
        CellKey("OUT-1", PROGRAMME, Window.PERIOD): PublishedCell(Mark.SHOWN, Decimal(3)),  # not mapped
    }
    result = data_value_set([(Period.parse("2017-H1"), PublishedFigures("2017-H1", cells))], mapping)
    assert result.payload == {
        "dataSet": "DSsahayHalf",
        "dataValues": [
            {
                "dataElement": "DEOUT6T0000",
                "period": "2017S1",
                "orgUnit": "OUprogramme",
                "categoryOptionCombo": "HllvX50cXC0",
                "value": "9",
            },
            {
                "dataElement": "DEOUT6S0000",
                "period": "2017S1",
                "orgUnit": "OUprogramme",
                "categoryOptionCombo": "COCfemale01",
                "attributeOptionCombo": "AOCdonor001",
                "value": "6",
            },
        ],
    }
    assert (result.values, result.suppressed, result.unmapped) == (2, 2, 2)


# --- The command --------------------------------------------------------------------------------------------


@pytest.fixture
def small_world(programme: Programme, role_users: Any, organisations: Any) -> World:
    made = World(role_users.me_officer, organisations)
    for _number in range(2):  # a small count about victims: never exported
        made.legal_aid(made.person(organisations.partners["TH"], victim=True))
    for number in range(6):
        made.activity(organisations.partners["NP"], f"Session {number}")
    return made


@pytest.mark.django_db
def test_the_command_writes_a_valid_payload_and_says_what_it_left_out(
    small_world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "values.json"
    call_command("export_dhis2", period="2017-H1", mapping=str(SHIPPED_MAPPING), out=str(out))
    payload = json.loads(out.read_text(encoding="utf-8"))
    assert payload["dataSet"] == "DSsahayHalf" and "completeDate" not in payload
    values = payload["dataValues"]
    assert values and all(
        set(value) == {"dataElement", "period", "orgUnit", "categoryOptionCombo", "value"} for value in values
    )
    assert {value["period"] for value in values} == {"2017S1"}
    assert not [v for v in values if v["dataElement"] == "DEJUST1T000" and v["orgUnit"] == "OUcountryTH"]
    said = capsys.readouterr().out
    assert f"{len(values)} values for 2017-H1" in said and "left out as suppressed" in said
    assert AuditEntry.objects.filter(
        action=AuditAction.EXPORT, target_kind="dhis2", target_label="values.json"
    ).exists()

    call_command("export_dhis2", period="2017-H1", out=str(out), complete_date="2017-07-31")
    assert json.loads(out.read_text(encoding="utf-8"))["completeDate"] == "2017-07-31"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"period": "2017-H3"}, "is not a period"),
        ({"period": "2017"}, "half year such as 2017-H1"),
        ({"period": "2031-H1"}, "not a half year of the programme"),
        ({"period": "2017-H1", "complete_date": "July"}, "--complete-date"),
        ({"period": "2017-H1", "mapping": "BROKEN"}, "dataElements[0].indicator: OUT-99 is not an indicator"),
        ({"period": "2017-H1", "mapping": "MISSING"}, "nothing was written"),
    ],
)
def test_the_command_refuses_bad_input_and_writes_nothing(
    programme: Programme, tmp_path: Path, arguments: dict[str, str], message: str
) -> None:
    out = tmp_path / "values.json"
    out.write_text("the previous file", encoding="utf-8")
    broken = write(tmp_path, GOOD.replace("indicator: OUT-1,", "indicator: OUT-99,"))
    places = {"BROKEN": str(broken), "MISSING": str(tmp_path / "nowhere.yaml")}
    if "mapping" in arguments:
        arguments = {**arguments, "mapping": places[arguments["mapping"]]}
    with pytest.raises(CommandError) as refused:
        call_command("export_dhis2", out=str(out), **arguments)
    assert message in str(refused.value)
    assert out.read_text(encoding="utf-8") == "the previous file"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["mapping.yaml", "values.json"]


# --- The demo: DHIS2 gets what the pages show ---------------------------------------------------------------


@pytest.mark.django_db
def test_the_dhis2_export_of_the_demo_is_the_figures_the_pages_show(demo: str, client: Any, tmp_path: Path) -> None:  # noqa: F811
    programme = current_programme()
    assert programme is not None
    out = tmp_path / "values.json"
    call_command("export_dhis2", period="2017-H1", mapping=str(SHIPPED_MAPPING), out=str(out))
    exported = {
        (value["dataElement"], value["categoryOptionCombo"], value["orgUnit"]): value["value"]
        for value in json.loads(out.read_text(encoding="utf-8"))["dataValues"]
    }
    assert len(exported) == len(json.loads(out.read_text(encoding="utf-8"))["dataValues"])

    manager = sign_in_verified(client, User.objects.get(username="manager"))
    page = manager.get(reverse("export_figures"), {"period": "2017-H1", "view": "period", "format": "csv"})
    assert page.status_code == 200 and page["Content-Type"].startswith("text/csv")
    mapping = read_mapping(SHIPPED_MAPPING, programme=programme)
    shown: dict[tuple[str, str, str], Decimal] = {}
    suppressed = set()
    for row in read_csv(page.content):
        place = PROGRAMME if row["place"] == "programme" else row["place"]
        split = "" if row["split"] == "total" else row["split"]
        target, org_unit = mapping.targets.get((row["indicator code"], split)), mapping.org_units.get(place)
        if target is None or org_unit is None:
            continue
        key = (target.data_element, target.category_option_combo, org_unit)
        if row["value"] in {"<5", "x"}:
            suppressed.add(key)
        else:
            shown[key] = Decimal(row["value"])
    assert suppressed, "the demo's 2017-H1 has suppressed figures"
    assert not suppressed & set(exported), "a suppressed figure went to DHIS2"
    assert set(exported) == set(shown), "every shown, mapped figure is exported, and nothing else"
    for key, value in exported.items():
        assert Decimal(value) == shown[key], key
