"""Users hold one role, and a scope that the role says how wide it is."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sahay.accounts.rights import Right
from sahay.core.i18n import pick
from sahay.core.models import Country, Organisation


class ScopeKind(models.TextChoices):
    ALL = "all", _("all countries")
    COUNTRY = "country", _("one country")
    ORGANISATION = "organisation", _("one organisation")


class Role(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_nl = models.CharField(_("name (Dutch)"), max_length=100)
    scope_kind = models.CharField(_("scope"), max_length=20, choices=ScopeKind.choices)
    rights = models.JSONField(_("rights"), default=list)

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return pick(en=self.name_en, nl=self.name_nl)

    def holds(self, right: Right) -> bool:
        return right.value in self.rights


class User(AbstractUser):
    role = models.ForeignKey(Role, on_delete=models.PROTECT, null=True, related_name="users", verbose_name=_("role"))
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("country")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("organisation"),
    )

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # An organisation-scoped user works in that organisation's country; the service keeps both in step.
            models.CheckConstraint(
                condition=Q(organisation__isnull=True) | Q(country__isnull=False), name="user_organisation_has_country"
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class UserSession(models.Model):
    """One signed-in browser of a user, so the user (or an administrator) can see it and end it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="signed_in_sessions", verbose_name=_("user"))
    # The Django session it stands for: ending this row deletes that session from the session store.
    session_key = models.CharField(_("session key"), max_length=40, unique=True)
    created_at = models.DateTimeField(_("signed in at"))
    last_seen_at = models.DateTimeField(_("last seen at"))
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("device"), max_length=300, blank=True)

    class Meta:
        ordering = ["-last_seen_at", "pk"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}"
