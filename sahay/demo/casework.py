"""Synthetic case management for the demo: a case for every victim of the demo records.

Runs after the records are generated, from its own random generator (the records' seed + 2), so the
records and every figure computed from them stay exactly as they are. Each victim gets a case at the
partner that registered them, followed by that partner's demo case worker; the victim's services, and
those of the household they belong to, are linked to the case. Around it: consents, an assessment,
plan goals, follow-up visits, a few referrals between the two Thai partners and a few legal cases.
The receivers of referrals add family tracing, a kind of service no indicator counts.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import count
from typing import TYPE_CHECKING

from django.db.models import Model

from sahay.cases.models import Assessment, Case, Consent, FollowUp, Hearing, LegalCase, PlanGoal, Referral
from sahay.demo.organisations import CaseStaff
from sahay.records.models import PersonRole, Service, TrackedItem

if TYPE_CHECKING:
    from sahay.demo.records import CountryBuilder

CASE_SEED_OFFSET = 2  # the records use the seed and the seed + 1
DATA_END = date(2018, 12, 31)
# Cases opened before this date may be closed by now; later ones stay open.
CLOSABLE_BEFORE = date(2018, 7, 1)
CLOSED_SHARE = 0.6
REFERRAL_CONSENT_SHARE = 0.85
THAI_REFERRALS = 6
LEGAL_CASES_PER_COUNTRY = 4
AUTHORITY = "Synthetic police unit"

CLOSURE_REASONS = [
    (Case.ClosureReason.GOALS_MET, 6),
    (Case.ClosureReason.AGED_OUT, 1),
    (Case.ClosureReason.MOVED, 1),
    (Case.ClosureReason.LOST_CONTACT, 1),
    (Case.ClosureReason.DECLINED, 1),
]
RISKS = {
    Case.Exploitation.CHILD_SEX_TOURISM: "Approached by foreign visitors near the beach resorts (synthetic).",
    Case.Exploitation.ONLINE_ABUSE: "Groomed through a chat application; asked for live-streamed video (synthetic).",
    Case.Exploitation.ABUSE_MATERIAL: "Images of the child were shared online; the offender may try again (synthetic).",
    Case.Exploitation.TRAFFICKING: "Recruited with a false job offer; the recruiter knows the family (synthetic).",
    Case.Exploitation.OTHER: "Exploited by an adult known to the family (synthetic).",
}
NEEDS = [
    "Safe accommodation, medical check-up and counselling (synthetic).",
    "Counselling, return to school and support for the caregiver (synthetic).",
    "Legal advice on the complaint and emotional support during the investigation (synthetic).",
    "Family income support so the child does not have to earn money (synthetic).",
]
SAFETY = [
    "Stays at the shelter until the home is assessed as safe (synthetic).",
    "Caregiver knows the warning signs and whom to call; phone settings checked together (synthetic).",
    "No contact with the offender; the school is informed and watches who collects the child (synthetic).",
]
GOALS = {
    "shelter": "A safe place to stay until the family home is assessed as safe (synthetic).",
    "medical": "Medical examination and treatment completed (synthetic).",
    "psychosocial": "Regular counselling sessions; the child sleeps and eats better (synthetic).",
    "legal_aid": "The child and caregiver understand the legal process and are accompanied (synthetic).",
    "education_support": "Back in school with fees and materials paid (synthetic).",
    "vocational_training": "Enrolled in a vocational course of the child's choice (synthetic).",
    "home_visit": "The family is visited regularly and knows where to find help (synthetic).",
    "livelihood": "The family has a second source of income (synthetic).",
    "family_tracing": "Family traced and the child's return prepared (synthetic).",
}
VISIT_NOTES = [
    "Visited at home; the child is attending school (synthetic).",
    "Visited with the caregiver; no new concerns (synthetic).",
    "Visited at the shelter; counselling goes well (synthetic).",
    "Phone call and home visit; the family needs help with school fees (synthetic).",
]


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=UTC)


@dataclass
class CaseRecords:
    """One victim's case and what hangs on it, before they are saved."""

    case: Case
    country: str
    services: list[Service]
    follow_ups: list[FollowUp] = field(default_factory=list)

    def last_service_day(self) -> date:
        return max(service.end or service.start for service in self.services)


