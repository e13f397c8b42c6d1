"""Password rules: at least 12 characters, not common, not known from a breach; no composition rules."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import CommonPasswordValidator, validate_password
from django.core.exceptions import ValidationError

from sahay.accounts.validators import BreachedPasswordValidator


def refusals(password: str) -> list[str]:
    try:
        validate_password(password)
    except ValidationError as error:
        return [str(message) for message in error.messages]
    return []


def test_a_password_known_from_a_breach_is_refused_even_when_long_and_not_in_djangos_list() -> None:
    CommonPasswordValidator().validate("2gether4ever")
    assert refusals("2Gether4Ever") == ["This password is known from a breach of another website. Choose another."]


def test_the_breach_list_ships_with_sahay_and_is_large() -> None:
    assert len(BreachedPasswordValidator().passwords) > 50_000


@pytest.mark.parametrize(
    ("password", "refused"),
    [
        ("short pass", True),  # 10 characters
        ("123456789012", True),  # numeric, and common
        ("password1234", True),  # common
        ("lantern river oxygen", False),  # lowercase words only: no composition rules
        ("ploughed-mango-7", False),
    ],
)
def test_length_and_lists_decide_not_composition(password: str, refused: bool) -> None:
    assert bool(refusals(password)) == refused
