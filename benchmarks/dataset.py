"""A large synthetic data set for the engine benchmark, written once as CSV files (fixed seed).

The same files are loaded into Sahay's database and into DuckDB, so both count the same records.
Sizes scale with the number of people: by default 1 million people, about 3 million participations
and 2 million services, 9 countries, 6 semesters (2017-H1 to 2019-H2).
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

START, END = date(2017, 1, 1), date(2019, 12, 31)
DAYS = (END - START).days + 1
COUNTRIES = ["BD", "KH", "IN", "ID", "MM", "NP", "PH", "LK", "TH"]
PROFESSIONS = ["police", "judge", "prosecutor", "social_worker"]
CHILD_ACTIVITIES = [
    ("awareness_session", ""),
    ("school_outreach", ""),
    ("training", "recognising_exploitation"),
    ("training", "safe_internet"),
    ("campaign", ""),
]
ADULT_ACTIVITIES = [("awareness_session", ""), ("community_meeting", "")]
PROFESSIONAL_TOPICS = ["offender_detection", "reporting_press", "child_friendly_treatment"]
VICTIM_SERVICES = ["shelter", "medical", "psychosocial", "legal_aid", "education_support", "vocational_training"]
CHILD_SERVICES = ["education_support", "social_assistance_claim"]
HOUSEHOLD_SERVICES = ["livelihood", "home_visit", "legal_aid", "medical"]
EDUCATION = ["enrolment", "re_enrolment", "fees", "materials"]


def years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def iso(day: date | None) -> str:
    return day.isoformat() if day else ""


@dataclass
class Sizes:
    people: int

    @property
    def activities(self) -> int:
        # At least 200, so that a small data set's people have more activities to join than the three
        # participations each needs (with 60, 1,500 people ran out of distinct pairs and the draw never ended).
        return max(200, self.people // 25)

    @property
    def participations(self) -> int:
        return self.people * 3

    @property
    def services(self) -> int:
        return self.people * 2

    @property
    def households(self) -> int:
        return max(20, self.people // 12)


def generate(folder: Path, people: int, seed: int = 20170101) -> dict[str, int]:
    """Write the CSV files; country and organisation ids are 1-based positions in COUNTRIES."""
    rng = random.Random(seed)
    sizes = Sizes(people)
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}

    def writer(name: str, header: list[str]):  # type: ignore[no-untyped-def]
        handle = (folder / f"{name}.csv").open("w", newline="", encoding="utf-8")
        out = csv.writer(handle)
        out.writerow(header)
        return handle, out

    # People: children (some victims), adults, professionals. Roles start before the programme.
    kinds: list[str] = []
    person_country: list[int] = []
    people_file, people_out = writer(
        "person", ["id", "country", "code", "sex", "birth_date", "turns_12_on", "turns_18_on"]
    )
    roles_file, roles_out = writer("personrole", ["id", "person_id", "role", "profession", "start", "end"])
    role_id = 0
    for person_id in range(1, people + 1):
        country = rng.randrange(len(COUNTRIES)) + 1
        draw = rng.random()
        if draw < 0.55:
            kind, age = "child", rng.randint(5, 17)
        elif draw < 0.60:
            kind, age = "victim", rng.randint(8, 17)
        elif draw < 0.97:
            kind, age = "adult", rng.randint(18, 70)
        else:
            kind, age = "professional", rng.randint(24, 60)
        born = START - timedelta(days=365 * age + rng.randrange(365))
        unknown_birth = rng.random() < 0.03
        people_out.writerow(
            [
                person_id,
                country,
                f"B{person_id:07d}",
                rng.choice(["female", "male", "female", "male", "unknown"]),
                "" if unknown_birth else iso(born),
                "" if unknown_birth else iso(years_after(born, 12)),
                "" if unknown_birth else iso(years_after(born, 18)),
            ]
        )
        kinds.append(kind)
        person_country.append(country)
        role_id += 1
        if kind == "child":
            roles_out.writerow([role_id, person_id, "at_risk_child", "", "2016-01-01", ""])
        elif kind == "victim":
            roles_out.writerow([role_id, person_id, "at_risk_child", "", "2016-01-01", ""])
            role_id += 1
            roles_out.writerow([role_id, person_id, "victim", "", iso(START + timedelta(days=rng.randrange(DAYS))), ""])
        elif kind == "adult":
            roles_out.writerow([role_id, person_id, "community_member", "", "2016-01-01", ""])
        else:
            roles_out.writerow([role_id, person_id, "professional", rng.choice(PROFESSIONS), "2010-01-01", ""])
    people_file.close()
    roles_file.close()
    counts["person"], counts["personrole"] = people, role_id

    # Activities per country and audience.
    by_audience: dict[tuple[int, str], list[int]] = {}
    activity_dates: dict[int, date] = {}
    activities_file, activities_out = writer(
        "activity", ["id", "country", "kind", "campaign_kind", "training_topic", "date"]
    )
    for activity_id in range(1, sizes.activities + 1):
        country = rng.randrange(len(COUNTRIES)) + 1
        day = START + timedelta(days=rng.randrange(DAYS))
        draw = rng.random()
        if draw < 0.55:
            audience, (kind, topic) = "child", rng.choice(CHILD_ACTIVITIES)
        elif draw < 0.85:
            audience, (kind, topic) = "adult", rng.choice(ADULT_ACTIVITIES)
        elif draw < 0.95:
            audience, kind, topic = "professional", "training", rng.choice(PROFESSIONAL_TOPICS)
        else:
            audience, kind, topic = "none", rng.choice(["community_report", "private_sector_dialogue", "campaign"]), ""
        campaign = rng.choice(["media", "community"]) if kind == "campaign" else ""
        activities_out.writerow([activity_id, country, kind, campaign, topic if kind == "training" else "", iso(day)])
        by_audience.setdefault((country, audience), []).append(activity_id)
        activity_dates[activity_id] = day
    activities_file.close()
    counts["activity"] = sizes.activities

    participations_file, participations_out = writer(
        "participation", ["id", "activity_id", "person_id", "attended", "completed"]
    )
    seen: set[tuple[int, int]] = set()
    participation_id = 0
    while participation_id < sizes.participations:
        person_id = rng.randrange(people) + 1
        kind = kinds[person_id - 1]
        audience = "child" if kind in ("child", "victim") else kind
        choices = by_audience.get((person_country[person_id - 1], audience))
        if not choices:
            continue
        activity_id = choices[rng.randrange(len(choices))]
        if (activity_id, person_id) in seen:
            continue
        seen.add((activity_id, person_id))
        participation_id += 1
        participations_out.writerow(
            [participation_id, activity_id, person_id, 1 if rng.random() < 0.97 else 0, 1 if rng.random() < 0.8 else 0]
        )
    participations_file.close()
    counts["participation"] = participation_id
    del seen

    households_file, households_out = writer("household", ["id", "country", "code"])
    members_file, members_out = writer("householdmember", ["id", "household_id", "person_id"])
    member_id = 0
    for household_id in range(1, sizes.households + 1):
        country = rng.randrange(len(COUNTRIES)) + 1
        households_out.writerow([household_id, country, f"H{household_id:07d}"])
        # A person drawn twice for one household is a member once (the database allows no more); the draws
        # and their order stay those of the data sets already measured.
        for person_id in dict.fromkeys(rng.randrange(people) + 1 for _ in range(rng.randint(1, 3))):
            member_id += 1
            members_out.writerow([member_id, household_id, person_id])
    households_file.close()
    members_file.close()
    counts["household"], counts["householdmember"] = sizes.households, member_id

    services_file, services_out = writer(
        "service", ["id", "country", "kind", "education_support", "person_id", "household_id", "start", "end"]
    )
    for service_id in range(1, sizes.services + 1):
        start = START + timedelta(days=rng.randrange(DAYS))
        end = "" if rng.random() < 0.1 else iso(start + timedelta(days=rng.randint(1, 180)))
        if rng.random() < 0.1:
            household_id = rng.randrange(sizes.households) + 1
            kind = rng.choice(HOUSEHOLD_SERVICES)
            services_out.writerow(
                [service_id, rng.randrange(len(COUNTRIES)) + 1, kind, "", "", household_id, iso(start), end]
            )
            continue
        person_id = rng.randrange(people) + 1
        kind = rng.choice(VICTIM_SERVICES if kinds[person_id - 1] == "victim" else CHILD_SERVICES)
        detail = rng.choice(EDUCATION) if kind == "education_support" else ""
        services_out.writerow([service_id, person_country[person_id - 1], kind, detail, person_id, "", iso(start), end])
    services_file.close()
    counts["service"] = sizes.services

    # Schools reached, companies and the items with a status path.
    external_file, external_out = writer("externalorganisation", ["id", "country", "kind", "sector", "name"])
    reached_file, reached_out = writer("reached", ["id", "activity_id", "externalorganisation_id"])
    schools = max(20, people // 2000)
    companies = max(20, people // 4000)
    for external_id in range(1, schools + companies + 1):
        is_school = external_id <= schools
        external_out.writerow(
            [
                external_id,
                rng.randrange(len(COUNTRIES)) + 1,
                "school" if is_school else "company",
                "" if is_school else rng.choice(["ict", "finance", "hospitality", "media"]),
                f"Organisation {external_id}",
            ]
        )
    reached_id = 0
    outreach = [
        activity_id for (_country, audience), ids in by_audience.items() if audience == "child" for activity_id in ids
    ]
    for activity_id in outreach[: len(outreach) // 4]:
        for school in {rng.randrange(schools) + 1 for _ in range(rng.randint(1, 3))}:
            reached_id += 1
            reached_out.writerow([reached_id, activity_id, school])
    external_file.close()
    reached_file.close()
    counts["externalorganisation"], counts["reached"] = schools + companies, reached_id

    items_file, items_out = writer("trackeditem", ["id", "country", "kind", "company_id"])
    statuses_file, statuses_out = writer("trackeditemstatus", ["id", "item_id", "status", "reached_on"])
    paths = {
        "curriculum": ["in_development", "completed", "adopted"],
        "policy_strategy": ["drafted", "developed", "adopted"],
        "cooperation": ["contacted", "in_dialogue", "committed", "active", "ended"],
        "offender": ["reported", "traced", "arrested", "charged", "convicted"],
    }
    item_counts = {
        "curriculum": 12,
        "policy_strategy": 60,
        "cooperation": companies,
        "offender": max(50, people // 1000),
    }
    item_id = status_id = 0
    for kind, how_many in item_counts.items():
        for index in range(how_many):
            item_id += 1
            items_out.writerow(
                [item_id, rng.randrange(len(COUNTRIES)) + 1, kind, schools + index + 1 if kind == "cooperation" else ""]
            )
            # One offender in ten is first recorded when charged: that counts as arrested.
            first = 3 if kind == "offender" and rng.random() < 0.1 else 0
            path = paths[kind][first:]
            day = START + timedelta(days=rng.randrange(DAYS - 400))
            for status in path[: rng.randint(1, len(path))]:
                status_id += 1
                statuses_out.writerow([status_id, item_id, status, iso(day)])
                day += timedelta(days=rng.randint(10, 120))
    items_file.close()
    statuses_file.close()
    counts["trackeditem"], counts["trackeditemstatus"] = item_id, status_id
    return counts


def generate_once(folder: Path, people: int) -> None:
    """Generate the files unless a complete set is already there (the seed is fixed, so it would be the same)."""
    import json

    marker = folder / "complete.json"
    if not marker.exists():
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(json.dumps(generate(folder, people)))
