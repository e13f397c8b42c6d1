"""The rights a role can hold. Roles are data; the list of rights is code, because code checks them.

A right is checked as `user.has_perm("sahay.<right>")`, so templates can ask `perms.sahay.<right>`.
"""

from collections.abc import Iterable
from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class Right(StrEnum):
    VIEW_FIGURES = "view_figures"
    VIEW_PUBLISHED_FIGURES = "view_published_figures"
    ENTER_AGGREGATES = "enter_aggregates"
    CHANGE_TARGETS = "change_targets"
    VIEW_REFERENCE_DATA = "view_reference_data"
    MANAGE_AREAS = "manage_areas"
    RECORD_DATA = "record_data"
    VIEW_LEGAL_DATA = "view_legal_data"
    MANAGE_USERS = "manage_users"
    # Case management: working on the cases one is assigned or shared, supervising an organisation's
    # cases, breaking the glass in an emergency, referring without consent, reading the audit trail.
    WORK_CASES = "work_cases"
    SUPERVISE_CASES = "supervise_cases"
    BREAK_GLASS = "break_glass"
    OVERRIDE_CONSENT = "override_consent"
    VIEW_AUDIT = "view_audit"
    # Half-year reporting: a country coordinator submits the country's figures for a period, a programme
    # manager approves them (or returns them) and issues reports; staff write the reports' narratives.
    SUBMIT_PERIODS = "submit_periods"
    APPROVE_PERIODS = "approve_periods"
    WRITE_REPORTS = "write_reports"

    @property
    def permission(self) -> str:
        return f"sahay.{self.value}"


# Rights that reach children's identities (names, contacts, addresses, exact birth dates, cases, legal data,
# the audit trail that names them), and the right to manage users, which makes the second person of the
# rule below. An account holds them only once a second person confirmed them (goal 26; sahay.accounts.access).
NEEDS_CONFIRMATION = frozenset(
    {
        Right.RECORD_DATA.value,
        Right.WORK_CASES.value,
        Right.SUPERVISE_CASES.value,
        Right.BREAK_GLASS.value,
        Right.OVERRIDE_CONSENT.value,
        Right.VIEW_LEGAL_DATA.value,
        Right.VIEW_AUDIT.value,
        Right.MANAGE_USERS.value,
    }
)

# How the rights that wait for a second person are named to people (the user page, its messages).
CONFIRMATION_LABELS = {
    Right.RECORD_DATA.value: _("recording people and activities"),
    Right.WORK_CASES.value: _("working on cases"),
    Right.SUPERVISE_CASES.value: _("supervising cases"),
    Right.BREAK_GLASS.value: _("emergency access to cases"),
    Right.OVERRIDE_CONSENT.value: _("referring without consent"),
    Right.VIEW_LEGAL_DATA.value: _("legal details"),
    Right.VIEW_AUDIT.value: _("the audit trail"),
    Right.MANAGE_USERS.value: _("managing users"),
}


def confirmation_labels(rights: Iterable[str]) -> list[str]:
    """The waiting rights as people read them, in a fixed order."""
    return [str(CONFIRMATION_LABELS.get(right, right)) for right in sorted(rights)]
