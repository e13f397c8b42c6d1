"""Password validators of Sahay's own (the others are Django's; see AUTH_PASSWORD_VALIDATORS)."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth.password_validation import CommonPasswordValidator
from django.utils.translation import gettext as _

BREACHED_PASSWORDS = Path(__file__).resolve().parent / "data" / "breached-passwords.txt.gz"


class BreachedPasswordValidator(CommonPasswordValidator):
    """Refuse a password found in a public breach (the RockYou lists of SecLists, see data/README.md).

    On top of Django's 20,000 common passwords; no composition rules, as NIST SP 800-63B advises.
    """

    def __init__(self, password_list_path: Path | str = BREACHED_PASSWORDS) -> None:
        super().__init__(password_list_path=password_list_path)

    def get_error_message(self) -> str:
        return _("This password is known from a breach of another website. Choose another.")

    def get_help_text(self) -> str:
        return _("Your password cannot be one known from breaches of other websites.")
