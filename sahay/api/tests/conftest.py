"""API clients that call as a user through a personal token, the way another system would."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from sahay.accounts.models import User
from sahay.api.models import ApiToken
from sahay.api.tokens import token_create
from sahay.core.models import Country, Organisation

TokenClient = Callable[..., APIClient]


def client_with_token(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def token_client(db: None) -> TokenClient:
    """`token_client(user, access="read_write", countries=[...], organisations=[...])`: a client with a new token."""
    made = iter(range(1, 100_000))

    def make(
        user: User,
        *,
        access: str = ApiToken.Access.READ_WRITE,
        countries: Sequence[Country] = (),
        organisations: Sequence[Organisation] = (),
    ) -> APIClient:
        if access == ApiToken.Access.READ_WRITE and not user.has_perm("sahay.record_data"):
            access = ApiToken.Access.READ
        new = token_create(
            owner=user,
            name=f"test token {next(made)}",
            access=access,
            expires_on=timezone.localdate() + timedelta(days=30),
            countries=countries,
            organisations=organisations,
        )
        client = client_with_token(new.secret)
        client.token = new.token
        return client

    return make


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> None:
    """Rate-limit counts live in the cache, which outlives a test's database: start every test at zero."""
    from django.core.cache import cache

    cache.clear()
