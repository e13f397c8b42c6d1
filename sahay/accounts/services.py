"""Writes to user accounts. Nobody changes their own role, scope, organisation or active flag.

Every write is recorded in the audit trail in its own transaction; a change of role, scope or active
flag is recorded a second time as a change of permissions, so it can be found on its own. Nobody sets or
sees another account's password: a new account is invited by email, and an administrator sends a reset
link. Rights over identities wait for a second person's confirmation (sahay.accounts.access).
"""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from sahay.accounts.access import access_ask_again, access_follow_role
from sahay.accounts.invitations import invitation_send, reset_link_send
from sahay.accounts.models import AccessConfirmation, Role, ScopeKind, User
from sahay.accounts.rights import Right
from sahay.accounts.sessions import sessions_end
from sahay.accounts.user_audit import audit_user
from sahay.api.models import ApiToken
from sahay.api.tokens import tokens_end
from sahay.audit.models import AuditAction
from sahay.core.models import Country, Organisation

PROTECTED_FIELDS = ("role", "country", "organisation", "is_active", "is_staff", "is_superuser")
# Fields whose change changes what the user may do or see.
PERMISSION_FIELDS = ("role", "country", "organisation", "is_active")
EDITABLE_FIELDS = ("first_name", "last_name", "email", "role", "country", "organisation")


def _signed_in_access_end(*, user: User, because: ApiToken.EndedBecause, actor: User | None) -> None:
    """End at once everything that lets the user in without signing in again: every session and API token.

    After a new password, a change of role or scope, or deactivation, nothing goes on with the old password
    or the old rights (goal 30); the user is told about the tokens on their next sign-in.
    """
    sessions_end(user)
    tokens_end(owner=user, because=because, actor=actor)


def _require_manager(actor: User) -> None:
    if not actor.has_perm(Right.MANAGE_USERS.permission):
        raise PermissionDenied


def _scope_fields(
    *, role: Role, country: Country | None, organisation: Organisation | None
) -> tuple[Country | None, Organisation | None]:
    """The country and organisation a user of this role keeps; anything the role does not use is dropped."""
    kind = ScopeKind(role.scope_kind)
    if kind == ScopeKind.ALL:
        return None, None
    if kind == ScopeKind.COUNTRY:
        if country is None:
            raise ValidationError({"country": _("A %(role)s works in one country: choose it.") % {"role": role.name}})
        return country, None
    if organisation is None:
        raise ValidationError(
            {"organisation": _("A %(role)s works for one organisation: choose it.") % {"role": role.name}}
        )
    return organisation.country, organisation


def _identity_access_detail(asked: AccessConfirmation | None) -> dict[str, object]:
    """What the audit entry of a change says about the rights it left waiting for a second person."""
    return {} if asked is None else {"identity_access": "asked", "rights": asked.rights}


def user_create(
    *,
    actor: User,
    username: str,
    role: Role,
    email: str,
    first_name: str = "",
    last_name: str = "",
    country: Country | None = None,
    organisation: Organisation | None = None,
    request: HttpRequest | None = None,
) -> User:
    """Make an account and email its one-time invitation. The administrator never chooses its password, and
    its rights over identities wait for a second person (sahay.accounts.access)."""
    _require_manager(actor)
    country, organisation = _scope_fields(role=role, country=country, organisation=organisation)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This user name is taken.")})
    if not email:
        raise ValidationError({"email": _("The invitation to choose a password goes to this address: give it.")})
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        role=role,
        country=country,
        organisation=organisation,
    )
    user.set_unusable_password()
    with transaction.atomic():
        user.full_clean(exclude=["password"])
        user.save()
        asked = access_follow_role(user=user, requested_by=actor)
        audit_user(
            AuditAction.USER_CREATED,
            user,
            actor=actor,
            request=request,
            detail={"role": role.code, "invitation": "sent", **_identity_access_detail(asked)},
            organisation=organisation,
        )
        invitation_send(user=user, request=request)
    return user


def _audit_user_change(
    *,
    actor: User,
    user: User,
    changed: list[str],
    previous: Organisation | None,
    asked: AccessConfirmation | None = None,
) -> None:
    """The change of a user, and (as well) the change of their permissions when one of those fields moved."""
    organisation = user.organisation or previous
    audit_user(AuditAction.USER_CHANGED, user, actor=actor, detail={"fields": changed}, organisation=organisation)
    permission_changes = [field for field in changed if field in PERMISSION_FIELDS]
    if permission_changes:
        audit_user(
            AuditAction.PERMISSION_CHANGED,
            user,
            actor=actor,
            detail={"fields": permission_changes, **_identity_access_detail(asked)},
            organisation=organisation,
        )


