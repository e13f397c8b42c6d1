"""The programme as an IATI 2.03 activity file: organisations, countries, sectors, and its results per half-year.

Every number of the results comes from published figures (after disclosure control). A suppressed figure is
left out: machine formats have no "<5" or "x", and an element without its number says nothing wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from lxml import etree

from sahay.core.models import Country, Organisation
from sahay.core.periods import Period
from sahay.figures.engine.rules import CountingRule
from sahay.frameworks.models import Indicator, Programme, Target
from sahay.reports import iati_codes as codes
from sahay.reports.disclosure import SMALL_MAX, SMALL_MIN, PublishedFigures
from sahay.reports.figureset import PROGRAMME, SPLIT_VALUES, CellKey, Window, indicator_facts, split_keys

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# The engine's disaggregation dimensions and the dimension names the file uses for them.
DIMENSION_NAMES = {"sex": "sex", "age_band": "age"}
# administrative/@level is defined by the vocabulary; with ISO country codes (A4) the only level is the country.
COUNTRY_LEVEL = "0"

ACTIVITY_DESCRIPTION = {
    "en": (
        "Results per half-year, from the programme's records. Figures have passed disclosure control: "
        "counts of 1 to 4 about victims, and figures from which such a count could be worked out, are left out."
    ),
    "nl": (
        "Resultaten per halfjaar, uit de registratie van het programma. De cijfers zijn gecontroleerd op "
        "herleidbaarheid: aantallen van 1 tot 4 over slachtoffers, en cijfers waaruit zo'n aantal af te leiden "
        "is, zijn weggelaten."
    ),
}
NO_BASELINE_COMMENT = {
    "en": "Nothing was counted before the programme started.",
    "nl": "Voor de start van het programma werd niets geteld.",
}
LIFE_OF_PROJECT_COMMENT = {
    "en": "Life of project: from the programme start to the end of the last half-year reported.",
    "nl": "Hele programmaperiode: van de start tot het einde van het laatste gerapporteerde halfjaar.",
}
LIFE_OF_PROJECT_UNIQUE_COMMENT = {
    "en": LIFE_OF_PROJECT_COMMENT["en"] + " Each counted once: not the sum of the half-years.",
    "nl": LIFE_OF_PROJECT_COMMENT["nl"] + " Elk één keer geteld: niet de som van de halfjaren.",
}


class IatiSettingsError(Exception):
    """The framework file does not say how the programme is published in IATI (`programme.iati`)."""


@dataclass(frozen=True)
class _Semester:
    period: Period
    figures: PublishedFigures


def iati_activity_file(*, programme: Programme, semesters: list[PublishedFigures], generated_at: datetime) -> bytes:
    """The programme as one IATI activity with its results for the semesters given (any order)."""
    if generated_at.tzinfo is None:
        raise ValueError("generated_at must be timezone-aware")
    settings = programme.iati or {}
    if not settings.get("identifier") or not settings.get("reporting_org"):
        raise IatiSettingsError("The framework file has no programme.iati identifier and reporting_org.")
    identifier: str = settings["identifier"]
    stamp = generated_at.replace(microsecond=0).isoformat()
    countries = list(programme.countries.order_by("code"))
    periods = sorted(
        (_Semester(Period.parse(figures.period_code), figures) for figures in semesters), key=lambda s: s.period
    )

    root = etree.Element("iati-activities", {"version": codes.IATI_STANDARD_VERSION, "generated-datetime": stamp})
    activity = etree.SubElement(root, "iati-activity", {"last-updated-datetime": stamp, XML_LANG: "en"})
    etree.SubElement(activity, "iati-identifier").text = identifier
    reporting = settings["reporting_org"]
    reporting_org = etree.SubElement(activity, "reporting-org", {"ref": reporting["ref"], "type": reporting["type"]})
    _narratives(reporting_org, _names(reporting["name"]))
    _narratives(etree.SubElement(activity, "title"), {"en": programme.name_en, "nl": programme.name_nl})
    description = etree.SubElement(activity, "description", {"type": codes.DESCRIPTION_TYPE_GENERAL})
    _narratives(description, ACTIVITY_DESCRIPTION)
    _participating_orgs(activity, settings.get("participating_orgs", []), countries)
    today = generated_at.date()
    etree.SubElement(activity, "activity-status", {"code": _activity_status(programme, today)})
    _activity_dates(activity, programme, today)
    scope = codes.ACTIVITY_SCOPE_MULTINATIONAL if len(countries) > 1 else codes.ACTIVITY_SCOPE_NATIONAL
    etree.SubElement(activity, "activity-scope", {"code": scope})
    for country, percentage in zip(countries, _equal_percentages(len(countries)), strict=True):
        recipient = etree.SubElement(activity, "recipient-country", {"code": country.code, "percentage": percentage})
        _narratives(recipient, {"en": country.name_en, "nl": country.name_nl})
    for country in countries:
        _location(activity, identifier, country)
    for sector in settings.get("sectors", []):
        etree.SubElement(
            activity,
            "sector",
            {
                "vocabulary": codes.SECTOR_VOCABULARY_DAC,
                "code": str(sector["code"]),
                "percentage": _number(Decimal(str(sector["percentage"]))),
            },
        )
    indicators = programme.indicators.prefetch_related("targets__country", "baselines__country")
    for indicator in indicators:
        _result(activity, indicator, identifier=identifier, programme=programme, countries=countries, periods=periods)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _names(name: Any) -> dict[str, str]:
    """An organisation name from the framework file: {en, nl} or plain text."""
    return {key: str(value) for key, value in name.items()} if isinstance(name, Mapping) else {"en": str(name)}


def _narratives(parent: etree._Element, texts: Mapping[str, str]) -> None:
    """English in the activity's default language, every other language marked with xml:lang."""
    for language, text in texts.items():
        if not text:
            continue
        narrative = etree.SubElement(parent, "narrative", {XML_LANG: language} if language != "en" else {})
        narrative.text = text


