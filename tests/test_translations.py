"""The Dutch catalogue is complete and compiled from its current source."""

from pathlib import Path

import polib
import pytest
from django.urls import reverse

CATALOGUE = Path(__file__).resolve().parent.parent / "sahay" / "locale" / "nl" / "LC_MESSAGES"


def test_every_message_has_a_dutch_translation() -> None:
    catalogue = polib.pofile(str(CATALOGUE / "django.po"))
    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []


def test_the_compiled_catalogue_matches_its_source() -> None:
    source = {
        entry.msgid: entry.msgstr for entry in polib.pofile(str(CATALOGUE / "django.po")) if not entry.msgid_plural
    }
    compiled = {
        entry.msgid: entry.msgstr for entry in polib.mofile(str(CATALOGUE / "django.mo")) if not entry.msgid_plural
    }
    assert compiled == source, "Run `make messages` to compile the catalogue"


@pytest.mark.django_db
def test_the_sign_in_page_speaks_dutch_when_asked(client) -> None:
    page = client.get(reverse("login"), headers={"accept-language": "nl"}).content.decode()
    assert "Inloggen" in page and '<html lang="nl">' in page
