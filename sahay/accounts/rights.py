"""The rights a role can hold. Roles are data; the list of rights is code, because code checks them.

A right is checked as `user.has_perm("sahay.<right>")`, so templates can ask `perms.sahay.<right>`.
"""

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

    @property
    def permission(self) -> str:
        return f"sahay.{self.value}"


RIGHT_LABELS = {
    Right.VIEW_FIGURES: _("See programme figures in one's scope"),
    Right.VIEW_PUBLISHED_FIGURES: _("See published figures"),
    Right.ENTER_AGGREGATES: _("Enter aggregate figures"),
    Right.CHANGE_TARGETS: _("Set and change targets"),
    Right.VIEW_REFERENCE_DATA: _("See countries and organisations"),
    Right.MANAGE_AREAS: _("Add provinces and districts"),
    Right.RECORD_DATA: _("Record people, activities, services and items in one's scope"),
    Right.VIEW_LEGAL_DATA: _("Read legal and offender details of one's own organisation"),
    Right.MANAGE_USERS: _("Create, edit and deactivate users"),
}
