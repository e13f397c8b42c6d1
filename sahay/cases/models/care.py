"""Consent, assessment, the case plan and follow-up visits."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sahay.cases.models.cases import Case
from sahay.core.encryption import EncryptedTextField
from sahay.records.models import Service


class Consent(models.Model):
    """Consent for one purpose. A withdrawal takes effect at once: the consent is then no longer held."""

    class Purpose(models.TextChoices):
        SERVICES = "services", _("receiving services")
        REFERRAL = "referral", _("referral to another organisation")
        AUTHORITIES = "authorities", _("sharing with the authorities")
        PHOTOS = "photos", _("photos")
        RESEARCH = "research", _("use in de-identified research")

    class GivenBy(models.TextChoices):
        CAREGIVER = "caregiver", _("consent of a parent or caregiver")
        CHILD_ASSENT = "child_assent", _("assent of the child")
        ADOLESCENT = "adolescent", _("the adolescent's own consent")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    given_by = models.CharField(_("given as"), max_length=20, choices=GivenBy.choices)
    given_on = models.DateField(_("given on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # When the withdrawal was recorded (its date may be earlier): what it ends is what was shared before it.
    withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["purpose", "given_on"]
        verbose_name = _("consent")
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=models.F("given_on")),
                name="consent_dates",
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose} ({self.given_by})"

    @property
    def is_held(self) -> bool:
        return self.withdrawn_on is None


class Assessment(models.Model):
    class Level(models.TextChoices):
        LOW = "low", _("low")
        MEDIUM = "medium", _("medium")
        HIGH = "high", _("high")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="assessments")
    assessed_on = models.DateField(_("assessed on"))
    risk_level = models.CharField(_("risk level"), max_length=10, choices=Level.choices)
    risks = EncryptedTextField(_("risks"), blank=True)
    needs = EncryptedTextField(_("needs"), blank=True)
    safety = EncryptedTextField(_("safety plan"), blank=True)
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-assessed_on", "-pk"]
        verbose_name = _("assessment")

    def __str__(self) -> str:
        return f"assessment {self.assessed_on}"


class PlanGoal(models.Model):
    """A goal of the case plan: what, through which service, who is responsible, by when."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="goals")
    goal = EncryptedTextField(_("goal"))
    service_kind = models.CharField(_("service"), max_length=30, choices=Service.Kind.choices, blank=True)
    responsible = models.CharField(_("responsible"), max_length=120)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    achieved_on = models.DateField(_("achieved on"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("case plan goal")

    def __str__(self) -> str:
        return f"goal {self.pk}"


class FollowUp(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="follow_ups")
    due_on = models.DateField(_("due on"))
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("who visits")
    )
    done_on = models.DateField(_("visited on"), null=True, blank=True)
    notes = EncryptedTextField(_("notes"), blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("follow-up visit")
        indexes = [models.Index(fields=["done_on", "due_on"])]

    def __str__(self) -> str:
        return f"follow-up due {self.due_on}"
