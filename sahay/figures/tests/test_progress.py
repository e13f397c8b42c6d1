from datetime import date
from decimal import Decimal

import pytest

from sahay.figures.progress import Figure, Status, expected_share
from sahay.frameworks.models import Programme


@pytest.mark.parametrize(
    ("value", "expected_status"),
    [
        (Decimal(500), Status.ON_TRACK),
        (Decimal(450), Status.ON_TRACK),
        (Decimal(449), Status.AT_RISK),
        (Decimal(350), Status.AT_RISK),
        (Decimal(349), Status.OFF_TRACK),
    ],
)
def test_status_follows_the_thresholds_on_the_linear_path(value: Decimal, expected_status: Status) -> None:
    # Half the programme has passed, so 500 of 1,000 is exactly on the path; 90% and 70% of it are the bounds.
    figure = Figure(value=value, target=Decimal(1000), expected=0.5)
    assert figure.status == expected_status


def test_a_figure_without_target_has_no_bar_and_no_status() -> None:
    figure = Figure(value=Decimal(62))
    assert (figure.progress, figure.bar_value, figure.status) == (None, None, None)


def test_the_bar_stops_at_full_but_the_percentage_does_not() -> None:
    figure = Figure(value=Decimal(1500), target=Decimal(1000), expected=1.0)
    assert (figure.bar_value, figure.progress_percent) == (100.0, 150)


def test_expected_share_is_the_elapsed_part_of_the_programme() -> None:
    programme = Programme(start=date(2017, 1, 1), end=date(2019, 12, 31))
    assert expected_share(programme, date(2017, 6, 30)) == pytest.approx(181 / 1095)
    assert expected_share(programme, date(2018, 12, 31)) == pytest.approx(730 / 1095)
    assert expected_share(programme, date(2025, 1, 1)) == 1.0
