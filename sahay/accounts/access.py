"""Four eyes on identities (goal 26): an account's effective rights, and the confirmations they wait for.

`effective_rights` is the one place rights are computed (RoleBackend asks it, so every `has_perm` of every
page, API view, import, export and template does): the rights of the account's role, less those of
`NEEDS_CONFIRMATION` that no second person confirmed for the account's present scope. Until then the
account works de-identified with the role's other rights. An administrator alone never gives identities:

- a case supervisor of the account's organisation confirms (or refuses);
- for an organisation without a case supervisor, or an account of no one organisation, another
  administrator does, never the one who asked (the database refuses it too);
- a change of role or scope that asks for more than is confirmed needs a new confirmation; one that asks
  for less narrows the confirmation at once.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from sahay.accounts.models import AccessConfirmation, User
from sahay.accounts.rights import NEEDS_CONFIRMATION, Right
from sahay.accounts.user_audit import audit_user
from sahay.audit.models import AuditAction

CACHE_ATTRIBUTE = "_sahay_effective_rights"
DEMO_SET_UP = "demo set-up"
TEST_SET_UP = "test set-up"
COMMAND_LINE = "command line"
NARROWED = "narrowed"
ADDRESS_CHANGED = "address changed"


def asked_rights(user: User) -> frozenset[str]:
    """The rights of the user's role that need a second person's confirmation."""
    if user.role is None:
        return frozenset()
    return frozenset(user.role.rights) & NEEDS_CONFIRMATION


def confirmed_rights(user: User) -> frozenset[str]:
    """The rights a second person (or a named set-up) confirmed for the user's present organisation and country."""
    latest = (
        AccessConfirmation.objects.filter(user_id=user.pk, state=AccessConfirmation.State.CONFIRMED)
        .order_by("-pk")
        .values_list("rights", "organisation_id", "country_id")
        .first()
    )
    if latest is None:
        return frozenset()
    rights, organisation_id, country_id = latest
    if (organisation_id, country_id) != (user.organisation_id, user.country_id):
        return frozenset()
    return frozenset(rights)


def effective_rights(user: User) -> frozenset[str]:
    """What the user may do now: the role's rights, less the unconfirmed ones that reach identities."""
    if not user.is_active or user.role is None:
        return frozenset()
    role_rights = frozenset(user.role.rights)
    # Kept on the user object for the request; any change of role, rights, scope or activity misses it.
    key = (user.role_id, tuple(user.role.rights), user.organisation_id, user.country_id, user.is_active)
    cached = getattr(user, CACHE_ATTRIBUTE, None)
    if cached is not None and cached[0] == key:
        return frozenset(cached[1])
    waiting = (role_rights & NEEDS_CONFIRMATION) - confirmed_rights(user) if role_rights & NEEDS_CONFIRMATION else set()
    rights = role_rights - waiting
    setattr(user, CACHE_ATTRIBUTE, (key, rights))
    return rights


def waiting_rights(user: User) -> frozenset[str]:
    """The role's rights the user does not hold yet, because nobody confirmed them."""
    return asked_rights(user) - effective_rights(user) if user.is_active else frozenset()


def _forget(user: User) -> None:
    if hasattr(user, CACHE_ATTRIBUTE):
        delattr(user, CACHE_ATTRIBUTE)


def access_follow_role(*, user: User, requested_by: User | None) -> AccessConfirmation | None:
    """After an account is made or its role or scope changes: ask a second person for what is not confirmed.

    Returns the new request, or None when the change asks for nothing new (a narrowing is recorded at once).
    Runs inside the caller's transaction, next to the change it follows.
    """
    _forget(user)
    asked = asked_rights(user)
    held = confirmed_rights(user)
    AccessConfirmation.objects.filter(user=user, state=AccessConfirmation.State.PENDING).update(
        state=AccessConfirmation.State.WITHDRAWN
    )
    if asked <= held:
        if asked != held and user.role is not None:
            _record_confirmed(user=user, rights=asked, set_up=NARROWED, requested_by=requested_by)
        return None
    assert user.role is not None  # noqa: S101 - asked is empty without a role
    return AccessConfirmation.objects.create(
        user=user,
        rights=sorted(asked),
        role=user.role,
        organisation=user.organisation,
        country=user.country,
        requested_by=requested_by,
    )


def access_ask_again(*, user: User, requested_by: User | None) -> AccessConfirmation | None:
    """Withdraw what was confirmed and ask a second person again, for the account's present role and scope.

    When an administrator changes the address of an account nobody has yet signed in to with a second
    factor, the invitation or reset link could go to someone other than the person the second person
    confirmed: the confirmation was for that person, so it ends.
    """
    if user.role is not None and confirmed_rights(user):
        _record_confirmed(user=user, rights=frozenset(), set_up=ADDRESS_CHANGED, requested_by=requested_by)
    return access_follow_role(user=user, requested_by=requested_by)


