"""Programme managers set and change targets; each change asks why and is kept."""

from decimal import Decimal

import pytest
from django.urls import reverse

from sahay.core.models import Country
from sahay.frameworks.models import Indicator, Target

pytestmark = pytest.mark.django_db


def prev1_target() -> Target:
    return Target.objects.get(indicator__code="PREV-1", country__isnull=True, period_code="")


def test_a_change_without_a_reason_is_refused_and_keeps_the_typed_value(programme, role_users, client_for) -> None:
    client = client_for(role_users.programme_manager)
    response = client.post(reverse("target_edit", kwargs={"pk": prev1_target().pk}), {"value": "12500", "reason": "  "})
    assert response.status_code == 200
    page = response.content.decode()
    assert "This field is required" in page or "Say why" in page
    assert 'value="12500"' in page
    assert prev1_target().value == 11000


def test_a_change_is_kept_with_who_when_old_new_and_why(programme, role_users, client_for) -> None:
    client = client_for(role_users.programme_manager)
    url = reverse("target_edit", kwargs={"pk": prev1_target().pk})
    response = client.post(url, {"value": "12500", "reason": "Second donor joined in 2018"})
    assert response.status_code == 302
    assert prev1_target().value == 12500
    change = prev1_target().changes.first()
    assert (change.old_value, change.new_value, change.changed_by, change.reason) == (
        Decimal(11000),
        Decimal(12500),
        role_users.programme_manager,
        "Second donor joined in 2018",
    )
    history = client.get(url).content.decode()
    assert "Second donor joined in 2018" in history and "manager" in history and "11,000" in history


def test_a_country_target_for_a_year_can_be_added(programme, role_users, client_for) -> None:
    client = client_for(role_users.programme_manager)
    response = client.post(
        reverse("target_create"),
        {
            "indicator": Indicator.objects.get(code="JUST-2").pk,
            "country": Country.objects.get(code="LK").pk,
            "period_code": "2018",
            "value": "80",
            "reason": "Agreed with the Sri Lanka office",
        },
    )
    assert response.status_code == 302
    target = Target.objects.get(indicator__code="JUST-2", country__code="LK", period_code="2018")
    assert target.value == 80 and target.changes.get().old_value is None


def test_coordinators_see_programme_targets_and_their_own_country_targets_only(
    programme, role_users, client_for
) -> None:
    from sahay.frameworks.services import target_set

    for code, value in [("NP", 321), ("TH", 654)]:
        target_set(
            indicator=Indicator.objects.get(code="JUST-1"),
            country=Country.objects.get(code=code),
            period_code="",
            value=Decimal(value),
            changed_by=role_users.programme_manager,
            reason="split",
        )
    page = client_for(role_users.country_coordinator).get(reverse("target_overview")).content.decode()
    assert "321" in page and "654" not in page and "11,000" in page
    thai = Target.objects.get(country__code="TH")
    assert (
        client_for(role_users.programme_manager).get(reverse("target_edit", kwargs={"pk": thai.pk})).status_code == 200
    )
