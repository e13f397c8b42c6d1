"""Reports: statements from the data, frozen figures once approved, new versions, drafts, donors, the command."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from sahay.audit.models import AuditAction, AuditEntry
from sahay.records.models import Activity
from sahay.records.services import activity_save
from sahay.reports import disclosure
from sahay.reports.building import report_content
from sahay.reports.models import Report
from sahay.reports.selectors import report_list
from sahay.reports.services import report_draft, report_narratives_save, report_new_version
from sahay.reports.tests.conftest import H1, World

pytestmark = pytest.mark.django_db


def test_statements_come_from_the_data_in_english_and_dutch(world: World) -> None:
    world.meetings("NP", 12, date(2017, 4, 2))
    world.meetings("TH", 3, date(2017, 4, 2))
    report = Report(programme=world.programme, period_code="2017-H1")
    english = report_content(report, language="en", synthetic=False)
    dutch = report_content(report, language="nl", synthetic=False)
    assert any(s.text.startswith("In Nepal, 12 meetings were held between local partners") for s in english.statements)
    assert any(s.text.startswith("In Nepal werden 12 bijeenkomsten gehouden") for s in dutch.statements)
    assert any(s.text.startswith("In Thailand, 3 meetings") for s in english.statements)
    # Countries with nothing to state are left out.
    assert not any("Bangladesh" in s.text for s in english.statements)
    assert english.draft and dutch.labels["draft"] == "Concept"


def test_a_small_victim_count_is_stated_as_fewer_than_five(world: World) -> None:
    world.victims_with_legal_aid("TH", 3, date(2017, 2, 1))
    content = report_content(Report(programme=world.programme, period_code="2017-H1"), language="en", synthetic=False)
    text = " ".join(statement.text for statement in content.statements)
    assert "In Thailand, fewer than 5 victims of sexual exploitation received specialised help" in text
    assert "In Thailand, 3 victims" not in text
    just1 = next(section for section in content.targets if section.indicator_code == "JUST-1")
    thailand = next(row for row in just1.rows if row.place == "Thailand")
    assert thailand.period == "<5" and thailand.cumulative == "<5"
    assert "3" not in {row.period for row in just1.rows}


def test_an_approved_report_is_frozen_and_a_new_version_shows_what_changed(world: World) -> None:
    world.meetings("NP", 8, date(2017, 3, 1))
    world.approve(H1)
    first = world.issue(H1)
    meeting = Activity.objects.filter(country__code="NP").first()
    assert meeting is not None
    activity_save(
        saved_by=world.recorder,
        organisation=world.organisations.partners["NP"],
        kind=Activity.Kind.COMMUNITY_MEETING,
        title="moved",
        date=date(2017, 9, 1),
        activity=meeting,
        correction_reason="Typed the wrong month.",
    )

    def nepal_meetings(report: Report) -> str:
        content = report_content(report, language="en", synthetic=False)
        return next(s.text for s in content.statements if s.indicator_code == "OUT-1" and s.place == "Nepal")

    assert nepal_meetings(first).startswith("In Nepal, 8 meetings")  # frozen: the correction does not move it
    with pytest.raises(Exception, match="approved"):
        report_narratives_save(report=first, user=world.users.programme_manager, context="x", challenges="", stories="")
    second = report_new_version(report=first, user=world.users.programme_manager)
    assert second.version == 2 and not second.is_approved
    assert nepal_meetings(second).startswith("In Nepal, 7 meetings")
    second = world.issue(H1)  # approves the open draft, version 2
    donor_reports = report_list(user=world.users.donor_viewer, programme=world.programme)
    assert list(donor_reports) == [second]  # the donor reads the latest version only
    content = report_content(second, language="en", synthetic=False)
    assert content.version == 2 and not content.draft
    change = next(c for c in content.changes if c.indicator_code == "OUT-1" and c.place == "Nepal")
    assert (change.before, change.after) == ("8", "7")


def test_a_report_waits_for_every_country_to_be_approved(world: World) -> None:
    world.approve(H1, "NP")
    report = report_draft(programme=world.programme, country=None, period=H1, user=world.users.programme_manager)
    from django.core.exceptions import ValidationError

    from sahay.reports.services import report_approve

    with pytest.raises(ValidationError, match="Bangladesh"):
        report_approve(report=report, approved_by=world.users.programme_manager)
    assert not Report.objects.get(pk=report.pk).is_approved
    country_report = world.issue(H1, "NP")  # Nepal's own report can be issued
    assert country_report.is_approved


def test_the_donor_sees_approved_reports_only_after_disclosure_control(world: World, client_for) -> None:
    world.victims_with_legal_aid("TH", 2, date(2017, 2, 1))
    draft = report_draft(programme=world.programme, country=None, period=H1, user=world.users.programme_manager)
    donor = client_for(world.users.donor_viewer)
    assert donor.get(reverse("report_detail", args=[draft.pk])).status_code == 404
    assert "No figures are published yet" in donor.get(reverse("dashboard")).content.decode()
    world.approve(H1)
    approved = world.issue(H1)
    page = donor.get(reverse("report_detail", args=[approved.pk])).content.decode()
    assert "fewer than 5 victims" in page
    dashboard = donor.get(reverse("dashboard")).content.decode()
    assert "Published figures, 2017-H1" in dashboard and "&lt;5" in dashboard


def test_the_command_writes_a_draft_and_refuses_to_write_when_disclosure_fails(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    world.meetings("NP", 5, date(2017, 3, 1))
    out = tmp_path / "report.html"
    call_command("report", period="2017-H1", lang="en", format="html", out=str(out))
    assert "draft" in capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    assert "In Nepal, 5 meetings were held" in text and "Draft" in text

    def broken(*args: object, **kwargs: object) -> None:
        raise disclosure.DisclosureError("forced")

    monkeypatch.setattr("sahay.reports.publishing.publish", broken)
    failed = tmp_path / "failed.pdf"
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("report", period="2017-H1", lang="nl", format="pdf", out=str(failed))
    assert not failed.exists()
    assert list(tmp_path.iterdir()) == [out]


def test_downloading_a_report_is_audited(world: World, client_for) -> None:
    report = report_draft(programme=world.programme, country=None, period=H1, user=world.users.programme_manager)
    response = client_for(world.users.programme_manager).get(
        reverse("report_download", args=[report.pk, "xlsx"]) + "?lang=nl"
    )
    assert response.status_code == 200
    assert "draft-nl.xlsx" in response["Content-Disposition"]
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT, target_kind="report").count() == 1


def test_a_failing_rule_set_gives_no_file_and_no_preview(
    world: World, client_for, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = report_draft(programme=world.programme, country=None, period=H1, user=world.users.programme_manager)

    def broken(*args: object, **kwargs: object) -> None:
        raise disclosure.DisclosureError("forced")

    monkeypatch.setattr("sahay.reports.publishing.publish", broken)
    manager = client_for(world.users.programme_manager)
    download = manager.get(reverse("report_download", args=[report.pk, "xlsx"]))
    assert download.status_code == 503
    assert download["Content-Type"].startswith("text/html")
    assert "nothing was output" in download.content.decode()
    preview = manager.get(reverse("report_detail", args=[report.pk])).content.decode()
    assert "none are shown" in preview and "Progress against targets" not in preview
