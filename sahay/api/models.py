"""Personal API tokens and the answers kept for idempotent retries.

A token's secret is shown once, when it is made; only its SHA-256 digest is stored. A token is random
(256 bits), so a plain digest cannot be reversed or guessed, and looking it up needs no slow hash.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sahay.accounts.models import User
from sahay.core.models import Country, Organisation


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now(), owner__is_active=True)


class ApiToken(models.Model):
    class Access(models.TextChoices):
        READ = "read", _("read only")
        READ_WRITE = "read_write", _("read and write")

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("owner"))
    name = models.CharField(_("name"), max_length=80, help_text=_("What the token is for, such as “DHIS2 sync”."))
    # The first characters of the token, shown in lists so an owner can tell tokens apart; not secret.
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    access = models.CharField(_("access"), max_length=12, choices=Access.choices, default=Access.READ)
    # Empty lists mean the owner's whole scope; otherwise the token sees only these countries or organisations.
    countries = models.ManyToManyField(Country, blank=True, related_name="+", verbose_name=_("countries"))
    organisations = models.ManyToManyField(Organisation, blank=True, related_name="+", verbose_name=_("organisations"))
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class EndedBecause(models.TextChoices):
        """Why Sahay revoked the token itself (empty when its owner or an administrator revoked it by hand)."""

        PASSWORD = "password", _("your password changed")
        ROLE = "role", _("your role or scope changed")
        DEACTIVATED = "deactivated", _("your account was deactivated")
        ACCESS = "access", _("your access to identities changed")

    ended_because = models.CharField(_("ended because"), max_length=20, choices=EndedBecause.choices, blank=True)
    # When the owner was told, on their next sign-in (sahay.api.tokens.token_endings_tell).
    owner_told_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="api_token_name_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def writes(self) -> bool:
        return self.access == self.Access.READ_WRITE

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now() and self.owner.is_active


class IdempotentRequest(models.Model):
    """A write made with an `Idempotency-Key`: a retry with the same key gets this answer again."""

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # What was asked (method, path and body digest): the same key for another request is refused.
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="idempotency_key_unique")]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.owner_id}:{self.key}"
