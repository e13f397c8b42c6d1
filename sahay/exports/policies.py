"""Who may export what. Scope is not decided here: the selectors apply the records' and cases' own rules."""

from __future__ import annotations

from sahay.accounts.models import User
from sahay.accounts.rights import Right

# Rights that open each export page; anything else is refused (403).
FIGURE_RIGHTS = (Right.VIEW_FIGURES, Right.VIEW_PUBLISHED_FIGURES)
RECORD_RIGHTS = (Right.VIEW_FIGURES,)  # the same right the record lists ask for
IDENTITY_RIGHTS = (Right.VIEW_FIGURES, Right.WORK_CASES)  # record pages and case pages show identities


def _holds_any(user: User, rights: tuple[Right, ...]) -> bool:
    return any(user.has_perm(right.permission) for right in rights)


def may_export_figures(user: User) -> bool:
    return _holds_any(user, FIGURE_RIGHTS)


def sees_unpublished_periods(user: User) -> bool:
    """Programme staff export any period's figures; a donor only those of an approved report."""
    return user.has_perm(Right.VIEW_FIGURES.permission)


def may_export_records(user: User) -> bool:
    return _holds_any(user, RECORD_RIGHTS)


def may_export_identities(user: User) -> bool:
    """Identities are seen only from within an organisation: its own people, or its cases' children."""
    return user.organisation_id is not None and _holds_any(user, IDENTITY_RIGHTS)