def _participating_orgs(
    activity: etree._Element, configured: Iterable[Mapping[str, Any]], countries: list[Country]
) -> None:
    for organisation in configured:
        attributes = {"role": str(organisation["role"])}
        if organisation.get("ref"):
            attributes["ref"] = organisation["ref"]
        if organisation.get("type"):
            attributes["type"] = organisation["type"]
        _narratives(etree.SubElement(activity, "participating-org", attributes), _names(organisation["name"]))
    # Local partners carry out the work. Sahay holds no IATI identifier or organisation type for them, so both
    # are left out (the schema makes them optional) rather than guessed.
    partners = Organisation.objects.filter(kind=Organisation.Kind.PARTNER, country__in=countries).order_by(
        "country__code", "name"
    )
    for partner in partners:
        element = etree.SubElement(activity, "participating-org", {"role": codes.ORGANISATION_ROLE_IMPLEMENTING})
        _narratives(element, {"en": partner.name})


def _activity_status(programme: Programme, today: date) -> str:
    if today < programme.start:
        return codes.ACTIVITY_STATUS_PIPELINE
    if today > programme.end:
        return codes.ACTIVITY_STATUS_FINALISATION
    return codes.ACTIVITY_STATUS_IMPLEMENTATION


def _activity_dates(activity: etree._Element, programme: Programme, today: date) -> None:
    dates = [(codes.ACTIVITY_DATE_START_PLANNED, programme.start)]
    if today >= programme.start:
        dates.append((codes.ACTIVITY_DATE_START_ACTUAL, programme.start))
    dates.append((codes.ACTIVITY_DATE_END_PLANNED, programme.end))
    for date_type, day in dates:
        etree.SubElement(activity, "activity-date", {"type": date_type, "iso-date": day.isoformat()})


def _equal_percentages(count: int) -> list[str]:
    """An equal share per country in hundredths of a percent, the remainder on the first ones: the sum is 100."""
    if count == 0:
        return []
    share, remainder = divmod(10_000, count)
    return [_number(Decimal(share + (index < remainder)) / 100) for index in range(count)]


def location_ref(identifier: str, country_code: str) -> str:
    return f"{identifier}-LOC-{country_code}"


def _location(activity: etree._Element, identifier: str, country: Country) -> None:
    location = etree.SubElement(activity, "location", {"ref": location_ref(identifier, country.code)})
    etree.SubElement(location, "location-reach", {"code": codes.LOCATION_REACH_ACTIVITY})
    _narratives(etree.SubElement(location, "name"), {"en": country.name_en, "nl": country.name_nl})
    etree.SubElement(
        location,
        "administrative",
        {"vocabulary": codes.GEOGRAPHIC_VOCABULARY_ISO_COUNTRY, "level": COUNTRY_LEVEL, "code": country.code},
    )
    etree.SubElement(location, "exactness", {"code": codes.EXACTNESS_APPROXIMATE})
    etree.SubElement(location, "location-class", {"code": codes.LOCATION_CLASS_ADMINISTRATIVE_REGION})
    etree.SubElement(location, "feature-designation", {"code": codes.FEATURE_INDEPENDENT_POLITICAL_ENTITY})


