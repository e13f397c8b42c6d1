"""The audit trail: one append-only row per act, chained by keyed hashes so that a change shows.

Rows are written only by `sahay.audit.services.audit_record`. The model refuses updates and deletes,
and so does the database (triggers installed by `sahay.audit.guard`).
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models
from django.utils.translation import gettext_lazy as _

from sahay.core.encryption import EncryptedTextField


class AuditAction(models.TextChoices):
    CASE_VIEWED = "case_viewed", _("case viewed")
    CASE_CREATED = "case_created", _("case created")
    CASE_CHANGED = "case_changed", _("case changed")
    CASE_CLOSED = "case_closed", _("case closed")
    CASE_REOPENED = "case_reopened", _("case reopened")
    CASE_REASSIGNED = "case_reassigned", _("case reassigned")
    CONSENT_RECORDED = "consent_recorded", _("consent recorded")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("consent withdrawn")
    REFERRAL_MADE = "referral_made", _("referral made")
    REFERRAL_ANSWERED = "referral_answered", _("referral answered")
    CONSENT_OVERRIDE = "consent_override", _("referral without consent (override)")
    BREAK_GLASS = "break_glass", _("emergency access (break the glass)")
    LEGAL_VIEWED = "legal_viewed", _("legal details viewed")
    LEGAL_CHANGED = "legal_changed", _("legal details changed")
    OFFENDER_VIEWED = "offender_viewed", _("offender viewed")
    OFFENDER_CHANGED = "offender_changed", _("offender changed")
    ATTACHMENT_ADDED = "attachment_added", _("attachment added")
    ATTACHMENT_DOWNLOADED = "attachment_downloaded", _("attachment downloaded")
    EXPORT = "export", _("export")
    LOGIN = "login", _("signed in")
    LOGIN_FAILED = "login_failed", _("failed sign-in")
    LOGOUT = "logout", _("signed out")
    USER_CREATED = "user_created", _("user created")
    USER_CHANGED = "user_changed", _("user changed")
    PERMISSION_CHANGED = "permission_changed", _("role or scope changed")
    ACCESS_DENIED = "access_denied", _("access denied")
    IDENTITY_ERASED = "identity_erased", _("identity erased")
    PERIOD_SUBMITTED = "period_submitted", _("period submitted")
    PERIOD_RETURNED = "period_returned", _("period returned")
    PERIOD_APPROVED = "period_approved", _("period approved")
    PERIOD_CORRECTED = "period_corrected", _("approved period corrected")
    REPORT_APPROVED = "report_approved", _("report approved")
    PERSON_MERGED = "person_merged", _("people merged")
    PERSON_MERGE_UNDONE = "person_merge_undone", _("merge of people undone")
    API_TOKEN_CREATED = "api_token_created", _("API token created")
    API_TOKEN_REVOKED = "api_token_revoked", _("API token revoked")
    PEOPLE_VIEWED = "people_viewed", _("people viewed (with identities)")
    CASE_REQUESTED = "case_requested", _("case on a registered child requested")


class AuditAppendOnlyError(RuntimeError):
    """Raised when code tries to change or remove an audit entry."""

    def __init__(self) -> None:
        super().__init__("The audit trail is append-only: entries cannot be changed or deleted.")


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AuditAppendOnlyError

    def delete(self) -> NoReturn:
        raise AuditAppendOnlyError


class AuditEntry(models.Model):
    position = models.PositiveBigIntegerField(_("position"), unique=True)
    at = models.DateTimeField(_("when (UTC)"))
    actor = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("who")
    )
    # The user name at the time, kept even if the account is renamed later.
    actor_name = models.CharField(_("user name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=40, choices=AuditAction.choices)
    target_kind = models.CharField(_("target kind"), max_length=30, blank=True)
    # An opaque public id or primary key and a pseudonymous code: never a person's name.
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    target_label = models.CharField(_("target code"), max_length=60, blank=True)
    # The organisation that owns the target, whose case supervisors read the entry.
    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    # Typed reasons (break the glass, consent override) may hold sensitive words.
    reason = EncryptedTextField(_("reason"), blank=True)
    # Non-identifying facts only, such as the names of changed fields, never their values.
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    previous_hash = models.CharField(_("previous hash"), max_length=64)
    # The id of the audit key (SAHAY_AUDIT_KEYS) the hash was made with; the key itself is never stored here.
    key_id = models.CharField(_("audit key id"), max_length=16, blank=True, default="")
    entry_hash = models.CharField(_("hash"), max_length=64)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["position"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["organisation", "position"], name="audit_organisation_position"),
            models.Index(fields=["target_label"], name="audit_target_label"),
            models.Index(fields=["at"], name="audit_at"),
        ]

    def __str__(self) -> str:
        return f"{self.position} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditAppendOnlyError
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditAppendOnlyError

    @property
    def detail_items(self) -> list[tuple[str, str]]:
        """The detail as (fact, value) pairs for reading, lists written out."""
        items = self.detail.items() if isinstance(self.detail, dict) else []
        return [
            (str(key), ", ".join(map(str, value)) if isinstance(value, list) else str(value))
            for key, value in sorted(items)
        ]
