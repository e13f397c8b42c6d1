"""Who may call each API operation, written out by hand: the table the API access matrix holds the code to.

It does not read the views' rights: if a view's rights change, these expectations do not follow, and the
matrix fails. Every operation of the OpenAPI schema must be listed here; one that is missing, or listed but
gone, fails the matrix too.
"""

from __future__ import annotations

from dataclasses import dataclass

EVERYONE = frozenset(
    {
        "programme_manager",
        "me_officer",
        "country_coordinator",
        "partner_staff",
        "donor_viewer",
        "system_administrator",
        "case_worker",
        "case_supervisor",
    }
)
RECORD_READERS = frozenset({"programme_manager", "me_officer", "country_coordinator", "partner_staff"})
RECORD_WRITERS = frozenset({"me_officer", "country_coordinator", "partner_staff"})
REFERENCE_READERS = EVERYONE - {"donor_viewer"}
FIGURE_READERS = RECORD_READERS | {"donor_viewer"}
CASE_READERS = RECORD_READERS | {"case_worker", "case_supervisor"}
IMPORTERS = RECORD_WRITERS


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[str]
    # The world's object the call is about (its id in the path, or the row a list must hold), if any.
    target: str | None = None
    query: str = ""


OPERATIONS: dict[str, Rule] = {
    "GET /api/framework/": Rule(EVERYONE, "programme"),
    "GET /api/framework/{code}/": Rule(EVERYONE, "programme"),
    "GET /api/organisations/": Rule(REFERENCE_READERS, "partner"),
    "GET /api/organisations/{id}/": Rule(REFERENCE_READERS, "partner"),
    "GET /api/external-organisations/": Rule(RECORD_READERS, "external"),
    "POST /api/external-organisations/": Rule(RECORD_WRITERS),
    "GET /api/external-organisations/{id}/": Rule(RECORD_READERS, "external"),
    "GET /api/people/": Rule(RECORD_READERS, "person"),
    "POST /api/people/": Rule(RECORD_WRITERS),
    "GET /api/people/{public_id}/": Rule(RECORD_READERS, "person"),
    "PUT /api/people/{public_id}/": Rule(RECORD_WRITERS, "person"),
    "PATCH /api/people/{public_id}/": Rule(RECORD_WRITERS, "person"),
    "GET /api/households/": Rule(RECORD_READERS, "household"),
    "POST /api/households/": Rule(RECORD_WRITERS),
    "GET /api/households/{public_id}/": Rule(RECORD_READERS, "household"),
    "PUT /api/households/{public_id}/": Rule(RECORD_WRITERS, "household"),
    "PATCH /api/households/{public_id}/": Rule(RECORD_WRITERS, "household"),
    "GET /api/activities/": Rule(RECORD_READERS, "activity"),
    "POST /api/activities/": Rule(RECORD_WRITERS),
    "GET /api/activities/{public_id}/": Rule(RECORD_READERS, "activity"),
    "PUT /api/activities/{public_id}/": Rule(RECORD_WRITERS, "activity"),
    "PATCH /api/activities/{public_id}/": Rule(RECORD_WRITERS, "activity"),
    "GET /api/participations/": Rule(RECORD_READERS, "participation"),
    "POST /api/participations/": Rule(RECORD_WRITERS),
    "POST /api/participations/bulk/": Rule(RECORD_WRITERS),
    "GET /api/participations/{id}/": Rule(RECORD_READERS, "participation"),
    "PATCH /api/participations/{id}/": Rule(RECORD_WRITERS, "participation"),
    "DELETE /api/participations/{id}/": Rule(RECORD_WRITERS, "fresh_participation"),
    "GET /api/services/": Rule(RECORD_READERS, "service"),
    "POST /api/services/": Rule(RECORD_WRITERS),
    "GET /api/services/{public_id}/": Rule(RECORD_READERS, "service"),
    "PUT /api/services/{public_id}/": Rule(RECORD_WRITERS, "service"),
    "PATCH /api/services/{public_id}/": Rule(RECORD_WRITERS, "service"),
    "GET /api/aggregate-reach/": Rule(RECORD_READERS, "reach"),
    "POST /api/aggregate-reach/": Rule(RECORD_WRITERS),
    "GET /api/aggregate-reach/{id}/": Rule(RECORD_READERS, "reach"),
    "PUT /api/aggregate-reach/{id}/": Rule(RECORD_WRITERS, "reach"),
    "PATCH /api/aggregate-reach/{id}/": Rule(RECORD_WRITERS, "reach"),
    "GET /api/figures/": Rule(FIGURE_READERS, query="period=2017-H1"),
    "GET /api/dhis2/data-value-sets/": Rule(FIGURE_READERS, query="period=2017-H1"),
    "GET /api/reports/": Rule(FIGURE_READERS, "report"),
    "GET /api/reports/{id}/": Rule(FIGURE_READERS, "report"),
    "GET /api/cases/": Rule(CASE_READERS, "case"),
    "GET /api/cases/{public_id}/": Rule(CASE_READERS, "case"),
    "GET /api/imports/": Rule(IMPORTERS, "job"),
    "POST /api/imports/": Rule(IMPORTERS),
    "GET /api/imports/{id}/": Rule(IMPORTERS, "job"),
}

# Who, among those allowed the operation, sees each object of the world (all of them lie at the first Thai
# partner, and the case and the import job belong to its staff). A token limited elsewhere sees none.
SEES: dict[str, frozenset[str]] = {
    "programme": EVERYONE,
    # Organisations: everyone in scope; an organisation's own staff see their own.
    "partner": EVERYONE - {"country_coordinator"},
    # Companies and schools are seen country-wide; records by those whose scope holds the partner.
    "external": EVERYONE - {"country_coordinator"},
    "person": EVERYONE - {"country_coordinator"},
    "household": EVERYONE - {"country_coordinator"},
    "activity": EVERYONE - {"country_coordinator"},
    "participation": EVERYONE - {"country_coordinator"},
    "fresh_participation": EVERYONE - {"country_coordinator"},
    "service": EVERYONE - {"country_coordinator"},
    "reach": EVERYONE - {"country_coordinator"},
    # A draft of Thailand's report: staff with every country in scope; donors read approved reports only.
    "report": frozenset({"programme_manager", "me_officer"}),
    # The case's summary: its worker and supervisor, programme staff of its country, its partner's staff.
    "case": frozenset({"programme_manager", "me_officer", "partner_staff", "case_worker", "case_supervisor"}),
    # An import job: its owner only.
    "job": frozenset({"partner_staff"}),
}
