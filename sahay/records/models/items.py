"""Items that move along a status path, keeping the date each status was reached.

Curricula, policy strategies, company cooperations and offender records. Offender details are closed
data, kept apart so that figures can count the records without reading them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sahay.core.models import Country, Organisation
from sahay.records.models.organisations import ExternalOrganisation
from sahay.records.models.people import opaque_id


class TrackedItem(models.Model):
    class Kind(models.TextChoices):
        CURRICULUM = "curriculum", _("safe-internet curriculum")
        POLICY_STRATEGY = "policy_strategy", _("policy strategy")
        COOPERATION = "cooperation", _("company cooperation")
        OFFENDER = "offender", _("offender record")

    # Each kind's statuses in path order. A later status implies the earlier ones were reached
    # (an offender first recorded as charged has been arrested). Branches are listed together.
    PATHS: dict[str, list[str]] = {
        Kind.CURRICULUM: ["in_development", "completed", "adopted"],
        Kind.POLICY_STRATEGY: ["drafted", "developed", "adopted"],
        Kind.COOPERATION: ["contacted", "in_dialogue", "committed", "active", "ended"],
        Kind.OFFENDER: ["reported", "traced", "arrested", "charged", "convicted", "acquitted"],
    }
    # Statuses that share a step on the path (the verdict is one or the other).
    SAME_STEP = {"acquitted": "convicted"}
    STATUS_LABELS = {
        "in_development": _("in development"),
        "completed": _("completed"),
        "adopted": _("adopted"),
        "drafted": _("drafted"),
        "developed": _("developed"),
        "contacted": _("contacted"),
        "in_dialogue": _("in dialogue"),
        "committed": _("committed"),
        "active": _("active"),
        "ended": _("ended"),
        "reported": _("reported"),
        "traced": _("traced"),
        "arrested": _("arrested"),
        "charged": _("charged"),
        "convicted": _("convicted"),
        "acquitted": _("acquitted"),
    }

    public_id = models.CharField(max_length=32, unique=True, default=opaque_id, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("country"))
    title = models.CharField(_("title"), max_length=200)
    company = models.ForeignKey(
        ExternalOrganisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cooperations",
        verbose_name=_("company"),
    )

    class Meta:
        ordering = ["kind", "title"]
        verbose_name = _("tracked item")

    def __str__(self) -> str:
        return self.title

    @classmethod
    def statuses_from(cls, kind: str, status: str) -> list[str]:
        """The status and every later one on the kind's path: reaching any of them means reaching it.

        Alternatives on the same step are not later: an acquittal is not a conviction.
        """
        path = cls.PATHS[kind]

        def step(name: str) -> int:
            return path.index(cls.SAME_STEP.get(name, name))

        return [status] + [later for later in path if step(later) > step(status)]


class TrackedItemStatus(models.Model):
    item = models.ForeignKey(TrackedItem, on_delete=models.CASCADE, related_name="statuses")
    status = models.CharField(_("status"), max_length=20)
    reached_on = models.DateField(_("reached on"))

    class Meta:
        ordering = ["item", "reached_on"]
        constraints = [models.UniqueConstraint(fields=["item", "status"], name="status_reached_once")]

    def __str__(self) -> str:
        return f"{self.status} on {self.reached_on}"

    @property
    def label(self) -> str:
        return str(TrackedItem.STATUS_LABELS.get(self.status, self.status))


class OffenderDetails(models.Model):
    """Closed data: only users of the recording organisation with the legal right may read it."""

    class OffenderKind(models.TextChoices):
        TRAVELLING = "travelling", _("travelling offender")
        EXPATRIATE = "expatriate", _("expatriate")
        LOCAL = "local", _("local")
        ONLINE = "online", _("online")

    item = models.OneToOneField(TrackedItem, on_delete=models.CASCADE, related_name="offender")
    nationality = models.CharField(_("nationality (ISO country code)"), max_length=2, blank=True)
    offender_kind = models.CharField(max_length=20, choices=OffenderKind.choices)

    def __str__(self) -> str:
        return f"offender details {self.item_id}"
