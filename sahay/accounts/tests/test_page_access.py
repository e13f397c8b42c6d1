"""Every page, as every role: generated from the URL configuration, so a new page cannot be forgotten."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from sahay.accounts.access import TEST_SET_UP, access_confirm_at_set_up
from sahay.accounts.models import Role, User
from sahay.api.urls import api_patterns
from sahay.cases.tests.access_spec import CASE_PAGES
from sahay.core.models import Country
from sahay.figures.services import aggregate_entry_save
from sahay.frameworks.models import Indicator, Target
from sahay.jobs.models import Job
from sahay.records.services import (
    activity_save,
    external_organisation_save,
    household_save,
    person_save,
    service_save,
    tracked_item_save,
)
from sahay.reports.models import Report

ROLES = [
    "programme_manager",
    "me_officer",
    "country_coordinator",
    "partner_staff",
    "donor_viewer",
    "system_administrator",
]
FIGURE_ROLES = {"programme_manager", "me_officer", "country_coordinator", "partner_staff"}
RECORDING_ROLES = {"me_officer", "country_coordinator", "partner_staff"}
# Records of a Nepali partner: the Thai partner's staff get 404, exactly as for a missing record.
NEPAL_RECORD = frozenset({"partner_staff"})
EVERYONE = set(ROLES)


@dataclass(frozen=True)
class Expectation:
    """Who gets the page (200) and what the others get; `kwargs` builds the URL from the test's data."""

    allowed: set[str]
    kwargs: Callable[[dict[str, object]], dict[str, object]] = lambda data: {}
    denied_status: int = 403
    # Roles whose scope does not reach the object: they get 404, exactly like a missing object.
    out_of_scope: frozenset[str] = frozenset()
    redirects: frozenset[str] = frozenset()
    query: str = ""  # for pages that need a query string to answer 200


