"""Typing in aggregate figures: validation, scope, history, and the form keeping what was typed."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from sahay.core.models import Country
from sahay.figures.models import AggregateEntry
from sahay.figures.services import aggregate_entry_save
from sahay.frameworks.models import Indicator

pytestmark = pytest.mark.django_db


def save(user, code="OUT-1", country="BD", value=62, **changes):
    arguments = {
        "indicator": Indicator.objects.get(code=code),
        "country": Country.objects.get(code=country),
        "organisation": None,
        "period_code": "2017-H1",
        "kind": "period",
        "disaggregation": "",
        "value": Decimal(value),
        "saved_by": user,
    }
    arguments.update(changes)
    return aggregate_entry_save(**arguments)


def test_an_entry_is_saved_and_every_value_it_takes_is_kept(entered_programme, role_users) -> None:
    officer = role_users.me_officer
    entry = save(officer, value=60)
    save(officer, value=62, comment="late report from Khulna")
    save(officer, value=62)  # the same value again is no change
    entry.refresh_from_db()
    assert entry.value == 62
    history = [(change.old_value, change.new_value, change.comment) for change in entry.changes.order_by("pk")]
    assert history == [(None, 60, ""), (60, 62, "late report from Khulna")]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"period_code": "2017"}, "period_code", "per semester"),
        ({"period_code": "2021-H1"}, "period_code", "outside the programme"),
        ({"period_code": "last year"}, "period_code", "is not a period"),
        ({"kind": "cumulative"}, "kind", "adds up across semesters"),
        ({"disaggregation": "sex:female"}, "disaggregation", "is not split this way"),
        ({"value": Decimal("-1")}, "value", "cannot be negative"),
        ({"value": Decimal("2.5")}, "value", "whole number"),
        ({"country": "NL"}, "country", "not a country of this programme"),
    ],
)
def test_bad_input_is_refused_with_a_message_on_the_field(
    entered_programme, role_users, changes, field, message
) -> None:
    if "country" in changes:
        changes["country"] = Country.objects.get(code=changes["country"])
        arguments = {key: value for key, value in changes.items() if key != "country"}
        with pytest.raises(ValidationError) as error:
            save(role_users.me_officer, country=changes["country"].code, **arguments)
    else:
        with pytest.raises(ValidationError) as error:
            save(role_users.me_officer, **changes)
    assert message in " ".join(error.value.message_dict[field])
    assert not AggregateEntry.objects.exists()


def test_a_cell_is_entered_for_the_country_or_per_organisation_never_both(
    entered_programme, role_users, organisations
) -> None:
    save(role_users.me_officer)
    with pytest.raises(ValidationError) as error:
        save(role_users.me_officer, organisation=organisations.partners["BD"])
    assert "already entered" in error.value.message_dict["organisation"][0]


@pytest.mark.parametrize(
    "role", ["programme_manager", "country_coordinator", "partner_staff", "donor_viewer", "system_administrator"]
)
def test_only_roles_with_the_right_may_enter_figures(entered_programme, role_users, role) -> None:
    with pytest.raises(PermissionDenied):
        save(getattr(role_users, role))


def test_the_form_shows_the_error_and_keeps_what_was_typed(entered_programme, role_users, client_for) -> None:
    client = client_for(role_users.me_officer)
    indicator = Indicator.objects.get(code="OUT-1")
    response = client.post(
        reverse("entry_create"),
        {
            "indicator": indicator.pk,
            "country": Country.objects.get(code="BD").pk,
            "period_code": "2017-H1",
            "kind": "period",
            "disaggregation": "sex:female",
            "value": "62",
            "comment": "typed by hand",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "OUT-1 is not split this way" in page
    assert 'value="62"' in page and "typed by hand" in page
    assert not AggregateEntry.objects.exists()


def test_the_list_searches_sorts_and_pages(entered_programme, role_users, client_for) -> None:
    for country in ["BD", "KH", "IN"]:
        save(role_users.me_officer, country=country, value=10)
    client = client_for(role_users.me_officer)
    page = client.get(reverse("entry_list"), {"q": "KH"}).content.decode()
    assert "Cambodia" in page and "Bangladesh" not in page
    page = client.get(reverse("entry_list"), {"sort": "-country"}).content.decode()
    # Sorted by country code, descending: KH, IN, BD.
    assert page.index("Cambodia") < page.index("India") < page.index("Bangladesh")
    assert "Nothing matches" in client.get(reverse("entry_list"), {"q": "ZZ"}).content.decode()