@dataclass
class DemoCasework:
    """Cases for the victims of the countries' generated records, collected for `save_cases` and `save_rest`."""

    seed: int
    staff: dict[int, CaseStaff]
    cases: list[CaseRecords] = field(default_factory=list)
    consents: list[Consent] = field(default_factory=list)
    assessments: list[Assessment] = field(default_factory=list)
    goals: list[PlanGoal] = field(default_factory=list)
    referrals: list[Referral] = field(default_factory=list)
    referred_at: list[datetime] = field(default_factory=list)  # creation sets `referred_at` to now
    services: list[Service] = field(default_factory=list)  # the receivers' services, created with the records'
    legal_cases: list[LegalCase] = field(default_factory=list)
    hearings: list[Hearing] = field(default_factory=list)
    references: count[int] = field(default_factory=lambda: count(1))

    def build(self, countries: list[CountryBuilder]) -> None:
        rng = random.Random(self.seed + CASE_SEED_OFFSET)
        for country in countries:
            self._open_cases(rng, country)
        for records in self.cases:
            self._care(rng, records)
        thai = [records for records in self.cases if records.country == "TH"]
        self._refer(rng, thai)
        for records in self.cases:
            self._close_or_follow(rng, records)
        for country in countries:
            self._legal_cases(rng, country)

    # Cases ----------------------------------------------------------------------------------------

    def _open_cases(self, rng: random.Random, country: CountryBuilder) -> None:
        victims = {id(role.person): role for role in country.roles if role.role == PersonRole.Role.VICTIM}
        household_victim = {id(household): person for household, person in country.members if id(person) in victims}
        services: dict[int, list[Service]] = {}
        for service in country.services:
            person = service.person if service.person is not None else household_victim.get(id(service.household))
            if person is not None and id(person) in victims:
                services.setdefault(id(person), []).append(service)
        for role in country.roles:
            if role.role != PersonRole.Role.VICTIM:
                continue
            person = role.person
            organisation = person.organisation
            intake = rng.choice(Case.Intake.values)
            exploitation = rng.choice(Case.Exploitation.values)
            case = Case(
                person=person,
                organisation=organisation,
                case_worker=self.staff[organisation.pk].case_worker,
                intake=intake,
                exploitation=exploitation,
                opened_on=role.start,
                summary=f"Synthetic case for the demo: {Case.Exploitation(exploitation).label}, "
                f"{Case.Intake(intake).label}.",
            )
            # Services from the day the child is known as a victim (an earlier one was not within the case).
            within = [service for service in services.get(id(person), []) if service.start >= role.start]
            for service in within:
                service.case = case
            self.cases.append(CaseRecords(case=case, country=country.code, services=within))

    def _care(self, rng: random.Random, records: CaseRecords) -> None:
        case = records.case
        worker = self.staff[case.organisation.pk].case_worker
        self.consents.append(
            Consent(
                case=case,
                purpose=Consent.Purpose.SERVICES,
                given_by=Consent.GivenBy.CAREGIVER,
                given_on=case.opened_on,
                recorded_by=worker,
            )
        )
        if rng.random() < REFERRAL_CONSENT_SHARE:
            self.consents.append(
                Consent(
                    case=case,
                    purpose=Consent.Purpose.REFERRAL,
                    given_by=Consent.GivenBy.CAREGIVER,
                    given_on=case.opened_on + timedelta(days=rng.randint(0, 5)),
                    recorded_by=worker,
                )
            )
        self.assessments.append(
            Assessment(
                case=case,
                assessed_on=case.opened_on + timedelta(days=rng.randint(0, 5)),
                risk_level=rng.choice(["high", "high", "medium", "medium", "low"]),
                risks=RISKS[Case.Exploitation(case.exploitation)],
                needs=rng.choice(NEEDS),
                safety=rng.choice(SAFETY),
                assessed_by=worker,
            )
        )

    def _refer(self, rng: random.Random, thai: list[CaseRecords]) -> None:
        """A handful of Thai cases referred to the other Thai partner, accepted by its supervisor."""
        consented = {id(consent.case) for consent in self.consents if consent.purpose == Consent.Purpose.REFERRAL}
        candidates = [records for records in thai if id(records.case) in consented]
        for records in rng.sample(candidates, k=min(THAI_REFERRALS, len(candidates))):
            case = records.case
            receiver = next(
                staff
                for pk, staff in self.staff.items()
                if pk != case.organisation.pk and staff.organisation.country_id == case.organisation.country_id
            )
            referred_on = case.opened_on + timedelta(days=rng.randint(10, 40))
            answered_on = referred_on + timedelta(days=rng.randint(1, 3))
            self.referred_at.append(_at(referred_on))
            self.referrals.append(
                Referral(
                    case=case,
                    to_organisation=receiver.organisation,
                    referred_by=self.staff[case.organisation.pk].case_worker,
                    needs="Family tracing and preparing the child's return home (synthetic).",
                    shares_identity=rng.random() < 0.5,
                    status=Referral.Status.ACCEPTED,
                    answered_by=receiver.supervisor,
                    answered_at=_at(answered_on),
                    answer_note="Accepted; our case worker will contact the family (synthetic).",
                    assigned_to=receiver.case_worker,
                )
            )
            # The receiver's service goes to the same child, within the same case.
            start = answered_on + timedelta(days=rng.randint(2, 10))
            service = Service(
                kind=Service.Kind.FAMILY_TRACING,
                person=case.person,
                organisation=receiver.organisation,
                start=start,
                end=start + timedelta(days=rng.randint(30, 90)),
                case=case,
                outcome="Family traced; the home was assessed as safe (synthetic).",
            )
            self.services.append(service)
            records.services.append(service)

    def _close_or_follow(self, rng: random.Random, records: CaseRecords) -> None:
        """Plan goals and follow-up visits; older cases are often closed after their last service."""
        case = records.case
        worker = self.staff[case.organisation.pk].case_worker
        last = records.last_service_day() if records.services else case.opened_on
        if case.opened_on < CLOSABLE_BEFORE and rng.random() < CLOSED_SHARE:
            case.status = Case.Status.CLOSED
            case.closed_on = last + timedelta(days=rng.randint(7, 60))
            reasons, weights = zip(*CLOSURE_REASONS, strict=True)
            case.closure_reason = rng.choices(reasons, weights=weights)[0]
        closed_on = case.closed_on
        kinds = list(dict.fromkeys(service.kind for service in records.services)) or ["psychosocial"]
        for kind in rng.sample(kinds, k=min(len(kinds), rng.randint(1, 2))):
            due_on = case.opened_on + timedelta(days=rng.randint(30, 120))
            if closed_on is None:
                achieved = rng.random() < 0.7
            else:
                achieved = case.closure_reason == Case.ClosureReason.GOALS_MET or rng.random() < 0.5
            achieved_on = None
            if achieved:
                achieved_on = max(due_on - timedelta(days=rng.randint(0, 20)), case.opened_on)
                if closed_on is not None:
                    achieved_on = min(achieved_on, closed_on)
            self.goals.append(
                PlanGoal(
                    case=case,
                    goal=GOALS[kind],
                    service_kind=kind,
                    responsible=f"{worker.first_name} {worker.last_name}, case worker",
                    due_on=due_on,
                    achieved_on=achieved_on,
                )
            )
        due_on = case.opened_on + timedelta(days=rng.randint(14, 45))
        for visit in range(rng.randint(1, 2)):
            if visit:
                due_on += timedelta(days=rng.randint(30, 90))
            if closed_on is not None and due_on > closed_on:
                break
            visited = due_on + timedelta(days=rng.randint(-2, 5))
            if closed_on is not None:
                visited = min(visited, closed_on)
            elif rng.random() < 0.08:
                self._visit(rng, records, due_on, None)  # overdue
                continue
            self._visit(rng, records, due_on, max(visited, case.opened_on))
        if closed_on is None and rng.random() < 0.12:
            # Planned just after the data ends: due, and never recorded.
            self._visit(rng, records, DATA_END + timedelta(days=rng.randint(7, 60)), None)

    def _visit(self, rng: random.Random, records: CaseRecords, due_on: date, done_on: date | None) -> None:
        case = records.case
        records.follow_ups.append(
            FollowUp(
                case=case,
                due_on=due_on,
                visited_by=self.staff[case.organisation.pk].case_worker,
                done_on=done_on,
                notes=rng.choice(VISIT_NOTES) if done_on else "",
            )
        )

    # Legal cases ----------------------------------------------------------------------------------

    def _legal_cases(self, rng: random.Random, country: CountryBuilder) -> None:
        """A few legal cases of victims with legal aid, against an offender record of the same partner
        (or else the same country) where there is one."""
        offenders = [item for item, _statuses, _details in country.items if item.kind == TrackedItem.Kind.OFFENDER]
        with_legal_aid = [
            records
            for records in self.cases
            if records.country == country.code and any(service.kind == "legal_aid" for service in records.services)
        ]
        for records in rng.sample(with_legal_aid, k=min(LEGAL_CASES_PER_COUNTRY, len(with_legal_aid))):
            case = records.case
            own = [item for item in offenders if item.organisation.pk == case.organisation.pk] or offenders
            filed_on = case.opened_on + timedelta(days=rng.randint(3, 30))
            stage = rng.choice(LegalCase.Stage.values)
            verdict_on = filed_on + timedelta(days=rng.randint(200, 600)) if stage == LegalCase.Stage.VERDICT else None
            legal_case = LegalCase(
                case=case,
                stage=stage,
                complaint_filed_on=filed_on,
                authority=AUTHORITY,
                authority_reference=f"SYN-{filed_on.year}-{next(self.references):04d}",
                verdict=rng.choice(["convicted", "convicted", "acquitted", "dismissed"]) if verdict_on else "",
                verdict_on=verdict_on,
                offender=rng.choice(own) if own else None,
                measures=sorted(rng.sample(LegalCase.Measure.values, k=rng.randint(1, 3))),
                notes="Synthetic legal case of the demo; evidence stays with the authority.",
            )
            self.legal_cases.append(legal_case)
            if stage in (LegalCase.Stage.TRIAL, LegalCase.Stage.VERDICT):
                until = verdict_on or filed_on + timedelta(days=400)
                for day in sorted(rng.sample(range(60, (until - filed_on).days), k=rng.randint(1, 3))):
                    self.hearings.append(
                        Hearing(
                            legal_case=legal_case,
                            held_on=filed_on + timedelta(days=day),
                            note="Hearing held with child-friendly measures (synthetic).",
                        )
                    )

    # Saving ---------------------------------------------------------------------------------------

    def save_cases(self) -> int:
        """Before the services, which link to the cases."""
        Case.objects.bulk_create([records.case for records in self.cases], batch_size=2000)
        return len(self.cases)

    def save_rest(self) -> int:
        """After the services and the tracked items (legal cases link to offender records)."""
        follow_ups = [follow_up for records in self.cases for follow_up in records.follow_ups]
        batches: list[tuple[type[Model], Sequence[Model]]] = [
            (Consent, self.consents),
            (Assessment, self.assessments),
            (PlanGoal, self.goals),
            (FollowUp, follow_ups),
            (Referral, self.referrals),
            (LegalCase, self.legal_cases),
            (Hearing, self.hearings),
        ]
        for model, objects in batches:
            model._default_manager.bulk_create(objects, batch_size=2000)
        # Creation set `referred_at` to now: give the referrals their dates within the data.
        for referral, referred_at in zip(self.referrals, self.referred_at, strict=True):
            referral.referred_at = referred_at
        Referral.objects.bulk_update(self.referrals, ["referred_at"])
        return sum(len(objects) for _model, objects in batches)
