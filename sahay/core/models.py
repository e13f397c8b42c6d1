"""Countries, their provinces and districts, and the organisations that do the work."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from sahay.core.i18n import pick


class Country(models.Model):
    code = models.CharField(_("ISO 3166 code"), max_length=2, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_nl = models.CharField(_("name (Dutch)"), max_length=100)
    is_programme_country = models.BooleanField(_("programme country"), default=True)

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        constraints = [models.CheckConstraint(condition=models.Q(code__regex=r"^[A-Z]{2}$"), name="country_iso_code")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return pick(en=self.name_en, nl=self.name_nl)


class AdministrativeArea(models.Model):
    """A province or district, entered by the organisations that work there."""

    class Kind(models.TextChoices):
        PROVINCE = "province", _("province")
        DISTRICT = "district", _("district")

    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="areas", verbose_name=_("country"))
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("province")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        ordering = ["country__name_en", "name"]
        verbose_name = _("province or district")
        verbose_name_plural = _("provinces and districts")
        constraints = [models.UniqueConstraint(fields=["country", "parent", "name"], name="area_unique_name")]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """Head office, country offices and local partner organisations, each in one country."""

    class Kind(models.TextChoices):
        HEAD_OFFICE = "head_office", _("head office")
        COUNTRY_OFFICE = "country_office", _("country office")
        PARTNER = "partner", _("local partner organisation")

    # Which kind of organisation may sit directly under which.
    ALLOWED_PARENTS: dict[str, set[str | None]] = {
        Kind.HEAD_OFFICE: {None},
        Kind.COUNTRY_OFFICE: {Kind.HEAD_OFFICE},
        Kind.PARTNER: {Kind.COUNTRY_OFFICE, Kind.HEAD_OFFICE},
    }

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="organisations", verbose_name=_("country")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("part of"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["country__name_en", "name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        parent_kind = self.parent.kind if self.parent else None
        if parent_kind not in self.ALLOWED_PARENTS[self.Kind(self.kind)]:
            raise ValidationError(
                {"parent": _("A %(kind)s cannot be part of this organisation.") % {"kind": self.get_kind_display()}}
            )
        if (
            self.kind == self.Kind.PARTNER
            and self.parent
            and self.parent.kind == self.Kind.COUNTRY_OFFICE
            and self.parent.country_id != self.country_id
        ):
            raise ValidationError({"parent": _("A partner belongs to the country office of its own country.")})


class DemoDataset(models.Model):
    """Marks an installation whose data is synthetic, so every page can say so."""

    seed = models.IntegerField()
    version = models.PositiveIntegerField()
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("synthetic demo data set")

    def __str__(self) -> str:
        return f"synthetic demo data v{self.version} (seed {self.seed})"
