"""Users hold one role, and a scope that the role says how wide it is."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
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


class AccessConfirmation(models.Model):
    """A second person's answer to an account's rights over identities (goal 26: four eyes on identities).

    Made when an administrator creates an account or changes its role or scope so that it asks for rights
    of `NEEDS_CONFIRMATION` it does not hold yet; answered by a case supervisor of the account's organisation,
    or (an organisation without one, or an account of no one organisation) by another administrator. The
    demo's and the tests' accounts, and the first administrator, are confirmed by a named set-up instead.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("waiting for confirmation")
        CONFIRMED = "confirmed", _("confirmed")
        REFUSED = "refused", _("refused")
        WITHDRAWN = "withdrawn", _("no longer asked")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="access_confirmations", verbose_name=_("account")
    )
    rights = models.JSONField(_("rights"), default=list)
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="+", verbose_name=_("role"))
    # The scope the rights are for: a confirmation counts only while the account keeps this scope.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("organisation")
    )
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("country")
    )
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("asked by")
    )
    requested_at = models.DateTimeField(_("asked at"), default=timezone.now)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("answered by")
    )
    decided_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    # A confirmation no person made: "demo set-up", "test set-up", "command line", "upgrade", or "narrowed"
    # (a change that only takes rights away needs no second person).
    set_up = models.CharField(_("confirmed by set-up"), max_length=40, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("access confirmation")
        verbose_name_plural = _("access confirmations")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(state="pending"), name="access_confirmation_one_pending_per_user"
            ),
            # Four eyes, kept by the database too: nobody answers for their own account or their own request.
            models.CheckConstraint(
                condition=~Q(decided_by=F("user")) & ~Q(decided_by=F("requested_by")),
                name="access_confirmation_second_person",
            ),
            models.CheckConstraint(
                condition=~Q(state="confirmed") | Q(decided_by__isnull=False) | ~Q(set_up=""),
                name="access_confirmation_confirmed_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.state}"
