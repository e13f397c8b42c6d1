from datetime import date

import pytest
from django.core.exceptions import ValidationError

from sahay.core.periods import Period, PeriodKind, semesters_between


@pytest.mark.parametrize(
    ("code", "kind", "start", "end"),
    [
        ("2017", PeriodKind.YEAR, date(2017, 1, 1), date(2017, 12, 31)),
        ("2017-H1", PeriodKind.SEMESTER, date(2017, 1, 1), date(2017, 6, 30)),
        ("2017-H2", PeriodKind.SEMESTER, date(2017, 7, 1), date(2017, 12, 31)),
        ("2017-Q3", PeriodKind.QUARTER, date(2017, 7, 1), date(2017, 9, 30)),
        ("2016-02", PeriodKind.MONTH, date(2016, 2, 1), date(2016, 2, 29)),
    ],
)
def test_periods_are_read_as_programme_md_writes_them(code: str, kind: PeriodKind, start: date, end: date) -> None:
    period = Period.parse(code)
    assert (period.kind, period.start, period.end, str(period)) == (kind, start, end, code)


@pytest.mark.parametrize("code", ["2017-H3", "2017-Q5", "2017-13", "17-H1", "", "2017H1"])
def test_a_malformed_period_is_refused_with_the_accepted_forms(code: str) -> None:
    with pytest.raises(ValidationError) as error:
        Period.parse(code)
    assert "2017-H1" in error.value.messages[0]


def test_a_year_contains_its_semesters_and_quarters_but_not_the_next_year() -> None:
    year = Period.parse("2017")
    assert year.contains(Period.parse("2017-H2"))
    assert year.contains(Period.parse("2017-Q1"))
    assert not year.contains(Period.parse("2018-H1"))
    assert not Period.parse("2017-H1").contains(year)


def test_semesters_between_cover_a_three_year_programme() -> None:
    semesters = semesters_between(date(2017, 1, 1), date(2019, 12, 31))
    assert [period.code for period in semesters] == [
        "2017-H1",
        "2017-H2",
        "2018-H1",
        "2018-H2",
        "2019-H1",
        "2019-H2",
    ]
