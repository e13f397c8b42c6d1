"""A small world of cases and the people around them, each standing in one relation to the case.

The case belongs to the first Thai partner. Around it stand its case worker, a colleague it is shared
with, a colleague it is not, its supervisor, the second Thai partner (which accepted a referral that
shares the child's identity), a Nepali partner (which accepted one that does not), an Indonesian
partner with no tie to it, programme staff of every role, a user with an emergency access and one
whose access expired. Every relation is named, so that the access tests read as a table of who may do what.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from django.utils import timezone

from sahay.accounts.models import Role, User
from sahay.cases.models import Case, CaseShare, GlassAccess
from sahay.cases.services.care import case_service_add, consent_record, follow_up_plan, goal_add
from sahay.cases.services.cases import NewChild, case_register
from sahay.cases.services.documents import attachment_add
from sahay.cases.services.legal import legal_case_save
from sahay.cases.services.referrals import case_refer, referral_answer

CHILD_NAME = "Synthetic Childname Araya"
NEPAL_CHILD_NAME = "Synthetic Childname Bishnu"
SUMMARY_TEXT = "Synthetic summary of the case."
OPENED = date(2017, 2, 1)


@dataclass
class CaseWorld:
    case: Case
    nepal_case: Case
    users: dict[str, User] = field(default_factory=dict)

    def __getattr__(self, name: str) -> User:
        try:
            return self.users[name]
        except KeyError:
            raise AttributeError(name) from None


def furnish(case: Case, worker: User) -> None:
    """Give the case one of everything a case holds, recorded by its case worker."""
    consent_record(case=case, recorded_by=worker, purpose="referral", given_by="caregiver", given_on=OPENED)
    case_service_add(case=case, added_by=worker, kind="medical", start=OPENED + timedelta(days=2))
    goal_add(case=case, added_by=worker, goal="Back to school (synthetic).", responsible=worker.username)
    follow_up_plan(case=case, planned_by=worker, due_on=OPENED + timedelta(days=30), visited_by=worker)
    attachment_add(
        case=case, added_by=worker, title="Medical report", filename="report.pdf", content=b"%PDF-1.4 synthetic"
    )
    case.refresh_from_db()
    legal_case_save(
        case=case,
        saved_by=worker,
        version=case.version,
        complaint_filed_on=OPENED,
        authority="Synthetic police unit",
        authority_reference="SYN-REF-1",
        stage="investigation",
    )
    case.refresh_from_db()


@pytest.fixture
def case_world(programme, organisations, role_users, make_user) -> CaseWorld:
    thai, thai_second, nepal, indonesia = (organisations.partners[code] for code in ("TH", "TH2", "NP", "ID"))
    users = {
        **role_users.all(),
        "worker": make_user("case_worker", organisation=thai, username="worker"),
        "shared_worker": make_user("case_worker", organisation=thai, username="shared-worker"),
        "colleague": make_user("case_worker", organisation=thai, username="colleague"),
        "supervisor": make_user("case_supervisor", organisation=thai, username="supervisor"),
        "receiver_supervisor": make_user("case_supervisor", organisation=thai_second, username="receiver-supervisor"),
        "receiver_worker": make_user("case_worker", organisation=thai_second, username="receiver-worker"),
        "other_receiver_worker": make_user("case_worker", organisation=thai_second, username="other-receiver"),
        "glass_user": make_user("case_worker", organisation=thai_second, username="glass-user"),
        "expired_glass_user": make_user("case_worker", organisation=thai_second, username="expired-glass"),
        # Nepal accepted a referral that does not share the child's identity.
        "nepal_worker": make_user("case_worker", organisation=nepal, username="nepal-worker"),
        "nepal_supervisor": make_user("case_supervisor", organisation=nepal, username="nepal-supervisor"),
        # Indonesia has nothing to do with the case.
        "outside_worker": make_user("case_worker", organisation=indonesia, username="outside-worker"),
        "outside_supervisor": make_user("case_supervisor", organisation=indonesia, username="outside-supervisor"),
        "thai_coordinator": make_user("country_coordinator", country="TH", username="coordinator-th"),
        "thai_second_staff": make_user("partner_staff", organisation=thai_second, username="partner-th2"),
    }
    # An organisation may keep legal details from some of its case workers: roles are data.
    no_legal = Role.objects.get(code="case_worker")
    no_legal.pk, no_legal.code = None, "case_worker_without_legal"
    no_legal.rights = [right for right in no_legal.rights if right != "view_legal_data"]
    no_legal.save()
    users["worker_without_legal"] = make_user("case_worker_without_legal", organisation=thai, username="no-legal")
    # ... and programme staff may hold the legal right without working on cases: it opens no case.
    adviser = Role.objects.get(code="country_coordinator")
    adviser.pk, adviser.code = None, "legal_adviser"
    adviser.rights = [*adviser.rights, "view_legal_data"]
    adviser.save()
    users["legal_adviser"] = make_user("legal_adviser", country="TH", username="legal-adviser")

    case = case_register(
        registered_by=users["worker"],
        organisation=thai,
        intake=Case.Intake.HOTLINE,
        exploitation=Case.Exploitation.ONLINE_ABUSE,
        opened_on=OPENED,
        child_role="victim",
        case_worker=users["worker"],
        new_child=NewChild(code="TH-C-001", sex="female", birth_year_estimated=2006, name=CHILD_NAME),
        summary=SUMMARY_TEXT,
    )
    CaseShare.objects.create(case=case, user=users["shared_worker"], shared_by=users["supervisor"])
    CaseShare.objects.create(case=case, user=users["worker_without_legal"], shared_by=users["supervisor"])
    furnish(case, users["worker"])
    case.refresh_from_db()
    referral = case_refer(
        case=case,
        referred_by=users["worker"],
        to_organisation=thai_second,
        needs="Shelter for two weeks.",
        shares_identity=True,
    )
    referral_answer(
        referral=referral, answered_by=users["receiver_supervisor"], accept=True, assigned_to=users["receiver_worker"]
    )
    without_identity = case_refer(
        case=case, referred_by=users["worker"], to_organisation=nepal, needs="Legal advice.", shares_identity=False
    )
    referral_answer(
        referral=without_identity,
        answered_by=users["nepal_supervisor"],
        accept=True,
        assigned_to=users["nepal_worker"],
    )
    now = timezone.now()
    GlassAccess.objects.create(
        case=case,
        user=users["glass_user"],
        reason="synthetic emergency",
        granted_at=now,
        expires_at=now + timedelta(hours=3),
    )
    GlassAccess.objects.create(
        case=case,
        user=users["expired_glass_user"],
        reason="synthetic emergency",
        granted_at=now - timedelta(hours=4),
        expires_at=now - timedelta(hours=1),
    )
    nepal_case = case_register(
        registered_by=users["nepal_worker"],
        organisation=nepal,
        intake=Case.Intake.OUTREACH,
        exploitation=Case.Exploitation.CHILD_SEX_TOURISM,
        opened_on=OPENED,
        child_role="at_risk_child",
        case_worker=users["nepal_worker"],
        new_child=NewChild(code="NP-C-001", sex="male", birth_year_estimated=2008, name=NEPAL_CHILD_NAME),
        summary=SUMMARY_TEXT,
    )
    furnish(nepal_case, users["nepal_worker"])
    case.refresh_from_db()
    return CaseWorld(case=case, nepal_case=nepal_case, users=users)