EXPECTED: dict[str, Expectation] = {
    "dashboard": Expectation(FIGURE_ROLES | {"donor_viewer"}, redirects=frozenset({"system_administrator"})),
    "country_detail": Expectation(
        {"programme_manager", "me_officer", "country_coordinator"},
        lambda data: {"code": "NP"},
        out_of_scope=frozenset({"partner_staff"}),
    ),
    "entry_list": Expectation({"me_officer"}),
    "entry_create": Expectation({"me_officer"}),
    "entry_edit": Expectation({"me_officer"}, lambda data: {"pk": data["entry"]}),
    "indicator_reference": Expectation(EVERYONE),
    "target_overview": Expectation(FIGURE_ROLES),
    "target_create": Expectation({"programme_manager"}),
    "target_edit": Expectation({"programme_manager"}, lambda data: {"pk": data["target"]}),
    "organisation_list": Expectation(FIGURE_ROLES | {"system_administrator"}),
    "area_list": Expectation({"programme_manager", "country_coordinator", "partner_staff"}),
    "area_create": Expectation({"programme_manager", "country_coordinator", "partner_staff"}),
    "user_list": Expectation({"system_administrator"}),
    "user_create": Expectation({"system_administrator"}),
    "user_edit": Expectation({"system_administrator"}, lambda data: {"pk": data["user"]}),
    "user_activation": Expectation({"system_administrator"}, lambda data: {"pk": data["user"]}),
    "user_password": Expectation({"system_administrator"}, lambda data: {"pk": data["user"]}),
    # Case supervisors answer too, for their organisation (tested in test_identity_access).
    "access_confirmations": Expectation({"system_administrator"}),
    "audit_log": Expectation({"system_administrator"}),
    # The second step of signing in: a user who passed it already is sent on (tested in test_second_factor).
    "second_factor": Expectation(set(), redirects=frozenset(EVERYONE)),
    "second_factor_enrol": Expectation(set(), redirects=frozenset(EVERYONE)),
    "person_erase_find": Expectation({"system_administrator"}),
    "person_erase": Expectation({"system_administrator"}, lambda data: {"public_id": data["person"]}),
    "session_list": Expectation(EVERYONE),
    "figure_records": Expectation(
        {"programme_manager", "me_officer"},
        lambda data: {"code": "OUT-1"},
        out_of_scope=frozenset({"country_coordinator", "partner_staff"}),
    ),
    "person_list": Expectation(FIGURE_ROLES),
    "person_create": Expectation(RECORDING_ROLES),
    "person_edit": Expectation(
        {"programme_manager", "me_officer", "country_coordinator"},
        lambda data: {"public_id": data["person"]},
        out_of_scope=NEPAL_RECORD,
    ),
    "household_list": Expectation(FIGURE_ROLES),
    "household_create": Expectation(RECORDING_ROLES),
    "household_edit": Expectation(
        {"me_officer", "country_coordinator"}, lambda data: {"public_id": data["household"]}, out_of_scope=NEPAL_RECORD
    ),
    "activity_list": Expectation(FIGURE_ROLES),
    "activity_create": Expectation(RECORDING_ROLES),
    "activity_edit": Expectation(
        {"me_officer", "country_coordinator"}, lambda data: {"public_id": data["activity"]}, out_of_scope=NEPAL_RECORD
    ),
    "activity_participants": Expectation(
        {"programme_manager", "me_officer", "country_coordinator"},
        lambda data: {"public_id": data["activity"]},
        out_of_scope=NEPAL_RECORD,
    ),
    "service_list": Expectation(FIGURE_ROLES),
    "service_create": Expectation(RECORDING_ROLES),
    "service_edit": Expectation(
        {"me_officer", "country_coordinator"}, lambda data: {"public_id": data["service"]}, out_of_scope=NEPAL_RECORD
    ),
    "external_list": Expectation(FIGURE_ROLES),
    "external_create": Expectation(RECORDING_ROLES),
    "external_edit": Expectation(
        {"me_officer", "country_coordinator"}, lambda data: {"pk": data["external"]}, out_of_scope=NEPAL_RECORD
    ),
    "item_list": Expectation(FIGURE_ROLES),
    "item_create": Expectation(RECORDING_ROLES),
    "item_edit": Expectation(
        {"programme_manager", "me_officer", "country_coordinator"},
        lambda data: {"public_id": data["item"]},
        out_of_scope=NEPAL_RECORD,
    ),
    # Case management: the pages about one case are proved by the case access matrix (cases/tests).
    "case_list": Expectation(FIGURE_ROLES),
    "case_register": Expectation(set()),
    "case_find": Expectation(set()),
    "caseload_reassign": Expectation(set()),
    "referral_inbox": Expectation(set()),
    "referral_answer": Expectation(set(), lambda data: {"referral_id": "no-such-referral"}),
    "notice_list": Expectation(set()),
    "case_request_inbox": Expectation(set()),
    "case_request_answer": Expectation(set(), lambda data: {"request_id": "no-such-request"}),
    "case_break_glass": Expectation(set(), lambda data: {"public_id": "no-such-case"}),
    # Reporting: a country's review is for its country's staff; a draft programme report for all-country staff.
    "report_list": Expectation(FIGURE_ROLES | {"donor_viewer"}),
    "review_detail": Expectation(
        {"programme_manager", "me_officer", "country_coordinator"},
        lambda data: {"period": "2017-H1", "country": "NP"},
        out_of_scope=frozenset({"partner_staff"}),
    ),
    "report_detail": Expectation(
        {"programme_manager", "me_officer"},
        lambda data: {"pk": data["report"]},
        out_of_scope=frozenset({"country_coordinator", "partner_staff", "donor_viewer"}),
    ),
    "report_download": Expectation(
        {"programme_manager", "me_officer"},
        lambda data: {"pk": data["report"], "file_format": "html"},
        out_of_scope=frozenset({"country_coordinator", "partner_staff", "donor_viewer"}),
    ),
    # A draft's file drawn in the background is its asker's alone (404 for anyone else who reads reports).
    "report_file_job": Expectation(
        set(), lambda data: {"pk": data["report_job"]}, out_of_scope=frozenset(FIGURE_ROLES | {"donor_viewer"})
    ),
    "report_file_job_download": Expectation(
        set(), lambda data: {"pk": data["report_job"]}, out_of_scope=frozenset(FIGURE_ROLES | {"donor_viewer"})
    ),
    # Exports: figures after disclosure control, de-identified records, identities in an encrypted archive.
    "export_list": Expectation(EVERYONE),
    "export_figures": Expectation(FIGURE_ROLES | {"donor_viewer"}, query="?period=2017-H1&view=period&format=csv"),
    "export_records": Expectation(FIGURE_ROLES, lambda data: {"kind": "people"}),
    "export_identities": Expectation(FIGURE_ROLES),
    "export_download": Expectation(set(), lambda data: {"token": "no-such-link"}, out_of_scope=frozenset(EVERYONE)),
    "duplicate_list": Expectation(RECORDING_ROLES),
    "person_merge": Expectation(
        {"me_officer", "country_coordinator"},
        lambda data: {"keep_id": data["person"], "merge_id": data["person_twin"]},
        out_of_scope=NEPAL_RECORD,
    ),
    # Imports: for those who record; an import's page and errors are its uploader's alone (404 for anyone else).
    "import_list": Expectation(RECORDING_ROLES),
    "import_job": Expectation(set(), lambda data: {"pk": data["job"]}, out_of_scope=frozenset(RECORDING_ROLES)),
    "import_errors": Expectation(set(), lambda data: {"pk": data["job"]}, out_of_scope=frozenset(RECORDING_ROLES)),
    "import_template": Expectation(RECORDING_ROLES, lambda data: {"kind": "people"}),
    "import_xlsform": Expectation(RECORDING_ROLES, lambda data: {"form_id": "attendance"}),
    "api_tokens": Expectation(EVERYONE),
    "api_docs": Expectation(EVERYONE),
}
# Pages that answer without sign-in, and actions that only take POST (tested in their own modules).
PUBLIC = {
    "login",
    "set_language",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "invitation_accept",  # a new account's emailed one-time link (tested in test_identity_access)
    "api_schema",  # the API's description: nothing in it is data
    "health",  # for monitors: database, queue and key reachable, no data
}
POST_ONLY = {
    "logout",
    "set_language",
    "participation_delete",
    "reach_add",
    "session_end",
    "session_keepalive",
    "user_sessions_end",
    "report_start",
    "report_approve",
    "report_new_version",
    "person_merge_undo",
    "api_token_revoke",
    "access_confirmation_decide",
}


