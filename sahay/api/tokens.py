"""Making, checking and revoking personal API tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from sahay.accounts.models import User
from sahay.accounts.rights import Right
from sahay.accounts.scope import scope_of
from sahay.api.models import ApiToken
from sahay.audit.models import AuditAction
from sahay.audit.services import audit_record
from sahay.core.models import Country, Organisation

TOKEN_PREFIX = "sahay_"  # noqa: S105 (a marker that tells a Sahay token apart, not a secret)
# Long enough to tell tokens apart in a list, far too short to guess the rest from.
SHOWN_CHARACTERS = 12
LONGEST_LIFE = timedelta(days=366)


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown to the owner once, never stored


def token_countries(user: User) -> QuerySet[Country]:
    """The countries a token of this user may be limited to: those of the user's scope."""
    return scope_of(user).countries().order_by("code")


def token_organisations(user: User) -> QuerySet[Organisation]:
    return (
        scope_of(user)
        .filter(Organisation.objects.filter(is_active=True), organisation_field="pk")
        .order_by("country__code", "name")
    )


def token_create(
    *,
    owner: User,
    name: str,
    access: str,
    expires_on: date,
    countries: Sequence[Country] = (),
    organisations: Sequence[Organisation] = (),
) -> NewToken:
    """A new token for the owner, never wider than the owner's own scope and rights."""
    errors: dict[str, str] = {}
    name = name.strip()
    if not name:
        errors["name"] = _("Give the token a name that says what it is for.")
    elif ApiToken.objects.filter(owner=owner, name=name).exists():
        errors["name"] = _("You already have a token called %(name)s.") % {"name": name}
    today = timezone.localdate()
    if expires_on <= today:
        errors["expires_on"] = _("The expiry date must lie in the future.")
    elif expires_on > today + LONGEST_LIFE:
        errors["expires_on"] = _("A token lives at most a year: choose %(date)s or earlier.") % {
            "date": today + LONGEST_LIFE
        }
    if access not in ApiToken.Access.values:
        errors["access"] = _("Choose read only, or read and write.")
    elif access == ApiToken.Access.READ_WRITE and not owner.has_perm(Right.RECORD_DATA.permission):
        errors["access"] = _("You do not record data, so your tokens can only read.")
    if countries and organisations:
        errors["countries"] = _("Limit the token to countries or to organisations, not both.")
    allowed_countries = set(token_countries(owner).values_list("pk", flat=True))
    if any(country.pk not in allowed_countries for country in countries):
        errors["countries"] = _("A token can only see countries you see.")
    allowed_organisations = set(token_organisations(owner).values_list("pk", flat=True))
    if any(organisation.pk not in allowed_organisations for organisation in organisations):
        errors["organisations"] = _("A token can only see organisations you see.")
    if errors:
        raise ValidationError(errors)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            owner=owner,
            name=name,
            access=access,
            prefix=secret[:SHOWN_CHARACTERS],
            digest=token_digest(secret),
            expires_at=timezone.make_aware(datetime.combine(expires_on, time.max.replace(microsecond=0))),
        )
        token.countries.set(countries)
        token.organisations.set(organisations)
        audit_record(
            action=AuditAction.API_TOKEN_CREATED,
            actor=owner,
            target_kind="api_token",
            target_id=str(token.pk),
            target_label=token.name,
            detail={"access": access, "expires_on": expires_on.isoformat()},
        )
    return NewToken(token, secret)


def token_find(secret: str) -> ApiToken | None:
    """The usable token with this secret, or None (unknown, revoked, expired or of an inactive user)."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    candidate = ApiToken.objects.select_related("owner", "owner__role").filter(prefix=secret[:SHOWN_CHARACTERS]).first()
    # Compared in constant time, so the answer's timing tells nothing about how much of a guess was right.
    if candidate is None or not hmac.compare_digest(candidate.digest, token_digest(secret)):
        return None
    if not candidate.is_usable:
        return None
    return candidate


def tokens_visible(user: User) -> QuerySet[ApiToken]:
    """One's own tokens; an administrator sees everyone's, to revoke them."""
    tokens = ApiToken.objects.select_related("owner").prefetch_related("countries", "organisations")
    if user.has_perm(Right.MANAGE_USERS.permission):
        return tokens
    return tokens.filter(owner=user)


def token_revoke(*, token: ApiToken, revoked_by: User) -> None:
    if token.owner_id != revoked_by.pk and not revoked_by.has_perm(Right.MANAGE_USERS.permission):
        raise PermissionDenied
    if token.revoked_at is not None:
        return
    with transaction.atomic():
        token.revoked_at, token.revoked_by = timezone.now(), revoked_by
        token.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(
            action=AuditAction.API_TOKEN_REVOKED,
            actor=revoked_by,
            target_kind="api_token",
            target_id=str(token.pk),
            target_label=token.name,
            detail={"owner": token.owner.username},
        )


def tokens_end(*, owner: User, because: ApiToken.EndedBecause, actor: User | None) -> int:
    """End every token of the owner at once, saying why: the owner's password, role or scope changed, or the
    account was deactivated. Called where the owner's sessions end (sahay.accounts.services), so no token
    goes on with an old password or with rights of a role that no longer holds (goal 30). Audited per token;
    the owner is told on their next sign-in. Returns how many ended."""
    with transaction.atomic():
        tokens = list(ApiToken.objects.select_for_update().filter(owner=owner, revoked_at__isnull=True))
        at = timezone.now()
        for token in tokens:
            token.revoked_at, token.revoked_by, token.ended_because = at, actor, because
            token.save(update_fields=["revoked_at", "revoked_by", "ended_because"])
            audit_record(
                action=AuditAction.API_TOKEN_REVOKED,
                actor=actor,
                target_kind="api_token",
                target_id=str(token.pk),
                target_label=token.name,
                detail={"owner": owner.username, "because": str(because)},
            )
    return len(tokens)


def token_endings_tell(request: HttpRequest, user: User) -> int:
    """Tell the user, once, on the page they reach after signing in, which of their tokens Sahay ended and why."""
    with transaction.atomic():
        ended = list(
            ApiToken.objects.select_for_update()
            .filter(owner=user, owner_told_at__isnull=True)
            .exclude(ended_because="")
            .order_by("name")
        )
        for token in ended:
            messages.warning(
                request,
                _(
                    "Your API token %(name)s was revoked because %(reason)s. Make a new one on the API tokens "
                    "page if you still need it."
                )
                % {"name": token.name, "reason": token.get_ended_because_display()},
            )
        ApiToken.objects.filter(pk__in=[token.pk for token in ended]).update(owner_told_at=timezone.now())
    return len(ended)
