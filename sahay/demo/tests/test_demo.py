"""`sahay demo --no-serve`: a working installation, the published 2017-H1 results, and safe to run again."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from sahay.accounts.models import User
from sahay.core.models import DemoDataset, Organisation
from sahay.demo.figures import published_results
from sahay.demo.management.commands.demo import DEMO_PASSWORD
from sahay.figures.models import AggregateEntry, AggregateEntryChange
from sahay.frameworks.models import FrameworkVersion, Target, TargetChange

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            AggregateEntry,
            AggregateEntryChange,
            User,
            Organisation,
            Target,
            TargetChange,
            FrameworkVersion,
        )
    }


@pytest.fixture
def demo(capsys: pytest.CaptureFixture[str]) -> str:
    call_command("demo", no_serve=True)
    return capsys.readouterr().out


def test_the_demo_prints_one_login_per_role_with_its_scope(demo: str) -> None:
    for username, role in [
        ("manager", "programme_manager"),
        ("coordinator.np", "country_coordinator"),
        ("partner.th", "partner_staff"),
        ("partner2.th", "partner_staff"),
        ("me.officer", "me_officer"),
        ("donor", "donor_viewer"),
        ("admin", "system_administrator"),
    ]:
        assert username in demo and role in demo
        assert User.objects.get(username=username).role.code == role
    assert User.objects.get(username="coordinator.np").country.code == "NP"
    assert User.objects.get(username="partner.th").organisation.country.code == "TH"
    assert DemoDataset.objects.exists()


def test_running_the_demo_again_duplicates_nothing(demo: str) -> None:
    before = counts()
    call_command("demo", no_serve=True)
    assert counts() == before


def test_the_published_2017_h1_results_come_out_exactly(demo: str, client) -> None:
    client.login(username="manager", password=DEMO_PASSWORD)
    response = client.get(reverse("dashboard"), {"period": "2017-H1"})
    rows = {row.indicator.code: row for group in response.context["table"].strategies for row in group.rows}
    for result in published_results():
        assert rows[result.indicator].by_country[result.country].value == result.value, result


def test_every_target_shows_partial_progress_by_2018_h2(demo: str, client) -> None:
    client.login(username="manager", password=DEMO_PASSWORD)
    response = client.get(reverse("dashboard"), {"period": "2018-H2", "view": "cumulative"})
    targets = [row for group in response.context["table"].strategies for row in group.rows if row.indicator.is_target]
    assert len(targets) == 11
    for row in targets:
        assert 0.3 < row.total.progress < 1.0, row.indicator.code


def test_the_demo_says_its_data_is_synthetic(demo: str, client) -> None:
    assert "Synthetic demo data" in client.get(reverse("login")).content.decode()


def test_the_demo_refuses_the_production_profile(settings) -> None:
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("demo", no_serve=True)
