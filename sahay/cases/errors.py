"""The domain errors of case management, beside Django's ValidationError and PermissionDenied."""

from django.utils.translation import gettext_lazy as _


class StaleCaseError(Exception):
    """The case changed after the user opened it: their save would overwrite someone else's."""

    message = _(
        "Someone else saved this case after you opened it. Nothing of yours was saved: your input is "
        "below. Open the case again to see their change, then save yours."
    )
