"""Case management: a child's case, its care, its referrals, its legal case, and who may open it."""

from sahay.cases.models.access import CaseShare, GlassAccess, Notice
from sahay.cases.models.care import Assessment, Consent, FollowUp, PlanGoal
from sahay.cases.models.cases import Case
from sahay.cases.models.documents import Attachment
from sahay.cases.models.legal import Hearing, LegalCase
from sahay.cases.models.referrals import Referral
from sahay.cases.models.requests import CaseRequest

__all__ = [
    "Assessment",
    "Attachment",
    "Case",
    "CaseRequest",
    "CaseShare",
    "Consent",
    "FollowUp",
    "GlassAccess",
    "Hearing",
    "LegalCase",
    "Notice",
    "PlanGoal",
    "Referral",
]
