"""Loading framework files: the default framework, idempotence, history, and broken files."""

from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command

from sahay.frameworks.loader import FrameworkFileError
from sahay.frameworks.models import FrameworkVersion, Indicator, Programme, Target, TargetChange
from sahay.frameworks.services import framework_load

DEFAULT = Path(settings.SAHAY_DEFAULT_FRAMEWORK)


def framework_snapshot() -> dict[str, object]:
    """Everything a framework load writes, to compare before and after."""
    return {
        "programmes": list(Programme.objects.values()),
        "indicators": list(Indicator.objects.order_by("pk").values()),
        "targets": list(Target.objects.order_by("pk").values()),
        "changes": TargetChange.objects.count(),
        "versions": FrameworkVersion.objects.count(),
    }


def write_variant(tmp_path: Path, change: object, name: str = "variant.yaml") -> Path:
    data = yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.django_db
def test_the_default_framework_holds_the_21_indicators_and_11_targets_of_programme_md() -> None:
    programme = framework_load(path=DEFAULT).programme
    assert programme.indicators.count() == 21
    assert sorted(programme.countries.values_list("code", flat=True)) == sorted(
        ["BD", "KH", "IN", "ID", "MM", "NP", "PH", "LK", "TH"]
    )
    programme_targets = {
        target.indicator.code: int(target.value)
        for target in Target.objects.filter(country__isnull=True, period_code="").select_related("indicator")
    }
    assert programme_targets == {
        "PREV-1": 11000,
        "PREV-2": 20000,
        "PREV-3": 6000,
        "CARE-1": 1200,
        "PREV-4": 4,
        "ADV-1": 250,
        "JUST-1": 3700,
        "CARE-2": 700,
        "ADV-2": 25,
        "JUST-2": 1500,
        "JUST-3": 250,
    }
    assert [strategy.code for strategy in programme.strategies.all()] == ["prevention", "aftercare", "lobby", "justice"]
    assert (programme.start.isoformat(), programme.end.isoformat()) == ("2017-01-01", "2019-12-31")


@pytest.mark.django_db
def test_loading_the_same_file_twice_changes_nothing() -> None:
    first = framework_load(path=DEFAULT)
    before = framework_snapshot()
    second = framework_load(path=DEFAULT)
    assert first.changed and not second.changed
    assert framework_snapshot() == before


@pytest.mark.django_db
def test_a_changed_file_updates_the_framework_and_keeps_history(tmp_path: Path) -> None:
    framework_load(path=DEFAULT)

    def change(data: dict) -> None:
        data["indicators"][0]["name"]["en"] = "Children reached with awareness"
        data["indicators"][0]["target"] = 12000

    result = framework_load(path=write_variant(tmp_path, change))
    assert result.changed
    indicator = Indicator.objects.get(code="PREV-1")
    assert indicator.name_en == "Children reached with awareness"
    target = indicator.targets.get(country__isnull=True, period_code="")
    assert target.value == 12000
    change_row = target.changes.first()
    assert change_row is not None
    assert (change_row.old_value, change_row.new_value) == (11000, 12000)
    assert "variant.yaml" in change_row.reason
    versions = list(FrameworkVersion.objects.order_by("pk"))
    assert len(versions) == 2
    assert versions[0].content == DEFAULT.read_text(encoding="utf-8")  # the earlier definition can be read back


def _drop_programme_end(data: dict) -> None:
    del data["programme"]["end"]


def _negative_target(data: dict) -> None:
    data["indicators"][2]["target"] = -5


def _unknown_strategy(data: dict) -> None:
    data["indicators"][4]["strategy"] = "marketing"


def _duplicate_code(data: dict) -> None:
    data["indicators"][5]["code"] = "PREV-1"


def _unknown_country(data: dict) -> None:
    data["programme"]["countries"].append("ZZ")


def _target_for_foreign_country(data: dict) -> None:
    data["indicators"][0]["targets"] = [{"country": "FR", "value": 10}]


def _bad_period(data: dict) -> None:
    data["indicators"][0]["targets"] = [{"period": "2017-H3", "value": 10}]


def _statement_with_unknown_placeholder(data: dict) -> None:
    data["indicators"][11]["statement"]["nl"] = "In {land} werden {value} bijeenkomsten gehouden."


def _statement_without_value(data: dict) -> None:
    data["indicators"][11]["statement"]["en"] = "In {place}, meetings were held."


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "location", "problem"),
    [
        (_drop_programme_end, "programme", "'end' is a required property"),
        (_negative_target, "indicators[2].target", "less than the minimum of 0"),
        (_unknown_strategy, "indicators[4].strategy", "“marketing” is not one of the strategies"),
        (_duplicate_code, "indicators[5].code", "“PREV-1” is used twice"),
        (_unknown_country, "programme.countries[9]", "“ZZ” is not a known country"),
        (_target_for_foreign_country, "indicators[0].targets[0].country", "“FR” is not a programme country"),
        (_bad_period, "indicators[0].targets[0].period", "does not match"),
        (_statement_with_unknown_placeholder, "indicators[11].statement.nl", "only the placeholders {place} and"),
        (_statement_without_value, "indicators[11].statement.en", "does not match"),
    ],
)
def test_a_broken_file_names_file_path_and_problem_and_changes_nothing(
    tmp_path: Path, change: object, location: str, problem: str
) -> None:
    framework_load(path=DEFAULT)
    before = framework_snapshot()
    with pytest.raises(FrameworkFileError) as error:
        framework_load(path=write_variant(tmp_path, change, name="broken.yaml"))
    assert error.value.file_name == "broken.yaml"
    assert error.value.location == location
    assert problem in error.value.problem
    assert framework_snapshot() == before


@pytest.mark.django_db
def test_invalid_yaml_is_located_by_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "syntax.yaml"
    path.write_text("schema_version: 1\nprogramme: [unclosed\n", encoding="utf-8")
    with pytest.raises(FrameworkFileError) as error:
        framework_load(path=path)
    assert str(error.value).startswith("syntax.yaml: line 3, column 1: not valid YAML")
    assert framework_snapshot()["programmes"] == []


@pytest.mark.django_db
def test_the_command_loads_idempotently_and_reports_a_broken_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("load_framework", str(DEFAULT))
    call_command("load_framework", str(DEFAULT))
    output = capsys.readouterr().out
    assert "loaded" in output and "unchanged" in output
    broken = tmp_path / "broken.yaml"
    broken.write_text("schema_version: 2\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"broken\.yaml: "):
        call_command("load_framework", str(broken))
