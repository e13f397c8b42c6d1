"""Names kept in both languages on a record, read in the language of the request."""

from django.utils.translation import get_language


def pick(*, en: str, nl: str) -> str:
    """The Dutch text for a Dutch request when there is one, the English text otherwise."""
    language = (get_language() or "en").split("-")[0]
    if language == "nl" and nl:
        return nl
    return en
