"""Who is calling: a personal token (`Authorization: Bearer sahay_…`) or a signed-in, verified browser session."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from sahay.accounts.models import User
from sahay.accounts.second_factor import session_verified
from sahay.api.models import ApiToken
from sahay.api.tokens import token_find

# How often last_used_at is written: every request would make each read a write.
LAST_USED_PRECISION_SECONDS = 60


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Give the token after the word Bearer, with no spaces in it."))
        token = token_find(header[1].decode("ascii", errors="replace"))
        if token is None:
            # One message for unknown, expired and revoked tokens: the answer tells a guesser nothing.
            raise exceptions.AuthenticationFailed(_("This token is not valid: it may have expired or been revoked."))
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > LAST_USED_PRECISION_SECONDS:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.owner, token

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """The pages' session, with its CSRF check, once the second factor is verified (as every page asks)."""

    def authenticate(self, request: Request) -> tuple[User, None] | None:
        found = super().authenticate(request)
        if found is None or not session_verified(found[0]):
            return None
        return found
