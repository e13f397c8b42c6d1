"""Case management pages. URLs carry opaque random ids only: never a child's code or name."""

from django.urls import path

from sahay.cases.views import care, cases, legal, referrals, requests

urlpatterns = [
    path("", cases.case_list_page, name="case_list"),
    path("new/", cases.case_register_page, name="case_register"),
    path("find/", cases.case_find, name="case_find"),
    path("reassign/", cases.caseload_reassign_page, name="caseload_reassign"),
    path("referrals/", referrals.referral_inbox, name="referral_inbox"),
    path("referrals/<str:referral_id>/", referrals.referral_answer_page, name="referral_answer"),
    path("notices/", cases.notice_list_page, name="notice_list"),
    path("requests/", requests.case_request_inbox, name="case_request_inbox"),
    path("requests/<str:request_id>/", requests.case_request_answer_page, name="case_request_answer"),
    path("<str:public_id>/", cases.case_detail, name="case_detail"),
    path("<str:public_id>/edit/", cases.case_edit, name="case_edit"),
    path("<str:public_id>/close/", cases.case_close_page, name="case_close"),
    path("<str:public_id>/reopen/", cases.case_reopen_page, name="case_reopen"),
    path("<str:public_id>/case-worker/", cases.case_assign_page, name="case_assign"),
    path("<str:public_id>/share/", cases.case_share_page, name="case_share"),
    path("<str:public_id>/emergency-access/", cases.case_break_glass, name="case_break_glass"),
    path("<str:public_id>/consent/", care.consent_add_page, name="consent_add"),
    path("<str:public_id>/consent/<int:consent_id>/withdraw/", care.consent_withdraw_page, name="consent_withdraw"),
    path("<str:public_id>/assessments/new/", care.assessment_add_page, name="assessment_add"),
    path("<str:public_id>/plan/new/", care.goal_add_page, name="goal_add"),
    path("<str:public_id>/plan/<int:goal_id>/achieved/", care.goal_achieved_page, name="goal_achieved"),
    path("<str:public_id>/follow-ups/new/", care.follow_up_add_page, name="follow_up_add"),
    path("<str:public_id>/follow-ups/<int:follow_up_id>/done/", care.follow_up_done_page, name="follow_up_done"),
    path("<str:public_id>/services/new/", care.case_service_add_page, name="case_service_add"),
    path("<str:public_id>/documents/new/", care.attachment_add_page, name="attachment_add"),
    path("<str:public_id>/documents/<str:attachment_id>/", care.attachment_download, name="attachment_download"),
    path("<str:public_id>/refer/", referrals.case_refer_page, name="case_refer"),
    path("<str:public_id>/legal/", legal.legal_case_page, name="legal_case"),
    path("<str:public_id>/legal/edit/", legal.legal_case_edit, name="legal_case_edit"),
    path("<str:public_id>/legal/hearings/new/", legal.hearing_add_page, name="hearing_add"),
]
