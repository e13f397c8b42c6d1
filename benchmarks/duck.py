"""The same figures computed by DuckDB, from SQL written by hand from programme.md (not by the engine).

Any disagreement with the engine fails the benchmark run.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from benchmarks.dataset import COUNTRIES

TABLES = {
    "person": "id INTEGER, country INTEGER, code VARCHAR, sex VARCHAR, birth_date DATE, turns_12_on DATE, turns_18_on DATE",
    "personrole": 'id INTEGER, person_id INTEGER, role VARCHAR, profession VARCHAR, start DATE, "end" DATE',
    "activity": "id INTEGER, country INTEGER, kind VARCHAR, campaign_kind VARCHAR, training_topic VARCHAR, date DATE",
    "participation": "id INTEGER, activity_id INTEGER, person_id INTEGER, attended INTEGER, completed INTEGER",
    "household": "id INTEGER, country INTEGER, code VARCHAR",
    "householdmember": "id INTEGER, household_id INTEGER, person_id INTEGER",
    "service": "id INTEGER, country INTEGER, kind VARCHAR, education_support VARCHAR, person_id INTEGER, "
    'household_id INTEGER, start DATE, "end" DATE',
    "externalorganisation": "id INTEGER, country INTEGER, kind VARCHAR, sector VARCHAR, name VARCHAR",
    "reached": "id INTEGER, activity_id INTEGER, externalorganisation_id INTEGER",
    "trackeditem": "id INTEGER, country INTEGER, kind VARCHAR, company_id INTEGER",
    "trackeditemstatus": "id INTEGER, item_id INTEGER, status VARCHAR, reached_on DATE",
}

AWARENESS = (
    "(a.kind IN ('awareness_session', 'community_meeting', 'school_outreach', 'campaign') "
    "OR (a.kind = 'training' AND a.training_topic IN ('safe_internet', 'recognising_exploitation')))"
)


def _holds(role: str, person: str, on: str, profession: str | None = None) -> str:
    condition = (
        f"r.role = '{role}'" if profession is None else f"r.role = 'professional' AND r.profession IN {profession}"
    )
    return (
        f"EXISTS (SELECT 1 FROM personrole r WHERE r.person_id = {person} AND {condition} "
        f'AND r.start <= {on} AND (r."end" IS NULL OR r."end" >= {on}))'
    )


def _overlaps(start: str, end: str) -> str:
    # A service counts in every window it overlaps; an open one runs to today.
    return '(s.start <= $end AND (s."end" >= $start OR (s."end" IS NULL AND $today >= $start)))'


def _first_status(kind: str, statuses: str) -> str:
    return (
        f"SELECT i.country AS country, i.id AS subject FROM trackeditem i JOIN trackeditemstatus t ON t.item_id = i.id "
        f"WHERE i.kind = '{kind}' AND t.status IN {statuses} GROUP BY i.country, i.id "
        f"HAVING MIN(t.reached_on) BETWEEN $start AND $end"
    )


# A service's age and roles are those on its first day inside the window.
ON = "GREATEST(s.start, $start)"
PARTICIPANTS = (
    "SELECT a.country AS country, p.person_id AS subject FROM participation p "
    "JOIN activity a ON a.id = p.activity_id JOIN person q ON q.id = p.person_id "
    "WHERE p.attended = 1 AND a.date BETWEEN $start AND $end AND "
)
SERVED = "SELECT s.country AS country, s.person_id AS subject FROM service s JOIN person q ON q.id = s.person_id WHERE "
VICTIM_HELP = "('shelter', 'medical', 'psychosocial', 'education_support', 'legal_aid')"
OFFICIALS = "('police', 'judge', 'prosecutor')"

# Each indicator as a query returning (country, subject) rows; the figure counts distinct subjects.
QUERIES = {
    "PREV-1": PARTICIPANTS + AWARENESS + " AND q.turns_18_on > a.date",
    "PREV-2": PARTICIPANTS + AWARENESS + " AND q.turns_18_on <= a.date",
    "PREV-3": SERVED
    + "s.kind = 'education_support' AND "
    + _holds("at_risk_child", "s.person_id", ON)
    + " AND "
    + _overlaps("$start", "$end"),
    "PREV-4": _first_status("curriculum", "('completed', 'adopted')"),
    "CARE-1": "SELECT s.country, s.household_id FROM service s WHERE s.household_id IS NOT NULL "
    "AND s.kind = 'livelihood' AND " + _overlaps("$start", "$end"),
    "CARE-2": SERVED + "(s.kind = 'vocational_training' OR (s.kind = 'education_support' AND s.education_support IN "
    "('enrolment', 're_enrolment'))) AND "
    + _holds("victim", "s.person_id", ON)
    + " AND "
    + _overlaps("$start", "$end"),
    "ADV-1": "SELECT i.country, i.company_id FROM trackeditem i WHERE i.kind = 'cooperation' AND i.company_id IS NOT NULL "
    "AND (SELECT MIN(reached_on) FROM trackeditemstatus t WHERE t.item_id = i.id AND t.status = 'active') <= $end "
    "AND (COALESCE((SELECT MIN(reached_on) FROM trackeditemstatus t WHERE t.item_id = i.id AND t.status = 'ended'), "
    "CASE WHEN $today >= $start THEN $start END) >= $start)",
    "ADV-2": _first_status("policy_strategy", "('developed', 'adopted')"),
    "JUST-1": SERVED
    + "s.kind = 'legal_aid' AND "
    + _holds("victim", "s.person_id", ON)
    + " AND "
    + _overlaps("$start", "$end"),
    "JUST-2": PARTICIPANTS
    + "a.kind = 'training' AND a.training_topic = 'offender_detection' AND p.completed = 1 AND "
    + _holds("", "p.person_id", "a.date", OFFICIALS),
    "JUST-3": _first_status("offender", "('arrested', 'charged', 'convicted', 'acquitted')"),
    "OUT-1": "SELECT a.country, a.id FROM activity a WHERE a.kind = 'community_meeting' AND a.date BETWEEN $start AND $end",
    "OUT-2": PARTICIPANTS + "a.kind = 'training' AND a.training_topic = 'recognising_exploitation' "
    "AND q.turns_18_on > a.date",
    "OUT-3": SERVED
    + "s.kind IN ('education_support', 'social_assistance_claim') AND q.turns_18_on > "
    + ON
    + " AND "
    + _overlaps("$start", "$end"),
    "OUT-4": "SELECT s.country, s.household_id FROM service s WHERE s.household_id IS NOT NULL "
    "AND s.kind IN ('legal_aid', 'medical', 'psychosocial', 'home_visit') AND "
    + _overlaps("$start", "$end")
    + " AND EXISTS (SELECT 1 FROM householdmember m WHERE m.household_id = s.household_id AND "
    + _holds("victim", "m.person_id", ON)
    + ")",
    "OUT-5": "SELECT a.country, a.id FROM activity a WHERE a.kind = 'community_report' AND a.date BETWEEN $start AND $end",
    "OUT-6": SERVED
    + f"s.kind IN {VICTIM_HELP} AND "
    + _holds("victim", "s.person_id", ON)
    + " AND "
    + _overlaps("$start", "$end"),
    "OUT-7": "SELECT a.country, a.id FROM activity a WHERE a.kind = 'campaign' AND a.campaign_kind = 'media' "
    "AND a.date BETWEEN $start AND $end",
    "OUT-8": "SELECT a.country, r.externalorganisation_id FROM reached r JOIN activity a ON a.id = r.activity_id "
    "JOIN externalorganisation e ON e.id = r.externalorganisation_id WHERE a.kind = 'school_outreach' "
    "AND e.kind = 'school' AND a.date BETWEEN $start AND $end",
    "OUT-9": PARTICIPANTS + "a.kind = 'training' AND " + _holds("", "p.person_id", "a.date", OFFICIALS),
    "OUT-10": "SELECT a.country, a.id FROM activity a WHERE a.kind = 'private_sector_dialogue' "
    "AND a.date BETWEEN $start AND $end",
}


def connect(folder: Path) -> duckdb.DuckDBPyConnection:
    database = duckdb.connect()
    for table, columns in TABLES.items():
        database.execute(f"CREATE TABLE {table} ({columns})")
        database.execute(f"COPY {table} FROM '{folder / (table + '.csv')}' (HEADER, NULLSTR '')")
    return database


def figures(database: duckdb.DuckDBPyConnection, start: date, end: date, today: date) -> dict[tuple[str, str], int]:
    """(indicator, country code or 'programme') -> figure, for one window."""
    results: dict[tuple[str, str], int] = {}
    values = {"start": start, "end": end, "today": today}
    for code, query in QUERIES.items():
        rows = database.execute(
            f"SELECT country, COUNT(DISTINCT subject) FROM ({query}) AS events(country, subject) "
            "GROUP BY GROUPING SETS ((country), ())",
            {name: value for name, value in values.items() if f"${name}" in query},
        ).fetchall()
        for country, count in rows:
            results[(code, "programme" if country is None else COUNTRIES[country - 1])] = count
    return results