def _result(
    activity: etree._Element,
    indicator: Indicator,
    *,
    identifier: str,
    programme: Programme,
    countries: list[Country],
    periods: list[_Semester],
) -> None:
    facts = indicator_facts(indicator)
    # IATI 2.03 has one place to say figures must not be added up: aggregation-status, on the result and on
    # the indicator. Unique counts (a child in two semesters or countries counts once in the total) and
    # percentages are marked 0; events and items add up and are marked 1.
    aggregation = "1" if facts.additive else "0"
    result = etree.SubElement(activity, "result", {"type": codes.RESULT_TYPE_OUTPUT, "aggregation-status": aggregation})
    _narratives(etree.SubElement(result, "title"), {"en": indicator.name_en, "nl": indicator.name_nl})
    is_percentage = CountingRule.parse(indicator.counting_rule).count == "percentage"
    element = etree.SubElement(
        result,
        "indicator",
        {
            "measure": codes.INDICATOR_MEASURE_PERCENTAGE if is_percentage else codes.INDICATOR_MEASURE_UNIT,
            "ascending": "1" if indicator.direction == Indicator.Direction.INCREASE else "0",
            "aggregation-status": aggregation,
        },
    )
    _narratives(etree.SubElement(element, "title"), {"en": indicator.name_en, "nl": indicator.name_nl})
    _narratives(
        etree.SubElement(element, "description"), {"en": indicator.description_en, "nl": indicator.description_nl}
    )
    etree.SubElement(
        element,
        "reference",
        {"vocabulary": codes.INDICATOR_VOCABULARY_REPORTING_ORGANISATION, "code": indicator.code},
    )
    _baselines(element, indicator, identifier=identifier, programme=programme)
    targets = list(indicator.targets.all())
    places = [PROGRAMME, *(country.code for country in countries)]
    for semester in periods:
        _period(
            element,
            start=semester.period.start,
            end=semester.period.end,
            targets=[target for target in targets if target.period_code == semester.period.code],
            figures=semester.figures,
            window=Window.PERIOD,
            indicator=indicator,
            places=places,
            identifier=identifier,
        )
    if periods:
        # The life-of-project figure is a period of its own: for a unique count it cannot be had by adding the
        # half-years up, and it is what the programme-period targets are measured against.
        last = periods[-1]
        _period(
            element,
            start=programme.start,
            end=last.period.end,
            targets=[target for target in targets if target.period_code == ""],
            figures=last.figures,
            window=Window.CUMULATIVE,
            indicator=indicator,
            places=places,
            identifier=identifier,
            comment=LIFE_OF_PROJECT_COMMENT if facts.additive else LIFE_OF_PROJECT_UNIQUE_COMMENT,
        )


def _baselines(element: etree._Element, indicator: Indicator, *, identifier: str, programme: Programme) -> None:
    baselines = sorted(
        indicator.baselines.all(), key=lambda b: (b.country is not None, b.country.code if b.country else "")
    )
    if not baselines:
        baseline = etree.SubElement(
            element,
            "baseline",
            {"year": str(programme.start.year), "iso-date": programme.start.isoformat(), "value": "0"},
        )
        _narratives(etree.SubElement(baseline, "comment"), NO_BASELINE_COMMENT)
        return
    for recorded in baselines:
        attributes = {"year": str(recorded.year)}
        # A baseline about victims is held to the same small-count rule as the figures.
        if not (indicator.about_victims and SMALL_MIN <= recorded.value <= SMALL_MAX):
            attributes["value"] = _number(recorded.value)
        baseline = etree.SubElement(element, "baseline", attributes)
        if recorded.country is not None:
            etree.SubElement(baseline, "location", {"ref": location_ref(identifier, recorded.country.code)})
        if recorded.comment:
            _narratives(etree.SubElement(baseline, "comment"), {"en": recorded.comment})


def _period(
    element: etree._Element,
    *,
    start: date,
    end: date,
    targets: list[Target],
    figures: PublishedFigures,
    window: Window,
    indicator: Indicator,
    places: list[str],
    identifier: str,
    comment: Mapping[str, str] | None = None,
) -> None:
    """A period's targets, then its actuals: programme, per country, and per sex and age band of each."""
    period = etree.SubElement(element, "period")
    etree.SubElement(period, "period-start", {"iso-date": start.isoformat()})
    etree.SubElement(period, "period-end", {"iso-date": end.isoformat()})
    # The framework sets targets for the programme and per country, never per sex or age band.
    for target in sorted(targets, key=lambda t: (t.country is not None, t.country.code if t.country else "")):
        place = target.country.code if target.country else PROGRAMME
        _value_element(period, "target", target.value, place=place, identifier=identifier)
    for place in places:
        for split in ["", *ALL_SPLIT_KEYS]:
            cell = figures.get(CellKey(indicator.code, place, window, split))
            if cell is None or cell.suppressed or cell.value is None:
                continue  # not counted, or suppressed: a machine format leaves the number out
            _value_element(
                period, "actual", cell.value, place=place, split=split, identifier=identifier, comment=comment
            )


# "unknown" sex and age band are exported too, so that the splits of a figure add up to the whole.
ALL_SPLIT_KEYS = [split for dimension in SPLIT_VALUES for split in split_keys(dimension)]


def _value_element(
    period: etree._Element,
    tag: str,
    value: Decimal,
    *,
    place: str,
    identifier: str,
    split: str = "",
    comment: Mapping[str, str] | None = None,
) -> None:
    element = etree.SubElement(period, tag, {"value": _number(value)})
    if place != PROGRAMME:
        etree.SubElement(element, "location", {"ref": location_ref(identifier, place)})
    if split:
        dimension, split_value = split.split(":", 1)
        etree.SubElement(element, "dimension", {"name": DIMENSION_NAMES[dimension], "value": split_value})
    if comment:
        _narratives(etree.SubElement(element, "comment"), comment)


def _number(value: Decimal) -> str:
    """Whole numbers without decimals, others in plain notation."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")
