"""The IATI 2.03 activity file: valid against the official schema, and its numbers are the published figures."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from lxml import etree

from sahay.core.models import Country
from sahay.core.periods import Period
from sahay.frameworks.models import Indicator, Programme
from sahay.frameworks.services import target_set
from sahay.records.services import Attendance, RoleSpec, activity_save, participations_record, person_save, service_save
from sahay.reports import disclosure, publishing
from sahay.reports.disclosure import PublishedFigures, publish
from sahay.reports.figureset import PROGRAMME, CellKey, Window, figure_set
from sahay.reports.iati import iati_activity_file, location_ref
from sahay.reports.iati_codes import IATI_CODELISTS_VERSION

pytestmark = pytest.mark.django_db

# The official schema lives beside the repository (../shared/standards), never copied into it. A clone elsewhere
# names it with SAHAY_IATI_SCHEMA_DIR, or finds the workplace's copy; without one, the tests fail.
SCHEMA_PLACES = [
    *([Path(os.environ["SAHAY_IATI_SCHEMA_DIR"])] if os.environ.get("SAHAY_IATI_SCHEMA_DIR") else []),
    Path(__file__).resolve().parents[3].parent / "shared" / "standards" / "iati-2.03",
    Path("/work/shared/standards/iati-2.03"),
]
SCHEMA_DIRECTORY = next((place for place in SCHEMA_PLACES if place.is_dir()), SCHEMA_PLACES[0])
GENERATED_AT = datetime(2018, 2, 1, 9, 30, tzinfo=UTC)
ENGINE_SPLIT = {"sex": "sex", "age": "age_band"}  # the file's dimension names back to the engine's


@cache
def iati_schema() -> etree.XMLSchema:
    schema = SCHEMA_DIRECTORY / "iati-activities-schema.xsd"
    if not schema.is_file():
        pytest.fail(f"The IATI 2.03 schema is not at {schema}: set SAHAY_IATI_SCHEMA_DIR to its folder.")
    return etree.XMLSchema(file=str(schema))


def assert_valid(content: bytes) -> etree._Element:
    document = etree.fromstring(content)
    schema = iati_schema()
    if not schema.validate(document):
        errors = "\n".join(f"line {error.line}: {error.message}" for error in schema.error_log)
        pytest.fail(f"The IATI file breaks the 2.03 schema:\n{errors}")
    return document


class World:
    """A few people and services in Nepal and Thailand, written through the records services."""

    def __init__(self, recorder, organisations) -> None:
        self.recorder = recorder
        self.partners = {"NP": organisations.partners["NP"], "TH": organisations.partners["TH"]}
        self.codes = iter(range(1, 10_000))

    def person(self, country: str, *, sex: str, born: date, roles=()):
        return person_save(
            saved_by=self.recorder,
            organisation=self.partners[country],
            code=f"P{next(self.codes)}",
            sex=sex,
            birth_date=born,
            roles=list(roles),
        )

    def awareness(self, country: str, on: date, people) -> None:
        activity = activity_save(
            saved_by=self.recorder, organisation=self.partners[country], kind="awareness_session", title="x", date=on
        )
        participations_record(saved_by=self.recorder, activity=activity, attendances=[Attendance(p) for p in people])

    def legal_aid(self, country: str, victim, start: date, end: date) -> None:
        service_save(
            saved_by=self.recorder,
            organisation=self.partners[country],
            kind="legal_aid",
            start=start,
            end=end,
            person=victim,
        )


@pytest.fixture
def world(programme: Programme, role_users, organisations) -> World:
    world = World(role_users.me_officer, organisations)
    young, teen = date(2008, 5, 1), date(2003, 1, 1)
    nepal = [world.person("NP", sex=sex, born=born) for sex, born in [("female", young)] * 3 + [("male", teen)] * 4]
    thailand = [world.person("TH", sex="female", born=teen) for _ in range(6)]
    world.awareness("NP", date(2017, 3, 1), nepal)
    world.awareness("TH", date(2017, 4, 1), thailand)
    world.awareness("NP", date(2017, 9, 1), [*nepal[:2], world.person("NP", sex="male", born=young)])
    # Two victims with legal aid in Nepal: a count of 1 to 4 about victims, suppressed wherever it shows.
    for _ in range(2):
        victim = world.person("NP", sex="female", born=teen, roles=[RoleSpec("victim", date(2017, 1, 5))])
        world.legal_aid("NP", victim, date(2017, 2, 1), date(2017, 5, 1))
    prev1 = Indicator.objects.get(code="PREV-1")
    for country, period_code, value in [(None, "2017-H1", 500), ("NP", "2017-H1", 60), ("NP", "", 1200)]:
        target_set(
            indicator=prev1,
            country=Country.objects.get(code=country) if country else None,
            period_code=period_code,
            value=Decimal(value),
            changed_by=role_users.programme_manager,
            reason="test",
        )
    return world


def semesters(programme: Programme, *codes: str) -> list[PublishedFigures]:
    return [publishing.published_figures(programme=programme, period=Period.parse(code)) for code in codes]


def elements(node: etree._Element, path: str) -> list[etree._Element]:
    found = node.xpath(path)
    assert isinstance(found, list)
    return [item for item in found if isinstance(item, etree._Element)]


def texts(node: etree._Element, path: str) -> list[str]:
    found = node.xpath(path)
    assert isinstance(found, list)
    return [str(item) for item in found]


def result_of(document: etree._Element, code: str) -> etree._Element:
    [result] = elements(document, f"//result[indicator/reference/@code='{code}']")
    return result


def period_of(result: etree._Element, start: str, end: str) -> etree._Element:
    [period] = elements(result, f"indicator/period[period-start/@iso-date='{start}' and period-end/@iso-date='{end}']")
    return period


def values(period: etree._Element, tag: str, identifier: str) -> dict[tuple[str, str], Decimal]:
    """The period's targets or actuals by (place, split), in the engine's terms."""
    found: dict[tuple[str, str], Decimal] = {}
    for element in period.findall(tag):
        refs = texts(element, "location/@ref")
        place = refs[0].removeprefix(f"{identifier}-LOC-") if refs else PROGRAMME
        dimensions = element.findall("dimension")
        split = "".join(f"{ENGINE_SPLIT[str(d.get('name'))]}:{d.get('value')}" for d in dimensions)
        assert (place, split) not in found, f"two {tag}s for {place} {split}"
        found[(place, split)] = Decimal(str(element.get("value")))
    return found


def build(programme: Programme, *codes: str) -> etree._Element:
    content = iati_activity_file(programme=programme, semesters=semesters(programme, *codes), generated_at=GENERATED_AT)
    return assert_valid(content)


def test_the_file_is_valid_iati_2_03_and_names_the_codelist_version(world, programme) -> None:
    document = build(programme, "2017-H1", "2017-H2")
    assert IATI_CODELISTS_VERSION == "2.03"
    assert document.get("version") == "2.03"
    [activity] = document.findall("iati-activity")
    assert activity.findtext("iati-identifier") == programme.iati["identifier"]
    assert activity.find("activity-status").get("code") == "2"  # implementation, on the day generated
    assert len(document.xpath("//result")) == programme.indicators.count()
    assert activity.xpath("reporting-org/narrative[@xml:lang='nl']/text()") == [
        programme.iati["reporting_org"]["name"]["nl"]
    ]
    partners = activity.xpath("participating-org[@role='4']")
    assert {p.findtext("narrative") for p in partners} >= {
        "Test Partner NP",
        "Test Partner TH",
        "Test Partner TH second",
    }
    assert all(p.get("ref") is None for p in partners)


def test_the_2017_h1_actuals_are_the_engines_published_figures(world, programme) -> None:
    document = build(programme, "2017-H1", "2017-H2")
    identifier = programme.iati["identifier"]
    # Computed apart from the export: the first half-year has no report before it.
    expected = publish(figure_set(programme=programme, period=Period.parse("2017-H1")))
    for indicator in programme.indicators.all():
        actuals = values(
            period_of(result_of(document, indicator.code), "2017-01-01", "2017-06-30"), "actual", identifier
        )
        shown = {
            (key.place, key.split): cell.value
            for key, cell in expected.cells.items()
            if key.indicator == indicator.code and key.window == Window.PERIOD and not cell.suppressed
        }
        assert actuals == shown, indicator.code
    prev1 = values(period_of(result_of(document, "PREV-1"), "2017-01-01", "2017-06-30"), "actual", identifier)
    assert prev1[(PROGRAMME, "")] == 13 and prev1[("NP", "")] == 7 and prev1[("TH", "")] == 6
    assert prev1[("NP", "sex:female")] == 3 and prev1[("NP", "sex:male")] == 4
    assert prev1[("TH", "age_band:12-17")] == 6


def test_a_suppressed_cell_has_no_actual_and_no_number_anywhere(world, programme) -> None:
    document = build(programme, "2017-H1", "2017-H2")
    identifier = programme.iati["identifier"]
    engine = publish(figure_set(programme=programme, period=Period.parse("2017-H1")))
    nepal = CellKey("JUST-1", "NP", Window.PERIOD)
    assert engine.get(nepal) is not None and engine.get(nepal).suppressed
    actuals = values(period_of(result_of(document, "JUST-1"), "2017-01-01", "2017-06-30"), "actual", identifier)
    assert ("NP", "") not in actuals and (PROGRAMME, "") not in actuals
    assert actuals[("TH", "")] == 0  # a zero is shown
    for element in document.xpath("//actual | //target"):
        value = element.get("value")
        assert Decimal(value) >= 0 and "." not in value, value  # whole counts as integers; never "<5" or "x"


def test_semester_and_life_of_project_targets(world, programme) -> None:
    document = build(programme, "2017-H1", "2017-H2")
    identifier = programme.iati["identifier"]
    prev1 = result_of(document, "PREV-1")
    first = values(period_of(prev1, "2017-01-01", "2017-06-30"), "target", identifier)
    assert first == {(PROGRAMME, ""): 500, ("NP", ""): 60}
    assert values(period_of(prev1, "2017-07-01", "2017-12-31"), "target", identifier) == {}
    life = period_of(prev1, "2017-01-01", "2017-12-31")
    assert values(life, "target", identifier) == {(PROGRAMME, ""): 11000, ("NP", ""): 1200}
    # Its actuals are the cumulative figures of the last half-year: each child once, not the sum.
    cumulative = publishing.published_figures(programme=programme, period=Period.parse("2017-H2"))
    actuals = values(life, "actual", identifier)
    assert actuals[(PROGRAMME, "")] == cumulative.get(CellKey("PREV-1", PROGRAMME, Window.CUMULATIVE)).value == 14
    assert actuals[("NP", "sex:male")] == 5
    assert life.xpath("actual/comment/narrative/text()")


def test_unique_counts_are_marked_not_to_be_added_up(world, programme) -> None:
    document = build(programme, "2017-H1")
    for indicator in programme.indicators.all():
        result = result_of(document, indicator.code)
        assert result.get("aggregation-status") == ("0" if indicator.counts_unique else "1"), indicator.code
        assert result.find("indicator").get("aggregation-status") == result.get("aggregation-status")
        assert result.find("indicator").get("ascending") == ("1" if indicator.direction == "increase" else "0")
        assert result.find("indicator").get("measure") == "1"


def test_every_country_has_a_location_and_a_share_and_shares_add_up(world, programme) -> None:
    document = build(programme, "2017-H1")
    identifier = programme.iati["identifier"]
    [activity] = document.findall("iati-activity")
    codes = {country.code for country in programme.countries.all()}
    assert set(activity.xpath("recipient-country/@code")) == codes
    assert sum(Decimal(share) for share in activity.xpath("recipient-country/@percentage")) == 100
    assert sum(Decimal(share) for share in activity.xpath("sector/@percentage")) == 100
    refs = set(activity.xpath("location/@ref"))
    assert refs == {location_ref(identifier, code) for code in codes}
    for location in activity.findall("location"):
        administrative = location.find("administrative")
        assert administrative.get("vocabulary") == "A4"
        assert location.get("ref") == location_ref(identifier, administrative.get("code"))
    assert set(document.xpath("//result//location/@ref")) <= refs
    baseline = result_of(document, "PREV-1").find("indicator/baseline")
    assert (baseline.get("year"), baseline.get("value")) == ("2017", "0")


def approve(monkeypatch, programme_semesters) -> None:
    monkeypatch.setattr(publishing, "approved_semesters", lambda programme: programme_semesters(programme))


def test_the_command_writes_the_file(world, programme, tmp_path, monkeypatch) -> None:
    approve(monkeypatch, lambda p: semesters(p, "2017-H1", "2017-H2"))
    out = tmp_path / "activity.xml"
    call_command("export_iati", "--out", str(out), "--until", "2017-H1")
    document = assert_valid(out.read_bytes())
    starts = set(document.xpath("//result[1]/indicator/period/period-start/@iso-date"))
    ends = set(document.xpath("//result[1]/indicator/period/period-end/@iso-date"))
    assert starts == {"2017-01-01"} and ends == {"2017-06-30"}  # 2017-H1 and its life-of-project period
    assert sorted(path.name for path in tmp_path.iterdir()) == ["activity.xml"]


def test_the_command_writes_nothing_without_an_approved_report(world, programme, tmp_path) -> None:
    out = tmp_path / "activity.xml"
    with pytest.raises(CommandError, match="approved"):
        call_command("export_iati", "--out", str(out))
    assert not out.exists()


def test_a_failing_rule_set_writes_nothing(world, programme, tmp_path, monkeypatch) -> None:
    def broken(figures, key, value):
        raise RuntimeError("rule set broken")

    monkeypatch.setattr(disclosure, "_primary", broken)
    approve(monkeypatch, lambda p: semesters(p, "2017-H1"))
    out = tmp_path / "activity.xml"
    out.write_bytes(b"the file published before")
    with pytest.raises(CommandError, match="Disclosure control failed, so nothing was written"):
        call_command("export_iati", "--out", str(out))
    assert out.read_bytes() == b"the file published before"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["activity.xml"]


def test_until_takes_a_half_year(world, programme, tmp_path) -> None:
    out = tmp_path / "activity.xml"
    with pytest.raises(CommandError, match="half-year"):
        call_command("export_iati", "--out", str(out), "--until", "2017")
    assert not out.exists()
