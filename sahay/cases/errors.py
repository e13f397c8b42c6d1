"""The domain errors of case management, beside Django's ValidationError and PermissionDenied."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _


class StaleCaseError(Exception):
    """The case changed after the user opened it: their save would overwrite someone else's."""

    message = _(
        "Someone else saved this case after you opened it. Nothing of yours was saved: your input is "
        "below. Open the case again to see their change, then save yours."
    )


class CaseChildProtected(PermissionDenied):
    """A write would reach the child of a case the user may not change (merging their record, say)."""

    message = _(
        "One of these records is the child of a case you may not change. Only the case's own case worker, "
        "or a case supervisor of its organisation, can merge it or undo its merge."
    )

    def __init__(self) -> None:
        super().__init__(str(self.message))
