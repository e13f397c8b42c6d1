"""`sahay demo --no-serve`: a working installation whose figures all come from synthetic records."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in_verified
from sahay.accounts.models import User
from sahay.audit.models import AuditEntry
from sahay.cases.models import (
    Assessment,
    Attachment,
    Case,
    CaseShare,
    Consent,
    FollowUp,
    GlassAccess,
    Hearing,
    LegalCase,
    Notice,
    PlanGoal,
    Referral,
)
from sahay.core.models import Country, DemoDataset, Organisation
from sahay.core.periods import Period
from sahay.demo.figures import published_results
from sahay.demo.management.commands.demo import DEMO_PASSWORD
from sahay.demo.organisations import ensure_organisations
from sahay.demo.records import purge_demo_records
from sahay.figures.engine.rules import CountingRule
from sahay.figures.engine.sources import qualifying_events
from sahay.figures.models import AggregateEntry
from sahay.frameworks.models import FrameworkVersion, Indicator, Target, TargetChange
from sahay.records.models import Activity, Participation, Person, PersonRole, Service, TrackedItem

pytestmark = pytest.mark.django_db
FIRST_SEMESTER = Period.parse("2017-H1")


def counts() -> dict[str, int]:
    models = (
        User,
        Organisation,
        Target,
        TargetChange,
        FrameworkVersion,
        Person,
        PersonRole,
        Activity,
        Participation,
        Service,
        TrackedItem,
        Case,
        Consent,
        Assessment,
        PlanGoal,
        FollowUp,
        Referral,
        LegalCase,
        Hearing,
    )
    return {model.__name__: model.objects.count() for model in models}


def dashboard_rows(client, **query):
    sign_in_verified(client, User.objects.get(username="manager"))
    response = client.get(reverse("dashboard"), query)
    return {row.indicator.code: row for group in response.context["table"].strategies for row in group.rows}


def test_the_demo_sets_up_logins_records_and_the_published_results(demo: str, client, capsys) -> None:
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
    assert DemoDataset.objects.exists()
    assert "Synthetic demo data" in client.get(reverse("login")).content.decode()

    # Both steps of signing in, the second with the code `sahay totp` prints (no phone needed in the demo).
    assert "sahay totp <username>" in demo
    assert User.objects.get(username="manager").totpdevice_set.filter(confirmed=True).count() == 1
    signed_in = client.post(reverse("login"), {"username": "manager", "password": DEMO_PASSWORD})
    assert signed_in["Location"].startswith(reverse("second_factor"))
    capsys.readouterr()
    call_command("totp", "manager")
    code = capsys.readouterr().out.strip()
    assert len(code) == 6
    assert client.post(reverse("second_factor"), {"code": code}).status_code == 302
    assert client.get(reverse("indicator_reference")).status_code == 200

    # Every figure comes from records: no typed-in entries, no reach.
    assert not AggregateEntry.objects.exists()
    for indicator in Indicator.objects.all():
        assert indicator.source == Indicator.Source.RECORDS
        assert CountingRule.parse(indicator.counting_rule).count != "reach"

    rows = dashboard_rows(client, period="2017-H1")
    call_command("indicators", period="2017-H1", format="csv")
    printed = {
        (row["code"], row["country"]): row["figure"] for row in csv.DictReader(io.StringIO(capsys.readouterr().out))
    }
    for result in published_results():
        assert rows[result.indicator].by_country[result.country].value == result.value, result
        assert printed[(result.indicator, result.country)] == str(result.value)
    for code, row in rows.items():  # the command and the pages give the same numbers
        for country, figure in row.by_country.items():
            assert printed[(code, country)] == str(int(figure.value))


def test_every_target_shows_partial_progress_and_victim_cells_include_small_counts(demo: str, client) -> None:
    rows = dashboard_rows(client, period="2018-H2", view="cumulative")
    targets = [row for row in rows.values() if row.indicator.is_target]
    assert len(targets) == 11
    for row in targets:
        assert 0.3 < row.total.progress < 1.0, row.indicator.code
    victim_cells = [
        figure.value for row in rows.values() if row.indicator.about_victims for figure in row.by_country.values()
    ]
    semester_cells = [
        figure.value
        for period in ("2017-H1", "2017-H2", "2018-H1", "2018-H2")
        for row in dashboard_rows(client, period=period).values()
        if row.indicator.about_victims
        for figure in row.by_country.values()
    ]
    assert any(1 <= value <= 4 for value in victim_cells + semester_cells)


def test_the_demo_holds_the_cases_the_conventions_are_about(demo: str) -> None:
    # A child who turns 18 between two sessions, and an at-risk child who becomes a victim.
    turned_18 = (
        Person.objects.filter(
            turns_18_on__gt=date(2017, 9, 12), turns_18_on__lte=date(2018, 3, 6), participations__isnull=False
        )
        .annotate(n=Count("participations"))
        .filter(n=2)
    )
    assert turned_18.exists()
    assert Person.objects.filter(roles__role="at_risk_child").filter(roles__role="victim").exists()
    # Sri Lanka's 2017-H1 officials were trained in reporting and press, not offender detection.
    lanka_h1 = Activity.objects.filter(
        country__code="LK", kind="training", date__range=(FIRST_SEMESTER.start, FIRST_SEMESTER.end)
    )
    for_officials = lanka_h1.filter(participations__person__roles__role="professional").distinct()
    assert set(for_officials.values_list("training_topic", flat=True)) == {"reporting_press"}
    # Children in two semesters.
    repeat = (
        Participation.objects.values("person")
        .annotate(semesters=Count("activity__date__month"))
        .filter(semesters__gt=1)
    )
    assert repeat.exists()


def test_removing_one_record_behind_each_published_result_lowers_it_by_exactly_one(demo: str, client) -> None:
    today = timezone.localdate()
    for result in published_results():
        rule = CountingRule.parse(Indicator.objects.get(code=result.indicator).counting_rule)
        country = Country.objects.get(code=result.country)
        events = qualifying_events(rule, start=FIRST_SEMESTER.start, end=FIRST_SEMESTER.end, today=today).filter(
            _country=country.pk
        )
        # A subject with exactly one qualifying record: removing that record must take it out of the figure.
        single = (
            events.order_by().values("_subject").annotate(n=Count("pk")).filter(n=1).values_list("_subject", flat=True)
        )
        subject = next(iter(single[:1]), None)
        assert subject is not None, result
        records = list(events.filter(_subject=subject).values_list("pk", flat=True))
        assert len(records) == 1
        # Each removed as the pages would: a link to an organisation reached through its activity.
        for record in events.model.objects.filter(pk__in=records):
            if events.model is Activity.reached_organisations.through:
                record.activity.reached_organisations.remove(record.externalorganisation)
            else:
                record.delete()
        rows = dashboard_rows(client, period="2017-H1")
        assert rows[result.indicator].by_country[result.country].value == result.value - 1, result


def test_running_the_demo_again_duplicates_nothing(demo: str) -> None:
    before = counts()
    assert before["Case"] == PersonRole.objects.filter(role="victim").count()
    call_command("demo", no_serve=True)
    assert counts() == before

    # A new version of the demo data first purges the old one, cases and all, with what users added to a
    # case in the demo; the audit trail stays.
    case = Case.objects.filter(follow_ups__isnull=False).select_related("case_worker").first()
    assert case is not None and case.case_worker is not None
    supervisor = User.objects.get(organisation=case.organisation, role__code="case_supervisor")
    CaseShare.objects.create(case=case, user=supervisor, shared_by=supervisor)
    Notice.objects.create(
        recipient=case.case_worker, kind=Notice.Kind.FOLLOW_UP_DUE, case=case, follow_up=case.follow_ups.first()
    )
    now = timezone.now()
    GlassAccess.objects.create(case=case, user=supervisor, reason="test", granted_at=now, expires_at=now)
    Attachment.objects.create(
        case=case,
        title="t",
        filename="t.pdf",
        content_type="application/pdf",
        size=1,
        content=b"x",
        uploaded_by=supervisor,
    )
    audit_entries = AuditEntry.objects.count()
    partners = ensure_organisations()
    purge_demo_records(partners)
    organisations = [organisation for group in partners.values() for organisation in group]
    for model in (
        *(Case, Consent, Assessment, PlanGoal, FollowUp, Referral, LegalCase, Hearing, Person, Service),
        *(CaseShare, Notice, GlassAccess, Attachment),
    ):
        assert not model.objects.exists(), model.__name__
    assert not TrackedItem.objects.filter(organisation__in=organisations).exists()
    assert AuditEntry.objects.count() == audit_entries


def test_the_demo_refuses_the_production_profile(settings) -> None:
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("demo", no_serve=True)
    with pytest.raises(CommandError, match="production"):
        call_command("totp", "manager")


def test_totp_prints_codes_of_demo_devices_only(role_users) -> None:
    sign_in_verified(Client(), role_users.programme_manager)  # a device with a secret of its own
    with pytest.raises(CommandError, match="not a demo login"):
        call_command("totp", "manager")
