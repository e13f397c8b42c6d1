"""Record models, one module per topic."""

from sahay.records.models.activities import Activity, AggregateReach, Participation
from sahay.records.models.items import OffenderDetails, TrackedItem, TrackedItemStatus
from sahay.records.models.merges import PersonMerge
from sahay.records.models.organisations import ExternalOrganisation
from sahay.records.models.people import Household, HouseholdMember, Person, PersonRole, Sex
from sahay.records.models.services import Service

__all__ = [
    "Activity",
    "AggregateReach",
    "ExternalOrganisation",
    "Household",
    "HouseholdMember",
    "OffenderDetails",
    "Participation",
    "Person",
    "PersonMerge",
    "PersonRole",
    "Service",
    "Sex",
    "TrackedItem",
    "TrackedItemStatus",
]
