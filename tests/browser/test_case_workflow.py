"""A child's case in the browser: registered, cared for, referred, accepted elsewhere, closed; and emergency access."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.utils import formats, timezone
from playwright.sync_api import Locator, Page, expect

from conftest import MakeUser, Organisations
from sahay.cases.models import Case
from sahay.cases.services.cases import NewChild, case_register
from tests.browser.conftest import Screenshot, SignIn, Site
from tests.browser.helpers import form_field, selected_option

CHILD_CODE = "TH-BKK-0042"
CHILD_NAME = "Synthetic Childname Malee"
RECEIVER = "Test Partner TH second"
NEEDS = "Safe shelter for two weeks and counselling (synthetic)."


def shown(day: date) -> str:
    """A date as the pages show it."""
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def fact(scope: Page | Locator, term: str) -> Locator:
    """The value next to a term of a facts list ("Name" -> the child's name)."""
    term_label = scope.locator("dt").filter(has_text=re.compile(rf"^{re.escape(term)}$"))
    return term_label.locator("xpath=following-sibling::dd[1]")


def section(page: Page, heading: str) -> Locator:
    return page.get_by_role("region", name=heading, exact=True)


def status_message(page: Page) -> Locator:
    return page.get_by_role("status")


@pytest.mark.browser
def test_case_from_registration_through_referral_to_closure(
    site: Site,
    signed_in: SignIn,
    signed_in_elsewhere: SignIn,
    screenshot: Screenshot,
    make_user: MakeUser,
    organisations: Organisations,
) -> None:
    thai, thai_second = organisations.partners["TH"], organisations.partners["TH2"]
    worker = make_user("case_worker", organisation=thai, username="worker-th")
    receiver_supervisor = make_user("case_supervisor", organisation=thai_second, username="supervisor-th2")
    make_user("case_worker", organisation=thai_second, username="worker-th2")
    today = timezone.localdate()
    opened = today - timedelta(days=14)
    visit_due = today + timedelta(days=7)

    page = signed_in(worker)
    page.goto(site.url("/"))  # a case worker starts on their cases
    expect(page.get_by_role("heading", level=1)).to_have_text("Cases")
    expect(page.get_by_text("No cases yet. Register a child's case to start.")).to_be_visible()
    screenshot("01-no-cases")

    # Registration.
    page.get_by_role("link", name="Register a case").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Register a case")
    form_field(page, "Child's code").fill(CHILD_CODE)
    form_field(page, "Name").fill(CHILD_NAME)
    form_field(page, "Sex").select_option(label="female")
    form_field(page, "or estimated year of birth").fill(str(today.year - 14))
    form_field(page, "Contact").fill("+66 2 000 0000 (synthetic)")
    form_field(page, "The child is").select_option(label="a victim")
    form_field(page, "How the case came in").select_option(label="hotline")
    form_field(page, "Type of exploitation").select_option(label="online sexual abuse or live-streaming")
    form_field(page, "Opened on").fill(opened.isoformat())
    expect(selected_option(form_field(page, "Case worker"))).to_have_text("worker-th")
    form_field(page, "Summary").fill("Reported through the hotline by a teacher (synthetic).")
    screenshot("02-registration-filled")
    page.get_by_role("button", name="Register").click()

    expect(status_message(page)).to_have_text(f"Case {CHILD_CODE} registered.")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Case {CHILD_CODE} open")
    about = section(page, "About the case")
    expect(fact(about, "Name")).to_have_text(CHILD_NAME)
    expect(fact(about, "Age at opening")).to_have_text("12 to 17")
    expect(fact(about, "Case worker")).to_have_text("worker-th")
    expect(fact(about, "Opened on")).to_have_text(shown(opened))
    expect(fact(about, "Came in through")).to_have_text("hotline")
    expect(section(page, "Consent")).to_contain_text("No consent recorded.")
    expect(section(page, "Services")).to_contain_text("No services yet.")
    case_url = page.url
    screenshot("03-case-page")

    # Consent for referral.
    page.get_by_role("link", name="Record consent").click()
    form_field(page, "Purpose").select_option(label="referral to another organisation")
    form_field(page, "Given as").select_option(label="consent of a parent or caregiver")
    expect(form_field(page, "Given on")).to_have_value(today.isoformat())
    page.get_by_role("button", name="Save").click()
    expect(status_message(page)).to_have_text("Consent recorded.")
    expect(section(page, "Consent").get_by_role("listitem")).to_have_text(
        [f"referral to another organisation: consent of a parent or caregiver, {shown(today)} Withdraw"]
    )
    screenshot("04-consent-recorded")

    # An assessment.
    page.get_by_role("link", name="Add an assessment").click()
    form_field(page, "Risk level").select_option(label="high")
    form_field(page, "Risks").fill("Contact with the offender online (synthetic).")
    form_field(page, "Needs").fill("Shelter, counselling.")
    form_field(page, "Safety plan").fill("Phone taken to the police; the teacher checks in daily.")
    page.get_by_role("button", name="Save").click()
    expect(status_message(page)).to_have_text("Assessment saved.")
    assessments = section(page, "Assessments")
    expect(assessments.get_by_role("heading", level=3)).to_have_text(f"{shown(today)} · risk high")
    expect(fact(assessments, "Needs")).to_have_text("Shelter, counselling.")
    screenshot("05-assessment")

    # A goal of the case plan.
    page.get_by_role("link", name="Add a goal").click()
    form_field(page, "Goal").fill("The child feels safe and sleeps at the shelter.")
    form_field(page, "Through the service").select_option(label="shelter")
    form_field(page, "Responsible").fill("worker-th")
    form_field(page, "Due on").fill(visit_due.isoformat())
    page.get_by_role("button", name="Save").click()
    expect(status_message(page)).to_have_text("Goal added.")
    expect(section(page, "Case plan").get_by_role("row").nth(1).get_by_role("cell")).to_have_text(
        ["The child feels safe and sleeps at the shelter.", "shelter", "worker-th", shown(visit_due), "Mark achieved"]
    )
    screenshot("06-plan-goal")

    # A follow-up visit.
    page.get_by_role("link", name="Plan a visit").click()
    form_field(page, "Visit due on").fill(visit_due.isoformat())
    expect(selected_option(form_field(page, "Who visits"))).to_have_text("worker-th")
    page.get_by_role("button", name="Save").click()
    expect(status_message(page)).to_have_text("Visit planned.")
    expect(section(page, "Follow-up visits").get_by_role("row").nth(1).get_by_role("cell")).to_have_text(
        [shown(visit_due), "worker-th", "Record the visit", "–"]
    )
    screenshot("07-follow-up-planned")

    # A service.
    page.get_by_role("link", name="Record a service").click()
    form_field(page, "Service").select_option(label="psychological and emotional support")
    expect(selected_option(form_field(page, "For"))).to_have_text("the child")
    form_field(page, "Provider").fill("Hotline counsellor")
    page.get_by_role("button", name="Save").click()
    expect(status_message(page)).to_have_text("Service recorded. It counts in the programme's figures.")
    expect(section(page, "Services").get_by_role("row").nth(1).get_by_role("cell")).to_have_text(
        [
            "psychological and emotional support",
            "the child",
            shown(today),
            "ongoing",
            thai.name,
            "Hotline counsellor",
            "–",
        ]
    )
    screenshot("08-service-recorded")

    # The referral, without the child's identity.
    page.get_by_role("link", name="Refer", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Refer the case")
    expect(page.get_by_text("Consent for referral is on record.")).to_be_visible()
    form_field(page, "Refer to").select_option(label=RECEIVER)
    form_field(page, "What the child needs from them").fill(NEEDS)
    expect(form_field(page, "Share the child's name and contact details")).not_to_be_checked()
    screenshot("09-referral-form")
    page.get_by_role("button", name="Send the referral").click()
    expect(status_message(page)).to_have_text("Referral sent. The receiving organisation is told.")
    referrals = section(page, "Referrals")
    referral = referrals.get_by_role("listitem")
    expect(referral).to_have_count(1)
    expect(referral).to_contain_text(f"{shown(today)} → {RECEIVER}: waiting for an answer")
    expect(referral).to_contain_text(NEEDS)

    # The receiving organisation's supervisor, at their own computer.
    receiver = signed_in_elsewhere(receiver_supervisor)
    receiver.goto(site.url("/"))
    nav = receiver.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Notices")).to_contain_text("1")
    receiver.get_by_role("link", name="Referrals received").click()
    inbox_row = receiver.get_by_role("row").filter(has=receiver.get_by_role("link", name=CHILD_CODE))
    expect(inbox_row.get_by_role("cell")).to_have_text(
        ["12 to 17", "female", thai.name, shown(today), "waiting for an answer"]
    )
    screenshot("10-receiver-inbox", receiver)
    inbox_row.get_by_role("link", name=CHILD_CODE).click()
    expect(receiver.get_by_role("heading", level=1)).to_have_text(f"Referral of {CHILD_CODE}")
    expect(fact(receiver, "Needs")).to_have_text(NEEDS)
    expect(fact(receiver, "Identity shared")).to_have_text("no: the child is known to you by the code")
    expect(receiver.get_by_text(CHILD_NAME)).to_have_count(0)
    receiver.get_by_label("Accept", exact=True).check()
    form_field(receiver, "Case worker").select_option(label="worker-th2")
    form_field(receiver, "Note").fill("A bed is free from tomorrow.")
    screenshot("11-receiver-answer", receiver)
    receiver.get_by_role("button", name="Send the answer").click()
    expect(status_message(receiver)).to_have_text("Answer sent to the referring organisation.")
    expect(inbox_row.get_by_role("cell").last).to_have_text("accepted")

    # The receiver sees the case de-identified: it did not share the child's name.
    inbox_row.get_by_role("link", name=CHILD_CODE).click()
    expect(receiver.get_by_role("heading", level=1)).to_have_text(f"Case {CHILD_CODE} open")
    expect(receiver.get_by_text("De-identified view")).to_be_visible()
    expect(fact(receiver, "Name")).to_have_count(0)
    expect(receiver.get_by_text(CHILD_NAME)).to_have_count(0)
    expect(section(receiver, "Services")).to_contain_text("psychological and emotional support")
    expect(section(receiver, "Consent")).to_have_count(0)
    expect(section(receiver, "Referrals").get_by_role("listitem")).to_contain_text(f"{RECEIVER}: accepted (worker-th2)")
    expect(receiver.get_by_role("link", name="Record a service")).to_be_visible()
    screenshot("12-receiver-case-page", receiver)

    # Back with the case worker: the answer shows on the case; the case closes.
    page.reload()
    expect(referral).to_contain_text(f"{shown(today)} → {RECEIVER}: accepted (worker-th2)")
    page.get_by_role("link", name="Close the case").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Close the case")
    expect(form_field(page, "Closed on")).to_have_value(today.isoformat())
    form_field(page, "Reason").select_option(label="transferred to another organisation")
    screenshot("13-closing")
    page.get_by_role("button", name="Save").click()
    expect(status_message(page)).to_have_text("Case closed.")
    expect(page).to_have_url(case_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Case {CHILD_CODE} closed")
    expect(fact(about, "Closed on")).to_have_text(f"{shown(today)} (transferred to another organisation)")
    expect(page.get_by_role("button", name="Reopen")).to_be_visible()
    for gone in ("Close the case", "Refer", "Plan a visit"):
        expect(page.get_by_role("link", name=gone, exact=True)).to_have_count(0)
    screenshot("14-closed")

    # A programme manager sees the case, never the child's name or the case's narratives.
    manager = signed_in_elsewhere(site.users.programme_manager)
    manager.goto(site.url("/cases/"))
    manager_row = manager.get_by_role("row").filter(has=manager.get_by_role("link", name=CHILD_CODE))
    expect(manager_row.get_by_role("cell").nth(2)).to_have_text("closed")
    manager_row.get_by_role("link", name=CHILD_CODE).click()
    expect(manager.get_by_role("heading", level=1)).to_have_text(f"Case {CHILD_CODE} closed")
    expect(manager.get_by_text("De-identified view")).to_be_visible()
    expect(fact(manager, "Age at opening")).to_have_text("12 to 17")
    expect(section(manager, "Services")).to_contain_text("psychological and emotional support")
    for hidden in ("Name", "Contact", "Summary"):
        expect(fact(manager, hidden)).to_have_count(0)
    for hidden in ("Consent", "Assessments", "Case plan", "Follow-up visits", "Documents"):
        expect(section(manager, hidden)).to_have_count(0)
    expect(manager.get_by_text("Hotline counsellor")).to_have_count(0)  # the service's provider: a narrative
    expect(manager.get_by_text(CHILD_NAME)).to_have_count(0)
    assert CHILD_NAME not in manager.content()
    screenshot("15-programme-manager", manager)


@pytest.mark.browser
def test_emergency_access_to_another_organisations_case(
    site: Site, signed_in: SignIn, screenshot: Screenshot, make_user: MakeUser, organisations: Organisations
) -> None:
    thai = organisations.partners["TH"]
    owner = make_user("case_worker", organisation=thai, username="worker-th")
    case_register(
        registered_by=owner,
        organisation=thai,
        intake=Case.Intake.POLICE_REFERRAL,
        exploitation=Case.Exploitation.TRAFFICKING,
        opened_on=timezone.localdate() - timedelta(days=30),
        child_role="victim",
        case_worker=owner,
        new_child=NewChild(
            code=CHILD_CODE, sex="female", birth_year_estimated=timezone.localdate().year - 15, name=CHILD_NAME
        ),
    )
    # A case worker of another Thai organisation, with no tie to the case.
    page = signed_in(make_user("case_worker", organisation=organisations.partners["TH2"], username="worker-th2"))
    page.goto(site.url("/"))
    expect(page.get_by_text("No cases yet.")).to_be_visible()

    page.get_by_role("link", name="Emergency access").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Emergency access")
    code = form_field(page, "Exact case code")
    code.fill(CHILD_CODE)
    code.press("Enter")
    found = page.locator(".card").filter(has=page.get_by_role("heading", name=CHILD_CODE))
    expect(fact(found, "Organisation")).to_have_text(thai.name)
    expect(fact(found, "Status")).to_have_text("open")
    expect(page.get_by_text(CHILD_NAME)).to_have_count(0)
    screenshot("1-found")

    found.get_by_role("link", name="Open in an emergency").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Open case {CHILD_CODE} in an emergency")
    form_field(page, "Why you must open this case now").fill("The police found her at the bus station tonight.")
    screenshot("2-reason")
    page.get_by_role("button", name="Open the case").click()

    expect(status_message(page)).to_have_text("Emergency access granted to you alone. It is recorded and reported.")
    expect(page.get_by_role("alert")).to_contain_text("Emergency access: you see this case until")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Case {CHILD_CODE} open")
    expect(fact(page, "Name")).to_have_text(CHILD_NAME)
    expect(page.get_by_role("link", name="Legal case")).to_have_count(0)  # closed data, even in an emergency
    expect(page.get_by_role("link", name="Close the case")).to_have_count(0)
    screenshot("3-case-through-emergency-access")
