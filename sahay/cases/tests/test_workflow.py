"""The case workflow through its services and pages: consent, referral, emergency access, audit, figures."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.test import Client
from django.urls import reverse

from sahay.audit.models import AuditAction, AuditEntry
from sahay.cases.errors import StaleCaseError
from sahay.cases.models import Case, Notice, Referral
from sahay.cases.policy import CaseAccess, CaseAction
from sahay.cases.services.care import case_service_add, consent_record, consent_withdraw, follow_up_plan
from sahay.cases.services.cases import NewChild, case_close, case_read, case_register, case_reopen, caseload_reassign
from sahay.cases.services.glass import break_glass
from sahay.cases.services.notices import follow_up_notices_send
from sahay.cases.services.referrals import case_refer, referral_answer
from sahay.cases.tests.conftest import CHILD_NAME, CaseWorld

REASON = "The child is at the border post and the police ask who she is."


def entries(action: AuditAction) -> int:
    return AuditEntry.objects.filter(action=action).count()


@pytest.fixture
def fresh_case(case_world: CaseWorld) -> Case:
    """A case of the Thai partner without any consent yet."""
    return case_register(
        registered_by=case_world.worker,
        organisation=case_world.worker.organisation,
        intake="police_referral",
        exploitation="child_sex_tourism",
        opened_on=date(2017, 3, 1),
        child_role="victim",
        case_worker=case_world.worker,
        new_child=NewChild(code="TH-C-002", sex="male", birth_year_estimated=2007),
    )


class TestConsentBeforeReferral:
    def refer(self, case: Case, user, reason: str = "") -> Referral:
        receiver = Referral.objects.first().to_organisation
        return case_refer(
            case=case,
            referred_by=user,
            to_organisation=receiver,
            needs="Shelter.",
            shares_identity=False,
            override_reason=reason,
        )

    def test_without_consent_a_case_worker_cannot_refer(self, case_world, fresh_case) -> None:
        with pytest.raises(ValidationError, match="no consent for referral"):
            self.refer(fresh_case, case_world.worker, reason=REASON)
        assert not fresh_case.referrals.exists()

    def test_an_override_needs_the_right_and_a_reason_which_is_audited(self, case_world, fresh_case) -> None:
        with pytest.raises(ValidationError, match="type why"):
            self.refer(fresh_case, case_world.supervisor)
        assert entries(AuditAction.CONSENT_OVERRIDE) == 0
        referral = self.refer(fresh_case, case_world.supervisor, reason=REASON)
        override = AuditEntry.objects.get(action=AuditAction.CONSENT_OVERRIDE)
        assert (override.reason, override.actor, override.target_id) == (
            REASON,
            case_world.supervisor,
            fresh_case.public_id,
        )
        assert referral.consent_override_reason == REASON

    def test_withdrawal_takes_effect_at_once(self, case_world, fresh_case) -> None:
        consent = consent_record(
            case=fresh_case,
            recorded_by=case_world.worker,
            purpose="referral",
            given_by="adolescent",
            given_on=date(2017, 3, 2),
        )
        consent_withdraw(consent=consent, withdrawn_by=case_world.worker, withdrawn_on=date(2017, 3, 3))
        with pytest.raises(ValidationError, match="no consent for referral"):
            self.refer(fresh_case, case_world.worker)


class TestReferral:
    def test_the_receiver_is_told_and_sees_only_what_is_shared(self, case_world, fresh_case) -> None:
        consent_record(
            case=fresh_case,
            recorded_by=case_world.worker,
            purpose="referral",
            given_by="caregiver",
            given_on=date(2017, 3, 1),
        )
        referral = case_refer(
            case=fresh_case,
            referred_by=case_world.worker,
            to_organisation=case_world.receiver_supervisor.organisation,
            needs="Shelter.",
            shares_identity=False,
        )
        assert Notice.objects.filter(recipient=case_world.receiver_supervisor, kind="referral_received").exists()
        # Before the answer the receiver sees nothing of the case.
        assert not CaseAccess.of(case_world.receiver_supervisor, fresh_case).may(CaseAction.SEE_SUMMARY)
        with pytest.raises(ValidationError):
            referral_answer(referral=referral, answered_by=case_world.receiver_supervisor, accept=True)
        referral_answer(
            referral=referral,
            answered_by=case_world.receiver_supervisor,
            accept=True,
            assigned_to=case_world.other_receiver_worker,
        )
        assert Notice.objects.filter(recipient=case_world.worker, kind="referral_answered").exists()
        access = CaseAccess.of(case_world.other_receiver_worker, fresh_case)
        assert access.may(CaseAction.ADD_SERVICE) and not access.may(CaseAction.SEE_IDENTITY)

    def test_only_the_receiving_supervisor_answers(self, case_world) -> None:
        referral = Referral.objects.filter(to_organisation=case_world.receiver_supervisor.organisation).first()
        referral.status = Referral.Status.PENDING
        referral.save()
        for user in (case_world.receiver_worker, case_world.supervisor, case_world.nepal_supervisor):
            with pytest.raises(PermissionDenied):
                referral_answer(referral=referral, answered_by=user, accept=False, note="no")


class TestBreakTheGlass:
    def test_no_reason_no_access(self, case_world, fresh_case) -> None:
        with pytest.raises(ValidationError):
            break_glass(case=fresh_case, user=case_world.other_receiver_worker, reason="")
        assert not CaseAccess.of(case_world.other_receiver_worker, fresh_case).may(CaseAction.SEE_IDENTITY)
        assert entries(AuditAction.BREAK_GLASS) == 0

    def test_access_for_that_user_alone_until_it_expires(self, case_world, fresh_case, settings, monkeypatch) -> None:
        user, colleague = case_world.other_receiver_worker, case_world.receiver_worker
        granted = break_glass(case=fresh_case, user=user, reason=REASON)
        access = CaseAccess.of(user, fresh_case)
        assert access.may(CaseAction.SEE_IDENTITY) and access.may(CaseAction.SEE_CARE)
        # Closed data stays closed, and nothing can be changed.
        assert not access.may(CaseAction.SEE_LEGAL) and not access.may(CaseAction.CHANGE)
        assert not CaseAccess.of(colleague, fresh_case).may(CaseAction.SEE_IDENTITY)
        assert granted.expires_at - granted.granted_at == timedelta(minutes=settings.SAHAY_BREAK_GLASS_MINUTES)
        audit = AuditEntry.objects.get(action=AuditAction.BREAK_GLASS)
        assert (audit.reason, audit.actor, audit.organisation) == (REASON, user, fresh_case.organisation)
        told = set(Notice.objects.filter(kind="break_glass", case=fresh_case).values_list("recipient", flat=True))
        assert told == {case_world.supervisor.pk, case_world.worker.pk}

        later = granted.expires_at + timedelta(seconds=1)
        monkeypatch.setattr("sahay.cases.policy.timezone.now", lambda: later)
        assert not CaseAccess.of(user, fresh_case).may(CaseAction.SEE_SUMMARY)

    def test_not_for_the_case_organisation_nor_another_country(self, case_world, fresh_case) -> None:
        for user in (case_world.colleague, case_world.outside_supervisor):
            with pytest.raises(PermissionDenied):
                break_glass(case=fresh_case, user=user, reason=REASON)

    def test_the_page_needs_a_reason_and_then_opens_the_case(self, case_world, fresh_case, client_for) -> None:
        client = client_for(case_world.other_receiver_worker)
        url = reverse("case_break_glass", args=[fresh_case.public_id])
        response = client.post(url, {"reason": ""})
        assert response.status_code == 200 and b"This field is required" in response.content
        assert client.get(reverse("case_detail", args=[fresh_case.public_id])).status_code == 404
        assert client.post(url, {"reason": REASON}).status_code == 302
        page = client.get(reverse("case_detail", args=[fresh_case.public_id]))
        assert page.status_code == 200 and b"Emergency access" in page.content

    def test_find_by_exact_code_shows_no_identity(self, case_world, client_for) -> None:
        client = client_for(case_world.other_receiver_worker)
        response = client.post(reverse("case_find"), {"code": case_world.case.code})
        assert response.status_code == 200
        assert case_world.case.code.encode() in response.content
        assert CHILD_NAME.encode() not in response.content


class TestReadAudit:
    def test_a_read_with_identities_writes_exactly_one_entry(self, case_world, client_for) -> None:
        before = entries(AuditAction.CASE_VIEWED)
        response = client_for(case_world.worker).get(reverse("case_detail", args=[case_world.case.public_id]))
        assert CHILD_NAME.encode() in response.content
        assert entries(AuditAction.CASE_VIEWED) == before + 1
        assert "no-store" in response["Cache-Control"]

    def test_a_de_identified_read_writes_none(self, case_world, client_for) -> None:
        before = AuditEntry.objects.count()
        client_for(case_world.programme_manager).get(reverse("case_detail", args=[case_world.case.public_id]))
        assert AuditEntry.objects.count() == before

    @pytest.mark.parametrize(
        ("page_name", "action"),
        [("legal_case", AuditAction.LEGAL_VIEWED), ("attachment_download", AuditAction.ATTACHMENT_DOWNLOADED)],
    )
    def test_legal_reads_and_downloads_write_one_entry_each(self, case_world, client_for, page_name, action) -> None:
        kwargs = {"public_id": case_world.case.public_id}
        if page_name == "attachment_download":
            kwargs["attachment_id"] = case_world.case.attachments.get().public_id
        before = entries(action)
        response = client_for(case_world.worker).get(reverse(page_name, kwargs=kwargs))
        assert response.status_code == 200
        assert entries(action) == before + 1

    def test_a_rolled_back_read_leaves_no_entry(self, case_world) -> None:
        before = AuditEntry.objects.count()
        with pytest.raises(RuntimeError), transaction.atomic():
            case_read(case=case_world.case, user=case_world.worker)
            raise RuntimeError("the page failed to render")
        assert AuditEntry.objects.count() == before


class TestLifecycle:
    def test_close_and_reopen_each_need_the_current_version(self, case_world, fresh_case) -> None:
        stale = fresh_case.version
        case_close(
            case=fresh_case, closed_by=case_world.worker, version=stale, closed_on=date(2017, 6, 1), reason="goals_met"
        )
        with pytest.raises(StaleCaseError):
            case_reopen(case=fresh_case, reopened_by=case_world.worker, version=stale)
        case_reopen(case=fresh_case, reopened_by=case_world.worker, version=fresh_case.version)
        fresh_case.refresh_from_db()
        assert (fresh_case.status, fresh_case.closed_on) == (Case.Status.OPEN, None)

    def test_a_stale_page_save_is_refused_with_the_input_kept(self, case_world, fresh_case, client_for) -> None:
        url = reverse("case_edit", args=[fresh_case.public_id])
        form = {
            "version": fresh_case.version,
            "intake": "hotline",
            "exploitation": "other",
            "opened_on": "2017-03-01",
            "summary": "first",
        }
        assert client_for(case_world.worker).post(url, form).status_code == 302
        response = client_for(case_world.supervisor).post(url, {**form, "summary": "second, typed by the supervisor"})
        assert response.status_code == 409
        assert b"second, typed by the supervisor" in response.content
        fresh_case.refresh_from_db()
        assert fresh_case.summary == "first"

    def test_a_caseload_moves_when_a_case_worker_leaves(self, case_world, fresh_case) -> None:
        moved = caseload_reassign(
            supervisor=case_world.supervisor, from_worker=case_world.worker, to_worker=case_world.colleague
        )
        assert moved == Case.objects.filter(case_worker=case_world.colleague).count() == 2
        assert CaseAccess.of(case_world.colleague, fresh_case).may(CaseAction.SEE_IDENTITY)
        assert entries(AuditAction.CASE_REASSIGNED) == 2
        with pytest.raises(PermissionDenied):
            caseload_reassign(
                supervisor=case_world.worker, from_worker=case_world.colleague, to_worker=case_world.worker
            )

    def test_follow_ups_falling_due_are_noticed_once(self, case_world, fresh_case) -> None:
        follow_up_plan(
            case=fresh_case, planned_by=case_world.worker, due_on=date(2017, 4, 1), visited_by=case_world.colleague
        )
        assert follow_up_notices_send(today=date(2017, 3, 30)) >= 2
        assert follow_up_notices_send(today=date(2017, 3, 30)) == 0
        assert Notice.objects.filter(recipient=case_world.colleague, kind="follow_up_due").count() == 1


class TestFigures:
    def figure(self, client: Client, code: str) -> object:
        table = client.get(reverse("dashboard"), {"period": "2017-H1"}).context["table"]
        row = next(row for group in table.strategies for row in group.rows if row.indicator.code == code)
        return row.for_country("TH").value

    @pytest.mark.parametrize(
        ("kind", "detail", "indicators"),
        [
            ("legal_aid", "", ["JUST-1", "OUT-6"]),
            ("shelter", "", ["OUT-6"]),
            ("vocational_training", "", ["CARE-2"]),
            ("education_support", "re_enrolment", ["CARE-2", "OUT-6"]),
        ],
    )
    def test_services_recorded_in_cases_move_the_dashboard(
        self, case_world, fresh_case, client_for, kind, detail, indicators
    ) -> None:
        manager = client_for(case_world.programme_manager)
        before = {code: self.figure(manager, code) or 0 for code in indicators}
        case_service_add(
            case=fresh_case, added_by=case_world.worker, kind=kind, start=date(2017, 3, 5), education_support=detail
        )
        after = {code: self.figure(manager, code) for code in indicators}
        assert after == {code: before[code] + 1 for code in indicators}

    def test_a_referred_child_counts_once(self, case_world, client_for) -> None:
        manager = client_for(case_world.programme_manager)
        before = self.figure(manager, "OUT-6")
        # The receiver gives shelter to the same child: the Thai figure does not count the child twice.
        case_service_add(
            case=case_world.case, added_by=case_world.receiver_worker, kind="shelter", start=date(2017, 3, 5)
        )
        assert self.figure(manager, "OUT-6") == before
        assert case_world.case.services.filter(organisation=case_world.receiver_worker.organisation).exists()


def test_case_pages_carry_no_code_or_name_in_their_urls(case_world) -> None:
    case = case_world.case
    for name in ("case_detail", "case_edit", "legal_case", "case_refer"):
        url = reverse(name, args=[case.public_id])
        assert case.code not in url and "Childname" not in url
    assert case.public_id != case_world.nepal_case.public_id


def test_a_child_already_registered_gets_a_case_on_their_own_record(case_world, client_for) -> None:
    """A case supervisor opens it directly (a case worker asks one: test_case_requests)."""
    from sahay.records.services import person_save

    worker, supervisor = case_world.worker, case_world.supervisor
    child = person_save(saved_by=worker, organisation=worker.organisation, code="TH-K-77", sex="female")
    form = {
        "code": "TH-K-77",
        "already_registered": "on",
        "sex": "female",
        "child_role": "at_risk_child",
        "intake": "outreach",
        "exploitation": "online_abuse",
        "opened_on": "2017-04-01",
        "case_worker": worker.pk,
    }
    client = client_for(supervisor)
    missing = client.post(reverse("case_register"), {**form, "code": "TH-K-78"})
    assert b"No child of your organisation has this code" in missing.content
    assert client.post(reverse("case_register"), form).status_code == 302
    case = Case.objects.get(person=child)
    assert child.roles.filter(role="at_risk_child").exists()
    # A child with an open case cannot get a second one.
    again = client.post(reverse("case_register"), form)
    assert b"already has an open case" in again.content
    assert Case.objects.filter(person=child).count() == 1 == len([case])


def test_the_case_list_filters_by_status_case_worker_and_due_visits(case_world, fresh_case, client_for) -> None:
    client = client_for(case_world.supervisor)

    def listed(**filters: object) -> str:
        client.post(reverse("case_list"), filters)
        return str(client.get(reverse("case_list")).content.decode())

    everything = listed()
    assert case_world.case.code in everything and fresh_case.code in everything
    assert "overdue" in everything  # the world's case has a visit due in 2017, never made
    due = listed(follow_up_due="on")
    assert case_world.case.code in due and fresh_case.code not in due
    assert fresh_case.code not in listed(status="closed")
    assert "No case matches these filters" in listed(status="closed")
    by_worker = listed(case_worker=case_world.worker.pk)
    assert case_world.case.code in by_worker and fresh_case.code in by_worker
    cleared = client.get(reverse("case_list"), {"clear": "1"}, follow=True).content.decode()
    assert fresh_case.code in cleared


def test_a_closed_case_takes_no_new_care_but_late_services_and_withdrawals(case_world, fresh_case) -> None:
    from sahay.cases.services.care import assessment_add

    consent = consent_record(
        case=fresh_case,
        recorded_by=case_world.worker,
        purpose="photos",
        given_by="caregiver",
        given_on=date(2017, 3, 1),
    )
    case_close(
        case=fresh_case,
        closed_by=case_world.worker,
        version=fresh_case.version,
        closed_on=date(2017, 6, 1),
        reason="goals_met",
    )
    with pytest.raises(ValidationError, match="reopen"):
        assessment_add(case=fresh_case, assessed_by=case_world.worker, assessed_on=date(2017, 6, 2), risk_level="low")
    with pytest.raises(ValidationError, match="reopen"):
        case_service_add(case=fresh_case, added_by=case_world.worker, kind="medical", start=date(2017, 6, 2))
    # A service given before the closure may be recorded late; a consent can always be withdrawn.
    case_service_add(case=fresh_case, added_by=case_world.worker, kind="medical", start=date(2017, 5, 30))
    consent_withdraw(consent=consent, withdrawn_by=case_world.worker, withdrawn_on=date(2017, 7, 1))
    assert fresh_case.services.count() == 1 and not consent.is_held


def test_the_notices_page_announces_the_users_due_visits(case_world, fresh_case, client_for) -> None:
    follow_up_plan(
        case=fresh_case, planned_by=case_world.worker, due_on=date(2017, 4, 1), visited_by=case_world.colleague
    )
    page = client_for(case_world.colleague).get(reverse("notice_list")).content.decode()
    assert "follow-up due" in page and fresh_case.code in page
    # Opening the page makes that user's notices only; the others get theirs when they look.
    assert set(Notice.objects.filter(kind="follow_up_due").values_list("recipient", flat=True)) == {
        case_world.colleague.pk
    }
    client_for(case_world.colleague).post(reverse("notice_list"))
    assert not Notice.objects.filter(recipient=case_world.colleague, read_at__isnull=True).exists()


def test_the_audit_trail_keeps_the_case_opaque_and_its_supervisor_finds_it_by_code(case_world, client_for) -> None:
    case = case_world.case
    entries = AuditEntry.objects.filter(target_id=case.public_id)
    assert entries.exists() and not entries.exclude(target_label="").exists()
    client = client_for(case_world.supervisor)
    page = client.post(reverse("audit_log"), {"case": case.code.lower()}, follow=True)  # filters are posted
    shown = list(page.context["page"].object_list)
    assert shown and {entry.target_id for entry in shown} == {case.public_id}
    assert case.code in page.content.decode()
    # The administrator reads the whole trail, with opaque ids only.
    admin_page = client_for(case_world.system_administrator).get(reverse("audit_log")).content.decode()
    assert case.public_id in admin_page and case.code not in admin_page
