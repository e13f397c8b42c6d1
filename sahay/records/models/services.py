"""Services to a person or a household: one list of kinds, shared with case management."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sahay.core.encryption import EncryptedTextField
from sahay.core.models import Organisation
from sahay.records.models.people import Household, Person, opaque_id


class Service(models.Model):
    class Kind(models.TextChoices):
        EDUCATION_SUPPORT = "education_support", _("education support")
        VOCATIONAL_TRAINING = "vocational_training", _("vocational training")
        LIVELIHOOD = "livelihood", _("livelihood support")
        SOCIAL_ASSISTANCE_CLAIM = "social_assistance_claim", _("help claiming social assistance")
        MEDICAL = "medical", _("medical care")
        PSYCHOSOCIAL = "psychosocial", _("psychological and emotional support")
        SHELTER = "shelter", _("shelter")
        LEGAL_AID = "legal_aid", _("legal aid")
        FAMILY_TRACING = "family_tracing", _("family tracing and reintegration")
        HOME_VISIT = "home_visit", _("home visit")

    class EducationSupport(models.TextChoices):
        ENROLMENT = "enrolment", _("enrolment")
        RE_ENROLMENT = "re_enrolment", _("re-enrolment")
        FEES = "fees", _("school fees")
        MATERIALS = "materials", _("school materials")

    public_id = models.CharField(max_length=32, unique=True, default=opaque_id, editable=False)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    education_support = models.CharField(
        _("education support"), max_length=20, choices=EducationSupport.choices, blank=True
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="services", verbose_name=_("person")
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="services", verbose_name=_("household")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="services", verbose_name=_("provided by")
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True, help_text=_("Empty while it goes on."))
    # Services given within a case: the same record, so they count through the same engine.
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="services", verbose_name=_("case")
    )
    provider = models.CharField(
        _("provider"),
        max_length=200,
        blank=True,
        help_text=_("Clinic, shelter, school or lawyer, when not yourselves."),
    )
    outcome = EncryptedTextField(_("outcome"), blank=True)

    class Meta:
        ordering = ["-start"]
        verbose_name = _("service")
        constraints = [
            models.CheckConstraint(
                condition=(Q(person__isnull=False) & Q(household__isnull=True))
                | (Q(person__isnull=True) & Q(household__isnull=False)),
                name="service_for_a_person_or_a_household",
            ),
            models.CheckConstraint(
                condition=Q(kind="education_support", education_support__gt="")
                | (~Q(kind="education_support") & Q(education_support="")),
                name="education_support_detail",
            ),
            models.CheckConstraint(condition=Q(end__isnull=True) | Q(end__gte=models.F("start")), name="service_dates"),
        ]
        indexes = [models.Index(fields=["kind", "start"])]

    def __str__(self) -> str:
        return f"{self.kind} from {self.start}"
