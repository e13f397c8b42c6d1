"""Template helpers for figures: numbers in the reader's language and progress bars that need no script."""

from decimal import Decimal

from django import template
from django.utils.formats import number_format

from sahay.figures.progress import Figure

register = template.Library()


@register.filter
def figure(value: Decimal | int | float | None) -> str:
    """11,000 in English and 11.000 in Dutch; whole numbers without decimals; a dash when unknown."""
    if value is None or value == "":
        return "–"
    number = Decimal(str(value))
    decimals = 0 if number == number.to_integral_value() else 2
    return number_format(number, decimal_pos=decimals, use_l10n=True, force_grouping=True)


@register.inclusion_tag("includes/progress_bar.html")
def progress_bar(item: Figure | None) -> dict[str, object]:
    return {"item": item}


@register.simple_tag(takes_context=True)
def query_with(context: template.Context, **changes: object) -> str:
    """The current query string with some parameters changed, for sorting and paging links."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            query.pop(key, None)
        else:
            query[key] = str(value)
    return "?" + query.urlencode() if query else "?"


@register.filter
def get_item(mapping: dict[str, object], key: str) -> object:
    return mapping.get(key)
