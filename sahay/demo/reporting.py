"""The demo's reporting: the first half years approved and their programme reports issued, so donors see figures.

Later half years stay drafts, for trying the way from draft to approved.
"""

from __future__ import annotations

from sahay.accounts.models import User
from sahay.core.periods import Period
from sahay.frameworks.models import Programme
from sahay.reports.freezing import reissue_leaking_reports
from sahay.reports.models import OffTrackExplanation, PeriodReview, PeriodReviewStep, Report
from sahay.reports.selectors import off_track_targets
from sahay.reports.services import report_approve, report_draft

APPROVED_HALF_YEARS = ("2017-H1", "2017-H2", "2018-H1")
EXPLANATION = "Synthetic demo explanation: activities started later than planned in this country."
CONTEXT = (
    "Synthetic demo narrative. The programme started in nine countries; partners recruited staff and held the "
    "first awareness sessions in schools and communities."
)


def ensure_demo_reports(*, programme: Programme, manager: User) -> int:
    """Approve the demo's first half years and issue their programme reports; return how many were issued now.

    Reports issued by an earlier run, under older disclosure rules, are issued again where today's rules would
    not show their figures, as an upgraded installation does with `sahay reissue-reports`."""
    issued = 0
    earlier = False
    for code in APPROVED_HALF_YEARS:
        period = Period.parse(code)
        if Report.objects.approved_latest(programme=programme, period_code=code, country=None):
            earlier = True
            continue
        for country in programme.countries.all():
            review, _created = PeriodReview.objects.get_or_create(
                programme=programme, country=country, period_code=code
            )
            if review.is_locked:
                continue
            # The demo stands in for the coordinators: their submission and the manager's approval in one step.
            for indicator in off_track_targets(programme=programme, country=country, period=period):
                OffTrackExplanation.objects.get_or_create(
                    review=review, indicator=indicator, defaults={"text": EXPLANATION}
                )
            review.status = PeriodReview.Status.APPROVED
            review.save()
            PeriodReviewStep.objects.create(
                review=review, status=review.status, taken_by=manager, comment="Synthetic demo approval."
            )
        report = report_draft(programme=programme, country=None, period=period, user=manager)
        if code == APPROVED_HALF_YEARS[0] and not report.context:
            report.context = CONTEXT
            report.save(update_fields=["context"])
        report_approve(report=report, approved_by=manager)
        issued += 1
    if earlier:
        issued += len(reissue_leaking_reports(programme=programme, user=manager))
    return issued
