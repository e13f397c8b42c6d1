"""Who may do what to a case, written out by hand: the table the access tests hold the code to.

It does not read `policy.POLICY`: if the policy changes, these expectations do not follow it, and the
tests fail. Keys are the relations of `conftest.CaseWorld` (for the Thai case) and, for the Nepali
case, the few users that reach it.
"""

from __future__ import annotations

from sahay.cases.policy import CaseAction as A

EVERYTHING = frozenset(A)
CASE_WORK = EVERYTHING - {A.MANAGE}
SUMMARY = frozenset({A.SEE_SUMMARY})
NOTHING: frozenset[A] = frozenset()

THAI_CASE: dict[str, frozenset[A]] = {
    "worker": CASE_WORK,
    "shared_worker": CASE_WORK,
    "worker_without_legal": CASE_WORK - {A.SEE_LEGAL, A.CHANGE_LEGAL},
    "colleague": NOTHING,
    "supervisor": EVERYTHING,
    # The second Thai partner accepted a referral sharing the child's identity.
    "receiver_supervisor": frozenset({A.SEE_SUMMARY, A.SEE_IDENTITY, A.ADD_SERVICE}),
    "receiver_worker": frozenset({A.SEE_SUMMARY, A.SEE_IDENTITY, A.ADD_SERVICE}),
    "other_receiver_worker": NOTHING,
    # The Nepali partner accepted one that does not share it.
    "nepal_worker": frozenset({A.SEE_SUMMARY, A.ADD_SERVICE}),
    "nepal_supervisor": frozenset({A.SEE_SUMMARY, A.ADD_SERVICE}),
    "outside_worker": NOTHING,
    "outside_supervisor": NOTHING,
    # Emergency access opens protected data, never closed (legal) data, and changes nothing.
    "glass_user": frozenset({A.SEE_SUMMARY, A.SEE_IDENTITY, A.SEE_CARE, A.SEE_ATTACHMENTS}),
    "expired_glass_user": NOTHING,
    "programme_manager": SUMMARY,
    "me_officer": SUMMARY,
    "thai_coordinator": SUMMARY,
    "legal_adviser": SUMMARY,  # Thai programme staff holding the legal right
    "country_coordinator": NOTHING,  # of Nepal
    "partner_staff": SUMMARY,  # of the case's own organisation, not a case role
    "thai_second_staff": NOTHING,
    "donor_viewer": NOTHING,
    "system_administrator": NOTHING,
}

NEPAL_CASE: dict[str, frozenset[A]] = dict.fromkeys(THAI_CASE, NOTHING) | {
    "nepal_worker": CASE_WORK,
    "nepal_supervisor": EVERYTHING,
    "programme_manager": SUMMARY,
    "me_officer": SUMMARY,
    "country_coordinator": SUMMARY,
}

# Every page about one case, and the action it needs. POST-only pages answer a GET with 405.
CASE_PAGES: dict[str, A] = {
    "case_detail": A.SEE_SUMMARY,
    "case_edit": A.CHANGE,
    "case_close": A.CHANGE,
    "case_reopen": A.CHANGE,
    "case_assign": A.MANAGE,
    "case_share": A.MANAGE,
    "consent_add": A.CHANGE,
    "consent_withdraw": A.CHANGE,
    "assessment_add": A.CHANGE,
    "goal_add": A.CHANGE,
    "goal_achieved": A.CHANGE,
    "follow_up_add": A.CHANGE,
    "follow_up_done": A.CHANGE,
    "case_service_add": A.ADD_SERVICE,
    "attachment_add": A.CHANGE,
    "attachment_download": A.SEE_ATTACHMENTS,
    "case_refer": A.REFER,
    "legal_case": A.SEE_LEGAL,
    "legal_case_edit": A.CHANGE_LEGAL,
    "hearing_add": A.CHANGE_LEGAL,
}
POST_ONLY = {"case_reopen", "case_share"}
GET_ONLY = {"case_detail", "attachment_download", "legal_case"}