def someone_else(organisations) -> User:
    user = User.objects.create(
        username="uploader",
        role=Role.objects.get(code="partner_staff"),
        organisation=organisations.partners["NP"],
        country=organisations.partners["NP"].country,
    )
    access_confirm_at_set_up(user=user, by=TEST_SET_UP)
    return user


def url_names(patterns: list[URLPattern | URLResolver] | None = None) -> Iterator[str]:
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            yield from url_names(pattern.url_patterns)
        elif pattern.name:
            yield pattern.name
        else:
            raise AssertionError(f"URL {pattern.pattern} has no name, so the access matrix cannot cover it")


def test_every_page_is_in_the_access_matrix() -> None:
    api_operations = set(url_names(api_patterns)) - PUBLIC
    # The API's operations answer machines, not browsers: sahay/api/tests/test_access_matrix.py covers each.
    missing = set(url_names()) - set(EXPECTED) - PUBLIC - POST_ONLY - set(CASE_PAGES) - api_operations
    assert not missing, f"Pages missing from the access matrix: {sorted(missing)}"


@pytest.fixture
def matrix_data(entered_programme, role_users, organisations) -> dict[str, object]:
    entry = aggregate_entry_save(
        indicator=Indicator.objects.get(code="OUT-1"),
        country=Country.objects.get(code="NP"),
        organisation=None,
        period_code="2017-H1",
        kind="period",
        disaggregation="",
        value=Decimal(5),
        saved_by=role_users.me_officer,
    )
    target = Target.objects.get(indicator__code="PREV-1", country__isnull=True)
    recorder, nepal = role_users.me_officer, organisations.partners["NP"]
    person = person_save(saved_by=recorder, organisation=nepal, code="NP-1", sex="female", birth_date=date(2008, 1, 1))
    activity = activity_save(
        saved_by=recorder, organisation=nepal, kind="community_meeting", title="m", date=date(2017, 3, 1)
    )
    report = Report.objects.create(
        programme=entered_programme, period_code="2017-H1", created_by=role_users.programme_manager
    )
    uploader = someone_else(organisations)
    return {
        # An import uploaded by someone who is none of the roles tested: nobody else may read it.
        "job": Job.objects.create(kind="import", owner=uploader).pk,
        "report": report.pk,
        # A draft report's file asked for by that same someone: nobody else may see it or download it.
        "report_job": Job.objects.create(
            kind="report_file",
            owner=uploader,
            status=Job.Status.DONE,
            finished_at=timezone.now(),
            output=b"kept",
            arguments={"report": report.pk, "file_format": "pdf", "file_language": "en"},
        ).pk,
        "entry": entry.pk,
        "target": target.pk,
        "user": role_users.programme_manager.pk,
        "person": person.public_id,
        "person_twin": person_save(
            saved_by=recorder, organisation=nepal, code="NP-2", sex="female", birth_date=date(2008, 1, 2)
        ).public_id,
        "household": household_save(saved_by=recorder, organisation=nepal, code="H-1", members=[person]).public_id,
        "activity": activity.public_id,
        "service": service_save(
            saved_by=recorder, organisation=nepal, kind="medical", start=date(2017, 3, 1), person=person
        ).public_id,
        "external": external_organisation_save(saved_by=recorder, recorded_by=nepal, name="A school", kind="school").pk,
        "item": tracked_item_save(saved_by=recorder, organisation=nepal, kind="curriculum", title="c").public_id,
    }


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_its_pages(name, role, role_users, matrix_data, client_for) -> None:
    expectation = EXPECTED[name]
    url = reverse(name, kwargs=expectation.kwargs(matrix_data)) + expectation.query
    response = client_for(getattr(role_users, role)).get(url)
    if role in expectation.allowed:
        expected_status = 200
    elif role in expectation.redirects:
        expected_status = 302
    elif role in expectation.out_of_scope:
        expected_status = 404
    else:
        expected_status = expectation.denied_status
    assert response.status_code == expected_status, f"{role} on {url}"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_anonymous_visitors_are_sent_to_sign_in(name, matrix_data) -> None:
    url = reverse(name, kwargs=EXPECTED[name].kwargs(matrix_data))
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("role", "code", "status"),
    [
        ("country_coordinator", "NP", 200),
        ("country_coordinator", "TH", 404),
        ("country_coordinator", "NL", 404),
        ("partner_staff", "TH", 200),
        ("partner_staff", "NP", 404),
        ("programme_manager", "TH", 200),
        ("programme_manager", "XX", 404),
    ],
)
def test_a_country_outside_the_scope_looks_like_a_missing_one(
    role, code, status, role_users, programme, client_for
) -> None:
    response = client_for(getattr(role_users, role)).get(reverse("country_detail", kwargs={"code": code}))
    assert response.status_code == status


def test_sign_out_only_by_post_and_it_ends_the_session(role_users, client_for) -> None:
    client = client_for(role_users.programme_manager)
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("dashboard")).status_code == 302


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("me_officer", 302),
        ("country_coordinator", 302),
        ("partner_staff", 404),
        ("programme_manager", 403),
        ("donor_viewer", 403),
        ("system_administrator", 403),
    ],
)
def test_record_actions_by_post_follow_the_same_rules(role, status, role_users, matrix_data, client_for) -> None:
    from sahay.records.models import Activity, Person
    from sahay.records.services import Attendance, participations_record

    activity = Activity.objects.get(public_id=matrix_data["activity"])
    person = Person.objects.get(public_id=matrix_data["person"])
    participations_record(saved_by=role_users.me_officer, activity=activity, attendances=[Attendance(person)])
    client = client_for(getattr(role_users, role))
    reach = client.post(reverse("reach_add", args=[activity.public_id]), {"audience": "adults", "estimate": "100"})
    remove = client.post(reverse("participation_delete", args=[activity.public_id, person.public_id]))
    assert (reach.status_code, remove.status_code) == (status, status)
    assert activity.participations.exists() == (status != 302)
    assert activity.reach.exists() == (status == 302)