def user_update(
    *,
    actor: User,
    user: User,
    role: Role,
    first_name: str,
    last_name: str,
    email: str,
    country: Country | None,
    organisation: Organisation | None,
) -> User:
    _require_manager(actor)
    country, organisation = _scope_fields(role=role, country=country, organisation=organisation)
    if actor.pk == user.pk and (
        role.pk != user.role_id
        or (country.pk if country else None) != user.country_id
        or (organisation.pk if organisation else None) != user.organisation_id
    ):
        raise PermissionDenied(_("You cannot change your own role, country or organisation."))
    before = {field: getattr(user, field) for field in EDITABLE_FIELDS}
    previous_organisation = user.organisation
    user.first_name, user.last_name, user.email = first_name, last_name, email
    user.role, user.country, user.organisation = role, country, organisation
    changed = [field for field in EDITABLE_FIELDS if getattr(user, field) != before[field]]
    with transaction.atomic():
        user.full_clean(exclude=["password"])
        user.save()
        asked = None
        if "email" in changed and not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            # Nobody has signed in to it with a second factor yet: the next link would go to the new address,
            # perhaps to someone else than the person confirmed, so a second person confirms again.
            asked = access_ask_again(user=user, requested_by=actor)
        elif any(field in PERMISSION_FIELDS for field in changed):
            # Rights over identities the new role or scope asks for wait for a second person.
            asked = access_follow_role(user=user, requested_by=actor)
        _audit_user_change(actor=actor, user=user, changed=changed, previous=previous_organisation, asked=asked)
        if any(field in PERMISSION_FIELDS for field in changed):
            # What the user may see changed: every open session and token ends, so none goes on with the old rights.
            _signed_in_access_end(user=user, because=ApiToken.EndedBecause.ROLE, actor=actor)
    return user


def user_set_active(*, actor: User, user: User, active: bool) -> User:
    _require_manager(actor)
    if actor.pk == user.pk:
        raise PermissionDenied(_("You cannot deactivate yourself."))
    if user.is_active == active:
        return user
    user.is_active = active
    with transaction.atomic():
        user.save(update_fields=["is_active"])
        _audit_user_change(actor=actor, user=user, changed=["is_active"], previous=user.organisation)
        if not active:
            _signed_in_access_end(user=user, because=ApiToken.EndedBecause.DEACTIVATED, actor=actor)
    return user


def password_link_send(*, actor: User, user: User, request: HttpRequest | None = None) -> str:
    """An administrator sends the user a link to choose a password themselves: a reset link, or a new
    invitation when the account's first one was never used. Returns which ("reset" or "invitation")."""
    _require_manager(actor)
    if actor.pk == user.pk:
        raise PermissionDenied(_("For your own password, use “Forgot your password?” on the sign-in page."))
    if not user.is_active:
        raise PermissionDenied(_("%(username)s is deactivated: reactivate the account first.") % {"username": user})
    if not user.email:
        raise ValidationError(_("%(username)s has no email address: add one first.") % {"username": user.username})
    kind = "reset" if user.has_usable_password() else "invitation"
    with transaction.atomic():
        audit_user(
            AuditAction.USER_CHANGED,
            user,
            actor=actor,
            request=request,
            detail={"password_link": "sent"} if kind == "reset" else {"invitation": "sent"},
        )
        if kind == "reset":
            reset_link_send(user=user, request=request)
        else:
            invitation_send(user=user, request=request)
    return kind


def password_set(
    *,
    user: User,
    password: str,
    actor: User | None = None,
    request: HttpRequest | None = None,
    by: str = "emailed link",
) -> User:
    """The user chooses their password through an emailed link (a reset link, or the invitation: `by`).

    Nobody sets another account's password (`actor`, when given, must be the user). Every session and API
    token of the user ends; the second factor stays as it is, so a reset never lets anyone past it.
    """
    if actor is not None and actor.pk != user.pk:
        raise PermissionDenied(_("Nobody sets another account's password: send them a reset link."))
    validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_user(
            AuditAction.USER_CHANGED, user, actor=user, request=request, detail={"fields": ["password"], "by": by}
        )
        _signed_in_access_end(user=user, because=ApiToken.EndedBecause.PASSWORD, actor=None)
    return user
