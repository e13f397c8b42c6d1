"""Organisations the programme works with or reaches: companies, schools, government bodies, community groups."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sahay.core.models import Country, Organisation


class ExternalOrganisation(models.Model):
    class Kind(models.TextChoices):
        COMPANY = "company", _("company")
        SCHOOL = "school", _("school")
        GOVERNMENT = "government", _("government body")
        COMMUNITY_GROUP = "community_group", _("community group")

    class Sector(models.TextChoices):
        TRAVEL_TOURISM = "travel_tourism", _("travel and tourism")
        HOSPITALITY = "hospitality", _("hotels and hospitality")
        TRAVEL_AGENCY = "travel_agency", _("travel agencies")
        ICT = "ict", _("ICT")
        TELECOM = "telecom", _("internet and phone providers")
        FINANCE = "finance", _("banks and finance")
        MEDIA = "media", _("media")
        OTHER = "other", _("other")

    recorded_by = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices, blank=True)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("country"))

    class Meta:
        ordering = ["country", "name"]
        verbose_name = _("organisation reached")
        verbose_name_plural = _("organisations reached")
        constraints = [
            models.UniqueConstraint(fields=["country", "kind", "name"], name="external_organisation_unique"),
            models.CheckConstraint(condition=Q(kind="company") | Q(sector=""), name="sector_only_for_companies"),
        ]

    def __str__(self) -> str:
        return self.name
