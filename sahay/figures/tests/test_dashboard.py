"""What each role sees on the dashboard and country pages."""

from decimal import Decimal

import pytest
from django.urls import reverse

from sahay.core.models import Country
from sahay.figures.services import aggregate_entry_save
from sahay.frameworks.models import Indicator

pytestmark = pytest.mark.django_db

# A distinct, recognisable figure per country, so a page can be searched for any country's number.
COUNTRY_FIGURES = {
    "BD": 1101,
    "KH": 1202,
    "IN": 1303,
    "ID": 1404,
    "MM": 1505,
    "NP": 1606,
    "PH": 1707,
    "LK": 1808,
    "TH": 1909,
}


@pytest.fixture
def prev1_figures(entered_programme, role_users):
    indicator = Indicator.objects.get(code="JUST-3")
    for code, value in COUNTRY_FIGURES.items():
        aggregate_entry_save(
            indicator=indicator,
            country=Country.objects.get(code=code),
            organisation=None,
            period_code="2017-H1",
            kind="period",
            disaggregation="",
            value=Decimal(value),
            saved_by=role_users.me_officer,
        )
    return indicator


def shown(value: int) -> str:
    return f"{value:,}"


def test_the_programme_manager_sees_all_21_indicators_for_9_countries_and_the_total(
    prev1_figures, role_users, client_for
) -> None:
    response = client_for(role_users.programme_manager).get(reverse("dashboard"), {"period": "2017-H1"})
    table = response.context["table"]
    assert sum(len(group.rows) for group in table.strategies) == 21
    assert [country.code for country in table.countries] == ["BD", "KH", "IN", "ID", "MM", "NP", "PH", "LK", "TH"]
    page = response.content.decode()
    for value in COUNTRY_FIGURES.values():
        assert shown(value) in page
    assert shown(sum(COUNTRY_FIGURES.values())) in page  # the programme total
    assert "Programme</th>" in page


def test_the_nepal_coordinator_sees_nepal_and_the_programme_targets_but_no_other_figure_nor_total(
    prev1_figures, role_users, client_for
) -> None:
    client = client_for(role_users.country_coordinator)
    for view in ("period", "cumulative"):
        page = client.get(reverse("dashboard"), {"period": "2017-H1", "view": view}).content.decode()
        if view == "period":
            assert shown(COUNTRY_FIGURES["NP"]) in page
        for code, value in COUNTRY_FIGURES.items():
            if code != "NP":
                assert shown(value) not in page, code
        assert shown(sum(COUNTRY_FIGURES.values())) not in page
        assert "Programme</th>" not in page
        assert shown(11000) in page and shown(250) in page  # programme targets, for reference
    assert client.get(reverse("country_detail", kwargs={"code": "TH"})).status_code == 404


def test_partner_staff_see_their_own_organisations_figures_only(
    entered_programme, role_users, organisations, client_for
) -> None:
    indicator = Indicator.objects.get(code="OUT-6")
    thailand = Country.objects.get(code="TH")
    for organisation, value in [(organisations.partners["TH"], 171), (organisations.partners["TH2"], 135)]:
        aggregate_entry_save(
            indicator=indicator,
            country=thailand,
            organisation=organisation,
            period_code="2017-H1",
            kind="period",
            disaggregation="",
            value=Decimal(value),
            saved_by=role_users.me_officer,
        )
    partner_page = client_for(role_users.partner_staff).get(reverse("dashboard"), {"period": "2017-H1"})
    assert partner_page.context["table"].strategies[1].rows[-1].by_country["TH"].value == 171
    assert "135" not in partner_page.content.decode() and "306" not in partner_page.content.decode()
    manager_page = client_for(role_users.programme_manager).get(
        reverse("country_detail", kwargs={"code": "TH"}), {"period": "2017-H1"}
    )
    assert "306" in manager_page.content.decode()  # both partners together


def test_a_figure_without_target_shows_no_bar(prev1_figures, role_users, client_for) -> None:
    response = client_for(role_users.programme_manager).get(
        reverse("dashboard"), {"period": "2018-H2", "view": "cumulative"}
    )
    rows = {row.indicator.code: row for group in response.context["table"].strategies for row in group.rows}
    assert rows["OUT-1"].total.bar_value is None
    assert rows["JUST-3"].total.bar_value == 100.0  # 13,545 of 250
    # One bar per indicator with a target (the eleven programme targets), none for the ten outputs.
    assert response.content.decode().count('class="bar"') == 11


def test_the_donor_sees_that_nothing_is_published_yet(prev1_figures, role_users, client_for) -> None:
    page = client_for(role_users.donor_viewer).get(reverse("dashboard")).content.decode()
    assert "No figures are published yet" in page
    assert shown(COUNTRY_FIGURES["NP"]) not in page


def test_the_system_administrator_goes_to_users_not_to_figures(prev1_figures, role_users, client_for) -> None:
    response = client_for(role_users.system_administrator).get(reverse("dashboard"))
    assert response["Location"] == reverse("user_list")


def test_numbers_follow_the_language(prev1_figures, role_users, client_for) -> None:
    client = client_for(role_users.programme_manager)
    english = client.get(reverse("dashboard"), {"view": "cumulative"}, headers={"accept-language": "en"})
    assert "11,000" in english.content.decode()
    dutch = client.get(reverse("dashboard"), {"view": "cumulative"}, headers={"accept-language": "nl"})
    page = dutch.content.decode()
    assert '<html lang="nl">' in page and "11.000" in page and "Preventie" in page


def test_a_semester_shows_its_share_of_the_programme_target_but_is_judged_only_against_its_own(
    prev1_figures, role_users, client_for
) -> None:
    from sahay.frameworks.services import target_set

    client = client_for(role_users.programme_manager)

    def just3_total():
        response = client.get(reverse("dashboard"), {"period": "2017-H1"})
        return next(
            row
            for group in response.context["table"].strategies
            for row in group.rows
            if row.indicator.code == "JUST-3"
        ).total

    total = just3_total()
    assert (total.target, total.status) == (250, None)
    target_set(
        indicator=prev1_figures,
        country=None,
        period_code="2017-H1",
        value=Decimal(18000),
        changed_by=role_users.programme_manager,
        reason="semester milestone",
    )
    total = just3_total()
    assert total.target == 18000
    assert total.status is not None and total.status.value == "at_risk"  # 13,545 of 18,000 is 75%
