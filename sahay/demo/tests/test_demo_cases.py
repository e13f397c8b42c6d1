"""The demo's case management: a case for every victim behind the published figures, and case logins."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.db.models import F, Q, QuerySet
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in_verified
from sahay.accounts.models import User
from sahay.cases.models import Case, LegalCase, Referral
from sahay.core.models import Country, Organisation
from sahay.core.periods import Period
from sahay.demo.casework import AUTHORITY, DemoCasework
from sahay.demo.figures import published_results
from sahay.demo.management.commands.demo import DEMO_PASSWORD, SEED
from sahay.demo.organisations import PARTNERS, case_staff, ensure_logins, ensure_organisations
from sahay.demo.records import DemoRecords
from sahay.figures.engine.rules import CountingRule
from sahay.figures.engine.sources import qualifying_events
from sahay.frameworks.models import Indicator
from sahay.records.models import Household, PersonRole, Service, TrackedItem

pytestmark = pytest.mark.django_db
FIRST_SEMESTER = Period.parse("2017-H1")


def subjects_behind(indicator: str, country: str) -> set[int]:
    """The people or households a 2017-H1 figure counts, as the engine (and the records-behind page) finds them."""
    rule = CountingRule.parse(Indicator.objects.get(code=indicator).counting_rule)
    events = qualifying_events(
        rule, start=FIRST_SEMESTER.start, end=FIRST_SEMESTER.end, today=timezone.localdate()
    ).filter(_country=Country.objects.get(code=country).pk)
    return set(events.order_by().values_list("_subject", flat=True))


def published(indicator: str, country: str) -> int:
    return next(r.value for r in published_results() if (r.indicator, r.country) == (indicator, country))


def figures_2017_h1(client: Client) -> dict[tuple[str, str], int]:
    sign_in_verified(client, User.objects.get(username="manager"))
    response = client.get(reverse("dashboard"), {"period": "2017-H1"})
    return {
        (row.indicator.code, country): int(figure.value)
        for group in response.context["table"].strategies
        for row in group.rows
        for country, figure in row.by_country.items()
    }


def test_every_victim_behind_the_published_figures_has_a_case_and_each_partner_has_case_logins(
    demo: str, client: Client
) -> None:
    figures = figures_2017_h1(client)
    for result in published_results():
        assert figures[(result.indicator, result.country)] == result.value, result

    # Thailand, OUT-6: every victim has a case, at the partner that registered them.
    victims = subjects_behind("OUT-6", "TH")
    assert len(victims) == published("OUT-6", "TH") == 306
    cases = Case.objects.filter(person__in=victims)
    assert cases.count() == len(victims)
    assert set(cases.values_list("person", flat=True)) == victims
    for case in cases.select_related("person", "case_worker"):
        assert case.organisation_id == case.person.organisation_id
        assert case.case_worker is not None
        assert case.case_worker.role.code == "case_worker"
        assert case.case_worker.organisation_id == case.organisation_id
        opened = case.person.roles.get(role=PersonRole.Role.VICTIM).start
        assert case.opened_on == opened
        # Every service the child had from then on is within the case.
        assert not case.person.services.filter(start__gte=opened, case__isnull=True).exists()

    # Philippines, OUT-4: every household has a member with a case, and its services are in that case.
    households = subjects_behind("OUT-4", "PH")
    assert len(households) == published("OUT-4", "PH") == 138
    for household in Household.objects.filter(pk__in=households):
        case = Case.objects.get(person__memberships__household=household)
        services = household.services.all()
        assert services.exists()
        assert set(services.values_list("case", flat=True)) == {case.pk}

    # Every victim of the demo has exactly one case; every linked service is the child's or their household's.
    assert Case.objects.count() == PersonRole.objects.filter(role=PersonRole.Role.VICTIM).count()
    assert not PersonRole.objects.filter(role=PersonRole.Role.VICTIM, person__cases__isnull=True).exists()
    linked = Service.objects.filter(case__isnull=False)
    assert not linked.exclude(
        Q(person=F("case__person")) | Q(household__memberships__person=F("case__person"))
    ).exists()
    for case in Case.objects.filter(status=Case.Status.CLOSED).prefetch_related("services")[:200]:
        assert case.closure_reason
        assert all(case.closed_on > (service.end or service.start) for service in case.services.all())
    assert Case.objects.filter(status=Case.Status.OPEN).exists()
    assert Case.objects.filter(status=Case.Status.CLOSED).exists()
    check_referrals_and_legal_cases()
    # One build of the demo serves all of these checks.
    check_case_logins(demo, client)


def check_referrals_and_legal_cases() -> None:
    """A few Thai referrals between the two partners, and a few legal cases, as the demo makes them."""
    thai = Organisation.objects.filter(name__in=PARTNERS["TH"])
    referrals = Referral.objects.select_related("case", "assigned_to", "answered_by")
    assert 1 <= referrals.count() <= 10
    for referral in referrals:
        assert referral.status == Referral.Status.ACCEPTED
        assert {referral.case.organisation_id, referral.to_organisation_id} == set(thai.values_list("pk", flat=True))
        assert referral.assigned_to.role.code == "case_worker"
        assert referral.answered_by.role.code == "case_supervisor"
        assert referral.assigned_to.organisation_id == referral.to_organisation_id
        assert referral.case.consents.filter(purpose="referral").exists()
        assert referral.case.opened_on < referral.referred_at.date() < referral.answered_at.date() < date(2019, 3, 1)
        # The receiver's service goes to the same child, within the same case.
        received = Service.objects.get(case=referral.case, organisation=referral.to_organisation_id)
        assert received.person_id == referral.case.person_id

    legal_cases = LegalCase.objects.select_related("case__organisation", "offender")
    assert legal_cases.exists()
    for legal_case in legal_cases:
        assert legal_case.authority == AUTHORITY
        assert re.fullmatch(r"SYN-20\d\d-\d{4}", legal_case.authority_reference)
        offender = legal_case.offender
        assert offender is not None and offender.kind == TrackedItem.Kind.OFFENDER
        assert offender.country_id == legal_case.case.organisation.country_id
        assert (legal_case.stage == LegalCase.Stage.VERDICT) == bool(legal_case.verdict)

    # Synthetic, and marked so.
    case = Case.objects.first()
    assert case is not None
    assert "(synthetic)" in case.assessments.get().risks
    assert "synthetic" in case.summary.lower()


def visible_on_the_case_list(client: Client, user: User) -> QuerySet[Case]:
    assert client.login(username=user.username, password=DEMO_PASSWORD), user.username
    sign_in_verified(client, user)  # the second factor, as the demo's device would give it
    response = client.get(reverse("case_list"))
    assert response.status_code == 200, user.username
    page = response.context["page"]
    return Case.objects.filter(pk__in=[case.pk for case in page.paginator.object_list])


def check_case_logins(demo: str, client: Client) -> None:
    """Each demo partner has a case worker and a case supervisor who sign in and see their cases."""
    for organisation in Organisation.objects.filter(name__in=[name for names in PARTNERS.values() for name in names]):
        workers = User.objects.filter(organisation=organisation, is_active=True)
        worker = workers.get(role__code="case_worker")
        supervisor = workers.get(role__code="case_supervisor")
        assert worker.username in demo and supervisor.username in demo
        assert worker.last_name == supervisor.last_name == "Demo"

        own = Case.objects.filter(organisation=organisation)
        assigned = own.filter(Q(case_worker=worker) | Q(shares__user=worker)).distinct()
        received = Case.objects.filter(
            referrals__to_organisation=organisation, referrals__status="accepted", referrals__assigned_to=worker
        )
        seen = visible_on_the_case_list(client, worker)
        assert seen.count() == assigned.count() + received.count() > 0
        assert set(seen.filter(organisation=organisation)) == set(assigned)
        assert not seen.exclude(organisation=organisation).exclude(pk__in=received).exists()
        if not received.exists():
            assert seen.count() == assigned.count()

        seen = visible_on_the_case_list(client, supervisor)
        assert set(seen.filter(organisation=organisation)) == set(own)
        client.logout()
    assert "case_worker" in demo and "case_supervisor" in demo
    assert "caseworker.th1 / supervisor.th1" in demo
    assert "caseworker.np / supervisor.np" in demo


def test_the_cases_leave_the_records_as_they_are(programme: object) -> None:
    """Cases come after the records, from their own random generator: they link services and add family
    tracing (which no indicator counts), and change nothing else."""
    partners = ensure_organisations()
    records = DemoRecords(seed=SEED, partners=partners)
    records.build()

    def snapshot() -> list[tuple[object, ...]]:
        return [
            (
                service.kind,
                service.person.code if service.person else service.household.code,
                service.organisation.pk,
                service.start,
                service.end,
            )
            for builder in records.builders
            for service in builder.services
        ] + [(role.person.code, role.role, role.start) for builder in records.builders for role in builder.roles]

    before = snapshot()
    casework = DemoCasework(seed=SEED, staff=case_staff(ensure_logins(DEMO_PASSWORD)))
    casework.build(records.builders)
    assert snapshot() == before
    assert casework.cases and {service.kind for service in casework.services} == {"family_tracing"}
    for indicator in Indicator.objects.all():
        assert "family_tracing" not in indicator.counting_rule


def test_no_page_outside_need_to_know_shows_a_demo_childs_name(demo: str) -> None:
    """The demo's own children: their names appear to their case workers, and on no page anyone else sees,
    error pages included."""
    chiang_rai = Organisation.objects.get(name=PARTNERS["TH"][0])
    cases = list(
        Case.objects.filter(organisation=chiang_rai, referrals__isnull=True)
        .exclude(person__name="")
        .select_related("person")
        .order_by("pk")[:3]
    )
    assert cases
    names = [case.person.name.encode() for case in cases]

    def pages(case: Case) -> list[str]:
        person = case.person
        household = person.households.first()
        urls = [
            reverse("case_list"),
            reverse("case_detail", args=[case.public_id]),
            reverse("legal_case", args=[case.public_id]),
            reverse("person_edit", args=[person.public_id]),
            reverse("person_list"),
            reverse("service_list"),
            reverse("figure_records", args=["OUT-6"]) + "?period=2017-H1&country=TH",
            reverse("case_detail", args=["no-such-case"]),
        ]
        if household:
            urls.append(reverse("household_edit", args=[household.public_id]))
        return urls

    outsiders = [
        "manager",
        "me.officer",
        "coordinator.np",
        "partner.th",
        "partner2.th",
        "caseworker.th2",
        "donor",
        "admin",
    ]
    for username in outsiders:
        client = sign_in_verified(Client(), User.objects.get(username=username))
        for case in cases:
            for url in pages(case):
                body = client.get(url).content
                assert not any(name in body for name in names), f"{username} sees a child's name on {url}"
    # ... while the child's own case worker does see it: the check above would catch a name.
    worker = sign_in_verified(Client(), User.objects.get(username="caseworker.th1"))
    assert names[0] in worker.get(reverse("case_detail", args=[cases[0].public_id])).content