def _record_confirmed(*, user: User, rights: frozenset[str], set_up: str, requested_by: User | None) -> None:
    assert user.role is not None  # noqa: S101 - only called for users with a role
    now = timezone.now()
    AccessConfirmation.objects.create(
        user=user,
        rights=sorted(rights),
        role=user.role,
        organisation=user.organisation,
        country=user.country,
        state=AccessConfirmation.State.CONFIRMED,
        requested_by=requested_by,
        requested_at=now,
        decided_at=now,
        set_up=set_up,
    )
    _forget(user)


def access_confirm_at_set_up(*, user: User, by: str) -> None:
    """Confirm what the user's role asks, recorded as made by a named set-up, not by a person.

    For accounts made outside the pages, by whoever already holds the server: the demo's (`DEMO_SET_UP`),
    the tests' (`TEST_SET_UP`), the first administrator (`COMMAND_LINE`). Nothing to do when already confirmed.
    """
    asked = asked_rights(user)
    if not asked or asked <= confirmed_rights(user):
        _forget(user)
        return
    with transaction.atomic():
        AccessConfirmation.objects.filter(user=user, state=AccessConfirmation.State.PENDING).update(
            state=AccessConfirmation.State.WITHDRAWN
        )
        _record_confirmed(user=user, rights=asked, set_up=by, requested_by=None)


def _supervisors_of(confirmation: AccessConfirmation) -> set[int]:
    """Active case supervisors (confirmed ones) of the organisation the request is for, but the account itself."""
    if confirmation.organisation_id is None:
        return set()
    candidates = User.objects.filter(is_active=True, organisation_id=confirmation.organisation_id).exclude(
        pk__in=[confirmation.user_id, confirmation.requested_by_id or 0]
    )
    return {
        candidate.pk
        for candidate in candidates.select_related("role")
        if Right.SUPERVISE_CASES.value in effective_rights(candidate)
    }


def decided_by_supervisors(confirmation: AccessConfirmation) -> bool:
    """Whether the organisation's case supervisors answer this request (else administrators do)."""
    return bool(_supervisors_of(confirmation))


def may_decide(*, user: User, confirmation: AccessConfirmation) -> bool:
    """Whether this user is a second person who may confirm or refuse the request."""
    if confirmation.state != AccessConfirmation.State.PENDING or not user.is_active:
        return False
    if user.pk in (confirmation.user_id, confirmation.requested_by_id):
        return False
    supervisors = _supervisors_of(confirmation)
    if supervisors:
        return user.pk in supervisors
    return Right.MANAGE_USERS.value in effective_rights(user)


def confirmations_to_decide(*, user: User) -> list[AccessConfirmation]:
    """The requests waiting for this user's answer, the oldest first."""
    pending = (
        AccessConfirmation.objects.filter(state=AccessConfirmation.State.PENDING)
        .select_related("user", "role", "organisation", "country", "requested_by")
        .order_by("requested_at", "pk")
    )
    return [confirmation for confirmation in pending if may_decide(user=user, confirmation=confirmation)]


def access_decide(
    *, confirmation_id: int, decided_by: User, confirm: bool, request: HttpRequest | None = None
) -> AccessConfirmation:
    """Confirm (the account's rights over identities start now) or refuse (it stays de-identified), audited.

    A request this user may not answer is as missing as one that never was (PermissionDenied either way).
    """
    from sahay.api.models import ApiToken
    from sahay.api.tokens import tokens_end

    with transaction.atomic():
        confirmation = (
            AccessConfirmation.objects.select_for_update(of=("self",))
            .select_related("user", "user__role", "organisation")
            .filter(pk=confirmation_id)
            .first()
        )
        if confirmation is None or not may_decide(user=decided_by, confirmation=confirmation):
            raise PermissionDenied(_("This request is not yours to answer, or it was answered already."))
        confirmation.state = AccessConfirmation.State.CONFIRMED if confirm else AccessConfirmation.State.REFUSED
        confirmation.decided_by, confirmation.decided_at = decided_by, timezone.now()
        confirmation.save(update_fields=["state", "decided_by", "decided_at"])
        audit_user(
            AuditAction.PERMISSION_CHANGED,
            confirmation.user,
            actor=decided_by,
            request=request,
            detail={"identity_access": str(confirmation.state), "rights": confirmation.rights},
            organisation=confirmation.organisation,
        )
        if confirm:
            # No token made before carries the wider rights: the owner makes a new one.
            tokens_end(owner=confirmation.user, because=ApiToken.EndedBecause.ACCESS, actor=decided_by)
        _forget(confirmation.user)
    return confirmation
