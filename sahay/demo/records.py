"""Synthetic record-level demo data, 2017-H1 to 2018-H2, from a fixed seed.

Every figure of the framework is computed by the engine from these records. The generator is built so
that the ten published 2017-H1 results (data/published_2017_h1.yaml) come out exactly for the country
that published them, and every target shows partial progress. It also holds the cases the counting
conventions exist for: repeat attendance, children in two semesters, a child turning 18 between two
sessions, an at-risk child who becomes a victim, Sri Lankan officials trained in reporting and press
(OUT-9, not JUST-2), and victim counts of 1 to 4 in small cells.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db.models import Q
from faker import Faker

from sahay.cases.models import (
    Assessment,
    Attachment,
    Case,
    Consent,
    FollowUp,
    GlassAccess,
    Hearing,
    LegalCase,
    PlanGoal,
    Referral,
)
from sahay.core.models import Country, Organisation
from sahay.core.periods import Period
from sahay.demo.casework import DemoCasework
from sahay.figures.ledger.maintain import flush as ledger_flush
from sahay.records.models import (
    Activity,
    AggregateReach,
    ExternalOrganisation,
    Household,
    HouseholdMember,
    OffenderDetails,
    Participation,
    Person,
    PersonRole,
    Service,
    TrackedItem,
    TrackedItemStatus,
)

if TYPE_CHECKING:
    from sahay.demo.organisations import CaseStaff

SEMESTERS = [Period.parse(code) for code in ("2017-H1", "2017-H2", "2018-H1", "2018-H2")]
FIRST = SEMESTERS[0]
NAME_LOCALES = {
    "BD": "bn_BD",
    "IN": "hi_IN",
    "ID": "id_ID",
    "NP": "ne_NP",
    "PH": "fil_PH",
    "LK": "si_LK",
    "TH": "th_TH",
}
VICTIM_HELP = ["shelter", "medical", "psychosocial", "legal_aid"]


def _semester_day(rng: random.Random, semester: Period) -> date:
    return semester.start + timedelta(days=rng.randrange((semester.end - semester.start).days + 1))


def _chunks(items: list[Person], sizes: Iterator[int]) -> Iterator[list[Person]]:
    position = 0
    while position < len(items):
        size = next(sizes)
        yield items[position : position + size]
        position += size


@dataclass
class Published:
    """The published 2017-H1 figure of an output indicator for its country, or a generated one elsewhere."""

    figures: dict[tuple[str, str], int]
    rng: random.Random

    def __call__(self, indicator: str, country: str, semester: Period, low: float, high: float) -> int:
        base = next(value for (code, _country), value in self.figures.items() if code == indicator)
        if semester == FIRST and (indicator, country) in self.figures:
            return self.figures[(indicator, country)]
        return max(1, round(base * self.rng.uniform(low, high)))


@dataclass
class CountryBuilder:
    """Builds one country's records. Objects are collected, then saved in bulk by `DemoRecords.save`."""

    country: Country
    partners: list[Organisation]
    rng: random.Random
    published: Published
    faker: Faker
    people: list[Person] = field(default_factory=list)
    roles: list[PersonRole] = field(default_factory=list)
    households: list[Household] = field(default_factory=list)
    members: list[tuple[Household, Person]] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    participations: list[tuple[Activity, Person, bool]] = field(default_factory=list)
    reached: list[tuple[Activity, ExternalOrganisation]] = field(default_factory=list)
    reach: list[tuple[Activity, str, int]] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    external: list[ExternalOrganisation] = field(default_factory=list)
    items: list[tuple[TrackedItem, list[tuple[str, date]], OffenderDetails | None]] = field(default_factory=list)
    aware_children: list[Person] = field(default_factory=list)
    aware_adults: list[Person] = field(default_factory=list)
    victims_this_semester: list[Person] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.country.code

    def partner(self) -> Organisation:
        return self.partners[self.rng.randrange(len(self.partners))]

    # People ---------------------------------------------------------------------------------------

    def person(
        self,
        *,
        age_on: date,
        age: int,
        sex: str | None = None,
        role: str | None = None,
        role_from: date | None = None,
        profession: str = "",
        organisation: Organisation | None = None,
    ) -> Person:
        organisation = organisation or self.partner()
        born = age_on - timedelta(days=365 * age + self.rng.randrange(365))
        estimated = self.rng.random() < 0.15
        person = Person(
            organisation=organisation,
            code=f"{self.code}-{len(self.people) + 1:06d}",
            sex=sex or self.rng.choice(["female", "male", "female", "male", "unknown"]),
            birth_date=None if estimated else born,
            birth_year_estimated=born.year if estimated else None,
            country=self.country,
            name=f"{self.faker.name()} (synthetic)",
        )
        person.set_age_milestones()
        self.people.append(person)
        if role:
            self.roles.append(
                PersonRole(
                    person=person, role=role, profession=profession, start=role_from or age_on - timedelta(days=30)
                )
            )
        return person

    def activity(
        self, kind: str, semester: Period, title: str, *, topic: str = "", campaign: str = "", on: date | None = None
    ) -> Activity:
        activity = Activity(
            organisation=self.partner(),
            country=self.country,
            kind=kind,
            training_topic=topic,
            campaign_kind=campaign,
            title=title,
            date=on or _semester_day(self.rng, semester),
        )
        self.activities.append(activity)
        return activity

    def take_part(self, activity: Activity, people: list[Person], *, completed: bool = False) -> None:
        for person in people:
            self.participations.append((activity, person, completed))

    # Prevention -----------------------------------------------------------------------------------

    def awareness(self, semester: Period) -> None:
        """Awareness sessions for children and adults, and trainings on recognising exploitation (OUT-2)."""
        rng = self.rng
        new_children = [
            self.person(age_on=semester.start, age=rng.randint(8, 16), role="at_risk_child")
            for _ in range(rng.randint(60, 160))
        ]
        repeats = rng.sample(self.aware_children, k=len(self.aware_children) // 6)
        session_children = new_children + repeats
        rng.shuffle(session_children)
        for group in _chunks(session_children, iter(lambda: rng.randint(20, 40), None)):
            session = self.activity("awareness_session", semester, "Awareness session on online safety")
            self.take_part(session, group)
            # Repeat attendance: a few come to a second session in the same semester.
            if len(group) > 10:
                again = self.activity("awareness_session", semester, "Follow-up awareness session")
                self.take_part(again, group[:5])
        trained_count = self.published("OUT-2", self.code, semester, 0.05, 0.25)
        earlier = rng.sample(self.aware_children, k=min(len(self.aware_children), trained_count // 5))
        # Young enough to stay under 18 all semester, so each counts as a child on the training date.
        fresh = [
            self.person(age_on=semester.start, age=rng.randint(10, 15), role="at_risk_child")
            for _ in range(trained_count - len(earlier))
        ]
        trained = earlier + fresh
        for group in _chunks(trained, iter(lambda: rng.randint(25, 50), None)):
            training = self.activity(
                "training", semester, "Recognising exploitation and reporting", topic="recognising_exploitation"
            )
            self.take_part(training, group, completed=True)
        self.aware_children += new_children + fresh

        adults = [
            self.person(age_on=semester.start, age=rng.randint(22, 60), role="community_member")
            for _ in range(rng.randint(250, 450))
        ]
        self.aware_adults += adults
        for group in _chunks(adults, iter(lambda: rng.randint(25, 60), None)):
            self.take_part(self.activity("awareness_session", semester, "Parents' awareness session"), group)

    def community_meetings(self, semester: Period) -> None:
        for _ in range(self.published("OUT-1", self.code, semester, 0.2, 1.0)):
            meeting = self.activity("community_meeting", semester, "Community meeting on child protection")
            self.take_part(meeting, self.rng.sample(self.aware_adults, k=min(len(self.aware_adults), 8)))

    def school_outreach(self, semester: Period) -> None:
        schools = [school for school in self.external if school.kind == "school"]
        needed = self.published("OUT-8", self.code, semester, 0.4, 1.2)
        while len(schools) < needed + 5:
            school = ExternalOrganisation(
                recorded_by=self.partners[0],
                kind="school",
                country=self.country,
                name=f"{self.faker.last_name()} School {len(schools) + 1} (synthetic)",
            )
            self.external.append(school)
            schools.append(school)
        visited = self.rng.sample(schools, k=needed)
        for index, school in enumerate(visited + visited[:2]):  # two schools get a follow-up visit
            title = "School outreach follow-up" if index >= needed else "School outreach with materials"
            outreach = self.activity("school_outreach", semester, title)
            self.reached.append((outreach, school))

    def campaigns(self, semester: Period) -> None:
        for _ in range(self.published("OUT-7", self.code, semester, 0.2, 1.1)):
            campaign = self.activity("campaign", semester, "Media campaign on child rights", campaign="media")
            self.reach.append((campaign, "everyone", self.rng.randrange(2_000, 40_000, 500)))

    # Aftercare ------------------------------------------------------------------------------------

    def education(self, semester: Period) -> None:
        """Education support (PREV-3, OUT-3) and help claiming social assistance (OUT-3 only)."""
        total = self.published("OUT-3", self.code, semester, 0.05, 0.18)
        social_only = total // 4 if self.code == "IN" and semester == FIRST else round(total * 0.15)
        girls_only = self.code == "IN"
        for index in range(total):
            child = self.person(
                age_on=semester.start,
                age=self.rng.randint(6, 16),
                role="at_risk_child",
                sex="female" if girls_only else None,
            )
            start = _semester_day(self.rng, semester)
            if index < social_only:
                self.service(child, "social_assistance_claim", start, days=60)
            else:
                detail = self.rng.choice(["enrolment", "re_enrolment", "fees", "materials"])
                self.service(child, "education_support", start, days=self.rng.randint(30, 150), detail=detail)

    def service(
        self,
        person: Person | None,
        kind: str,
        start: date,
        *,
        days: int | None,
        detail: str = "",
        household: Household | None = None,
        organisation: Organisation | None = None,
    ) -> Service:
        service = Service(
            kind=kind,
            education_support=detail,
            person=person,
            household=household,
            organisation=organisation or (person.organisation if person else self.partner()),
            start=start,
            end=start + timedelta(days=days) if days is not None else None,
        )
        self.services.append(service)
        return service

    def victims(self, semester: Period, small: bool) -> None:
        """Victims with specialised help (OUT-6), legal aid (JUST-1), school or training (CARE-2),
        their families' support (OUT-4) and livelihoods (CARE-1)."""
        rng = self.rng
        count = rng.randint(1, 4) if small else self.published("OUT-6", self.code, semester, 0.15, 0.5)
        self.victims_this_semester = []
        for _ in range(count):
            start = _semester_day(rng, semester)
            partner = self.partner()
            victim = self.person(
                age_on=start, age=rng.randint(9, 17), role="victim", role_from=start, organisation=partner
            )
            # Help starts within days of the child being known, and in the same semester.
            for kind in rng.sample(VICTIM_HELP, k=rng.randint(1, 3)):
                self.service(
                    victim, kind, min(start + timedelta(days=rng.randint(0, 5)), semester.end), days=rng.randint(7, 90)
                )
            if rng.random() < 0.35:
                self.service(
                    victim, "legal_aid", min(start + timedelta(days=rng.randint(0, 20)), semester.end), days=120
                )
            if rng.random() < 0.12:
                # Back to school or into training from the next term.
                kind = rng.choice(["education_support", "vocational_training"])
                self.service(
                    victim,
                    kind,
                    semester.end + timedelta(days=rng.randint(1, 30)),
                    days=150,
                    detail=rng.choice(["enrolment", "re_enrolment"]) if kind == "education_support" else "",
                )
            self.victims_this_semester.append(victim)
        families = self.published("OUT-4", self.code, semester, 0.1, 0.45) if not small else rng.randint(1, 3)
        for _ in range(families):
            self.family_of_victim(semester)

    def family_of_victim(self, semester: Period) -> None:
        """A victim's household, supported as a family (OUT-4); a victim of this semester where there is one."""
        rng = self.rng
        if self.victims_this_semester:
            victim = self.victims_this_semester.pop()
            role_from = next(role.start for role in reversed(self.roles) if role.person is victim)
            partner = victim.organisation
        else:
            role_from = _semester_day(rng, semester)
            partner = self.partner()
            victim = self.person(
                age_on=role_from, age=rng.randint(8, 17), role="victim", role_from=role_from, organisation=partner
            )
            self.service(victim, rng.choice(["medical", "psychosocial"]), role_from, days=45)
        # The family is supported after the child is known as a victim, in the same semester.
        start = min(role_from + timedelta(days=rng.randint(0, 10)), semester.end)
        household = Household(
            organisation=partner,
            code=f"{self.code}-H{len(self.households) + 1:05d}",
            country=self.country,
            address=f"{self.faker.street_name()} (synthetic)",
        )
        self.households.append(household)
        caregiver = self.person(age_on=start, age=rng.randint(28, 55), role="caregiver", organisation=partner)
        self.members += [(household, victim), (household, caregiver)]
        self.service(
            None,
            rng.choice(["home_visit", "psychosocial", "legal_aid"]),
            start,
            days=rng.randint(1, 60),
            household=household,
            organisation=partner,
        )
        if rng.random() < 0.25:
            self.service(
                None, "livelihood", start + timedelta(days=15), days=180, household=household, organisation=partner
            )

    def livelihoods(self, semester: Period) -> None:
        """Families of at-risk children helped to other income (CARE-1)."""
        for _ in range(self.rng.randint(8, 16)):
            start = _semester_day(self.rng, semester)
            partner = self.partner()
            household = Household(
                organisation=partner, code=f"{self.code}-H{len(self.households) + 1:05d}", country=self.country
            )
            self.households.append(household)
            self.members.append(
                (
                    household,
                    self.person(age_on=start, age=self.rng.randint(25, 50), role="caregiver", organisation=partner),
                )
            )
            self.service(
                None, "livelihood", start, days=self.rng.randint(90, 360), household=household, organisation=partner
            )

    # Legal aid and justice ------------------------------------------------------------------------

    def officials(self, semester: Period) -> None:
        """Officials trained: offender detection (JUST-2, OUT-9), or in Sri Lanka's first semester,
        reporting and press releases (OUT-9 only)."""
        rng = self.rng
        reporting_only = self.code == "LK" and semester == FIRST
        total = self.published("OUT-9", self.code, semester, 0.2, 0.45)
        officials = [
            self.person(
                age_on=semester.start,
                age=rng.randint(25, 55),
                role="professional",
                profession=rng.choice(["police", "police", "judge", "prosecutor"]),
            )
            for _ in range(total)
        ]
        social_workers = [
            self.person(age_on=semester.start, age=rng.randint(25, 55), role="professional", profession="social_worker")
            for _ in range(5)
        ]
        topic = "reporting_press" if reporting_only else "offender_detection"
        for group in _chunks(officials, iter(lambda: rng.randint(15, 30), None)):
            training = self.activity("training", semester, "Training for police and judiciary", topic=topic)
            completed = [person for person in group if rng.random() < 0.9]
            self.take_part(training, completed, completed=True)
            self.take_part(training, [person for person in group if person not in completed])
            self.take_part(training, social_workers[:2], completed=True)

    def community_reports(self, semester: Period) -> None:
        for _ in range(self.published("OUT-5", self.code, semester, 0.2, 0.9)):
            self.activity("community_report", semester, "Community report of suspected abuse")

    def offenders(self, semester: Period) -> None:
        rng = self.rng
        for _ in range(rng.randint(4, 9)):
            reported = _semester_day(rng, semester)
            path = ["reported", "traced", "arrested", "charged", "convicted"][: rng.randint(2, 5)]
            if rng.random() < 0.1:
                path = ["charged"]  # first recorded when charged: counts as arrested
            statuses = [(status, reported + timedelta(days=20 * step)) for step, status in enumerate(path)]
            item = TrackedItem(
                kind="offender",
                organisation=self.partner(),
                country=self.country,
                title=f"Offender record {self.code}-{len(self.items) + 1:04d}",
            )
            details = OffenderDetails(
                item=item,
                offender_kind=rng.choice(["travelling", "expatriate", "local", "online"]),
                nationality=rng.choice(["AU", "GB", "DE", "US", self.code]),
            )
            self.items.append((item, statuses, details))

    # Promotion and lobby --------------------------------------------------------------------------

    def private_sector(self, semester: Period) -> None:
        rng = self.rng
        companies = [company for company in self.external if company.kind == "company"]
        for _ in range(5):
            company = ExternalOrganisation(
                recorded_by=self.partners[0],
                kind="company",
                country=self.country,
                sector=rng.choice([choice.value for choice in ExternalOrganisation.Sector]),
                name=f"{self.faker.company()} {len(companies) + 1} (synthetic)",
            )
            self.external.append(company)
            companies.append(company)
        for _ in range(self.published("OUT-10", self.code, semester, 0.2, 1.0)):
            dialogue = self.activity("private_sector_dialogue", semester, "Dialogue with the private sector")
            self.reached.append((dialogue, rng.choice(companies)))
        cooperating = {id(item.company) for item, _statuses, _details in self.items if item.company is not None}
        candidates = [company for company in companies if id(company) not in cooperating]
        for company in rng.sample(candidates, k=min(len(candidates), rng.randint(3, 6))):
            contacted = _semester_day(rng, semester)
            path = ["contacted", "in_dialogue", "committed", "active"] + (["ended"] if rng.random() < 0.15 else [])
            statuses = [(status, contacted + timedelta(days=15 * step)) for step, status in enumerate(path)]
            item = TrackedItem(
                kind="cooperation",
                organisation=self.partners[0],
                country=self.country,
                title=f"Cooperation with {company.name}",
                company=company,
            )
            self.items.append((item, statuses, None))

    def policy(self, semester: Period) -> None:
        rng = self.rng
        if rng.random() < 0.4:
            drafted = _semester_day(rng, semester)
            path = ["drafted", "developed"] + (["adopted"] if rng.random() < 0.3 else [])
            statuses = [(status, drafted + timedelta(days=40 * step)) for step, status in enumerate(path)]
            item = TrackedItem(
                kind="policy_strategy",
                organisation=self.partners[0],
                country=self.country,
                title=f"Policy strategy on child online protection ({self.code}, {semester})",
            )
            self.items.append((item, statuses, None))

    def curriculum(self, completed_on: date | None) -> None:
        statuses = [("in_development", date(2017, 2, 1))]
        if completed_on:
            statuses.append(("completed", completed_on))
        item = TrackedItem(
            kind="curriculum",
            organisation=self.partners[0],
            country=self.country,
            title=f"Safe-internet curriculum ({self.country.name_en})",
        )
        self.items.append((item, statuses, None))

    # The conventions' edge cases ------------------------------------------------------------------

    def edge_cases(self) -> None:
        """A child who turns 18 between two sessions, and an at-risk child who later becomes a victim."""
        first_session = date(2017, 9, 12)
        turning = self.person(age_on=first_session, age=17, role="at_risk_child")
        turning.birth_date, turning.birth_year_estimated = date(2000, 1, 20), None
        turning.set_age_milestones()
        self.take_part(
            self.activity("awareness_session", SEMESTERS[1], "Youth awareness session", on=first_session), [turning]
        )
        self.take_part(
            self.activity("awareness_session", SEMESTERS[2], "Youth awareness session", on=date(2018, 3, 6)), [turning]
        )
        child = self.person(age_on=date(2017, 3, 1), age=12, role="at_risk_child")
        self.service(child, "education_support", date(2017, 3, 1), days=120, detail="fees")
        self.roles.append(PersonRole(person=child, role="victim", start=date(2018, 2, 14)))
        self.service(child, "shelter", date(2018, 2, 14), days=30)


@dataclass
class DemoRecords:
    """All countries' records, generated in a fixed order from one seed, then saved in bulk; with the
    partners' case staff, also a case for every victim (`sahay.demo.casework`, from its own generator)."""

    seed: int
    partners: dict[str, list[Organisation]]
    staff: dict[int, CaseStaff] = field(default_factory=dict)
    builders: list[CountryBuilder] = field(default_factory=list)
    casework: DemoCasework | None = None

    def build(self) -> None:
        rng = random.Random(self.seed)
        published = Published(figures=_published_figures(), rng=random.Random(self.seed + 1))
        # Small cells of victims (1 to 4) in a few countries and semesters, as real small partners have.
        small_cells = {("MM", "2018-H2"), ("KH", "2017-H1"), ("LK", "2018-H1")}
        for country in Country.objects.filter(code__in=self.partners).order_by("code"):
            faker = Faker(NAME_LOCALES.get(country.code, "en_US"))
            faker.seed_instance(rng.randrange(2**32))
            builder = CountryBuilder(
                country=country,
                partners=self.partners[country.code],
                rng=random.Random(rng.randrange(2**32)),
                published=published,
                faker=faker,
            )
            for semester in SEMESTERS:
                builder.awareness(semester)
                builder.community_meetings(semester)
                builder.school_outreach(semester)
                builder.campaigns(semester)
                builder.education(semester)
                builder.victims(semester, small=(country.code, semester.code) in small_cells)
                builder.livelihoods(semester)
                builder.officials(semester)
                builder.community_reports(semester)
                builder.offenders(semester)
                builder.private_sector(semester)
                builder.policy(semester)
            completed_on = {"ID": date(2017, 11, 20), "PH": date(2018, 5, 8)}.get(country.code)
            if completed_on or country.code == "TH":
                builder.curriculum(completed_on)
            if country.code == "NP":
                builder.edge_cases()
            self.builders.append(builder)
        if self.staff:
            # After every record is generated, from another generator: the records stay as they are.
            self.casework = DemoCasework(seed=self.seed, staff=self.staff)
            self.casework.build(self.builders)

    def save(self) -> int:
        """Save everything in dependency order; returns the number of records written."""
        written = 0

        def create(model: type, objects: list) -> None:  # type: ignore[type-arg]
            nonlocal written
            model.objects.bulk_create(objects, batch_size=2000)  # type: ignore[attr-defined]
            written += len(objects)

        every = self.builders
        create(ExternalOrganisation, [org for builder in every for org in builder.external])
        create(Person, [person for builder in every for person in builder.people])
        create(PersonRole, [role for builder in every for role in builder.roles])
        create(Household, [household for builder in every for household in builder.households])
        create(
            HouseholdMember,
            [
                HouseholdMember(household=household, person=person)
                for builder in every
                for household, person in builder.members
            ],
        )
        create(Activity, [activity for builder in every for activity in builder.activities])
        create(
            Participation,
            [
                Participation(activity=activity, person=person, completed=completed)
                for builder in every
                for activity, person, completed in builder.participations
            ],
        )
        create(
            Activity.reached_organisations.through,
            [
                Activity.reached_organisations.through(activity=activity, externalorganisation=organisation)
                for builder in every
                for activity, organisation in builder.reached
            ],
        )
        create(
            AggregateReach,
            [
                AggregateReach(
                    activity=activity,
                    audience=audience,
                    estimate=estimate,
                    method="broadcaster's audience figures (synthetic)",
                )
                for builder in every
                for activity, audience, estimate in builder.reach
            ],
        )
        casework = self.casework
        if casework:
            written += casework.save_cases()
        create(
            Service,
            [service for builder in every for service in builder.services] + (casework.services if casework else []),
        )
        items = [entry for builder in every for entry in builder.items]
        create(TrackedItem, [item for item, _statuses, _details in items])
        create(
            TrackedItemStatus,
            [
                TrackedItemStatus(item=item, status=status, reached_on=reached_on)
                for item, statuses, _details in items
                for status, reached_on in statuses
            ],
        )
        create(OffenderDetails, [details for _item, _statuses, details in items if details is not None])
        if casework:
            written += casework.save_rest()
        return written


def _published_figures() -> dict[tuple[str, str], int]:
    from sahay.demo.figures import published_results

    return {(result.indicator, result.country): result.value for result in published_results()}


def purge_demo_records(partners: dict[str, list[Organisation]]) -> None:
    """Remove an earlier version of the demo records (only the demo organisations' records), their cases
    first: what hangs on a case is protected, so it goes in order. Audit entries stay (append-only)."""
    organisations = [organisation for group in partners.values() for organisation in group]
    countries = list(partners)
    cases = Case.objects.filter(Q(organisation__in=organisations) | Q(person__organisation__in=organisations))
    Hearing.objects.filter(legal_case__case__in=cases).delete()
    for model in (LegalCase, GlassAccess, Attachment, FollowUp, PlanGoal, Assessment, Consent, Referral):
        model.objects.filter(case__in=cases).delete()
    Service.objects.filter(Q(organisation__in=organisations) | Q(case__in=cases)).delete()
    cases.delete()  # shares and notices go with them
    TrackedItem.objects.filter(organisation__in=organisations).delete()
    Activity.objects.filter(organisation__in=organisations).delete()
    Household.objects.filter(organisation__in=organisations).delete()
    Person.objects.filter(organisation__in=organisations).delete()
    ExternalOrganisation.objects.filter(recorded_by__in=organisations, country__code__in=countries).delete()
    # A bulk removal past the change step: the figure ledger drops what it kept of them here.
    ledger_flush()
