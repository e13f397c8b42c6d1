"""Activities, who took part in them, and the estimated reach of mass activities."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sahay.core.models import AdministrativeArea, Country, Organisation
from sahay.records.models.organisations import ExternalOrganisation
from sahay.records.models.people import Person, opaque_id


class Activity(models.Model):
    class Kind(models.TextChoices):
        AWARENESS_SESSION = "awareness_session", _("awareness session")
        COMMUNITY_MEETING = "community_meeting", _("community meeting")
        CAMPAIGN = "campaign", _("campaign")
        TRAINING = "training", _("training")
        PRIVATE_SECTOR_DIALOGUE = "private_sector_dialogue", _("private-sector dialogue")
        SCHOOL_OUTREACH = "school_outreach", _("school outreach")
        COMMUNITY_REPORT = "community_report", _("community report to the authorities")

    class CampaignKind(models.TextChoices):
        MEDIA = "media", _("media campaign")
        COMMUNITY = "community", _("community campaign")

    class TrainingTopic(models.TextChoices):
        OFFENDER_DETECTION = "offender_detection", _("offender detection")
        CHILD_FRIENDLY = "child_friendly_treatment", _("child-friendly treatment of victims")
        REPORTING_PRESS = "reporting_press", _("reporting and press")
        SAFE_INTERNET = "safe_internet", _("safe internet use")
        RECOGNISING_EXPLOITATION = "recognising_exploitation", _("recognising exploitation")
        OTHER = "other", _("other topic")

    public_id = models.CharField(max_length=32, unique=True, default=opaque_id, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="activities", verbose_name=_("run by")
    )
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("country"))
    area = models.ForeignKey(
        AdministrativeArea,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("province or district"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    campaign_kind = models.CharField(_("campaign kind"), max_length=20, choices=CampaignKind.choices, blank=True)
    training_topic = models.CharField(_("training topic"), max_length=30, choices=TrainingTopic.choices, blank=True)
    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    reached_organisations = models.ManyToManyField(
        ExternalOrganisation, blank=True, related_name="activities", verbose_name=_("organisations reached")
    )
    participants: models.ManyToManyField[Person, Participation] = models.ManyToManyField(
        Person, through="Participation", related_name="activities"
    )

    class Meta:
        ordering = ["-date", "title"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="campaign") | Q(campaign_kind=""), name="campaign_kind_only_for_campaigns"
            ),
            models.CheckConstraint(
                condition=Q(kind="training") | Q(training_topic=""), name="topic_only_for_trainings"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("date")), name="activity_dates"
            ),
        ]
        indexes = [models.Index(fields=["country", "kind", "date"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.date})"


class Participation(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="participations")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="participations")
    attended = models.BooleanField(_("attended"), default=True)
    completed = models.BooleanField(_("completed"), default=False)

    class Meta:
        verbose_name = _("participation")
        constraints = [models.UniqueConstraint(fields=["activity", "person"], name="participation_once_per_activity")]

    def __str__(self) -> str:
        return f"{self.person.code} in {self.activity_id}"


class AggregateReach(models.Model):
    """An estimate for a mass activity (a radio campaign heard by about 5,000 adults): reach, never people."""

    class Audience(models.TextChoices):
        CHILDREN = "children", _("children")
        ADULTS = "adults", _("adults")
        EVERYONE = "everyone", _("children and adults")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="reach")
    audience = models.CharField(_("audience"), max_length=10, choices=Audience.choices)
    estimate = models.PositiveIntegerField(_("estimated number reached"))
    method = models.CharField(_("how it was estimated"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("aggregate reach")
        verbose_name_plural = _("aggregate reach")

    def __str__(self) -> str:
        return f"{self.estimate} {self.audience}"
