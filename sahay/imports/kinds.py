"""The eight import kinds: their columns, allowed values, examples and the key that makes importing again safe."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import TextChoices
from django.utils import translation
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from sahay.imports.columns import Choice, Column, ColumnType, ImportKind
from sahay.records.models import (
    Activity,
    AggregateReach,
    ExternalOrganisation,
    OffenderDetails,
    PersonRole,
    Service,
    Sex,
    TrackedItem,
)

# The header, or the instanceID a KoboToolbox or ODK Central export carries, that holds a row's external id.
EXTERNAL_ID = "external_id"


def both(text: str | Promise, dutch: str = "") -> tuple[str, str]:
    """English and Dutch of a (lazy) text: the Dutch catalogue's translation, else `dutch`."""
    with translation.override("en"):
        english = capfirst(str(text))
    with translation.override("nl"):
        translated = capfirst(str(text))
    if dutch and translated == english:
        translated = dutch
    return english, translated


def choices_of(options: type[TextChoices] | Iterable[tuple[str, Any]]) -> tuple[Choice, ...]:
    pairs = options.choices if isinstance(options, type) else list(options)
    result = []
    for value, label in pairs:
        english, dutch = both(label)
        result.append(Choice(value=str(value), label_en=english, label_nl=dutch))
    return tuple(result)


def column(
    key: str,
    header: str | Promise,
    column_type: ColumnType,
    *,
    dutch: str = "",
    required: bool = False,
    choices: tuple[Choice, ...] = (),
    example: str = "",
    help_en: str = "",
    help_nl: str = "",
    max_length: int | None = None,
) -> Column:
    header_en, header_nl = both(header, dutch)
    return Column(
        key=key,
        header_en=header_en,
        header_nl=header_nl,
        type=column_type,
        required=required,
        choices=choices,
        example=example,
        help_en=help_en,
        help_nl=help_nl,
        max_length=max_length,
    )


def external_id_column(example: str) -> Column:
    return column(
        EXTERNAL_ID,
        "external id",
        ColumnType.CODE,
        dutch="Extern id",
        required=True,
        example=example,
        max_length=200,
        help_en="Your own id of this row (a session or file number; never a name). Importing the same id again "
        "updates the record.",
        help_nl="Uw eigen id van deze regel (een sessie- of dossiernummer; nooit een naam). Dezelfde id opnieuw "
        "importeren werkt het record bij.",
    )


def person_code_column(*, required: bool, example: str) -> Column:
    return column(
        "person_code",
        "person code",
        ColumnType.CODE,
        dutch="Code van de persoon",
        required=required,
        example=example,
        max_length=40,
        help_en="The code of a person already recorded for the organisation.",
        help_nl="De code van een persoon die al voor de organisatie is vastgelegd.",
    )


def activity_column() -> Column:
    return column(
        "activity_id",
        "activity id",
        ColumnType.CODE,
        dutch="Id van de activiteit",
        required=True,
        example="SESSION-2024-001",
        max_length=200,
        help_en="The external id the activity was imported with.",
        help_nl="De externe id waarmee de activiteit is geïmporteerd.",
    )


OFFENDER_STATUSES = tuple(
    Choice(
        value=status,
        label_en=both(TrackedItem.STATUS_LABELS[status])[0],
        label_nl=both(TrackedItem.STATUS_LABELS[status])[1],
    )
    for status in TrackedItem.PATHS[TrackedItem.Kind.OFFENDER]
)

PEOPLE = ImportKind(
    name="people",
    label_en="People",
    label_nl="Personen",
    key=("code",),
    columns=(
        column(
            "code",
            _("code"),
            ColumnType.CODE,
            required=True,
            example="TH-0001",
            max_length=40,
            help_en="Pseudonymous code, unique in the organisation. Never a name.",
            help_nl="Pseudonieme code, uniek in de organisatie. Nooit een naam.",
        ),
        column("sex", _("sex"), ColumnType.CHOICE, choices=choices_of(Sex), example="female"),
        column("birth_date", _("date of birth"), ColumnType.DATE, example="2012-05-14"),
        column(
            "birth_year_estimated",
            _("estimated year of birth"),
            ColumnType.INTEGER,
            help_en="Only when the date of birth is not known.",
            help_nl="Alleen als de geboortedatum niet bekend is.",
        ),
        column(
            "roles",
            "roles",
            ColumnType.CHOICES,
            dutch="Rollen",
            choices=choices_of(PersonRole.Role),
            example="at_risk_child",
            help_en="One or more, separated by spaces. Roles the person already has are kept.",
            help_nl="Eén of meer, gescheiden door spaties. Rollen die de persoon al heeft blijven.",
        ),
        column(
            "profession",
            _("profession"),
            ColumnType.CHOICE,
            choices=choices_of(PersonRole.Profession),
            help_en="For a professional.",
            help_nl="Voor een professional.",
        ),
        column(
            "roles_from",
            "roles from",
            ColumnType.DATE,
            dutch="Rollen vanaf",
            example="2024-01-15",
            help_en="The date the roles began; needed with roles.",
            help_nl="De datum waarop de rollen begonnen; nodig bij rollen.",
        ),
        column("name", _("name"), ColumnType.TEXT, help_en="Kept encrypted.", help_nl="Versleuteld bewaard."),
        column("contact", _("contact"), ColumnType.TEXT, help_en="Kept encrypted.", help_nl="Versleuteld bewaard."),
        column("address", _("address"), ColumnType.TEXT, help_en="Kept encrypted.", help_nl="Versleuteld bewaard."),
    ),
)

HOUSEHOLDS = ImportKind(
    name="households",
    label_en="Households",
    label_nl="Huishoudens",
    key=("code",),
    columns=(
        column("code", _("code"), ColumnType.CODE, required=True, example="HH-0001", max_length=40),
        column(
            "members",
            _("members"),
            ColumnType.TEXT,
            example="TH-0001 TH-0002",
            help_en="Codes of people of the organisation, separated by spaces. The household's members become these.",
            help_nl="Codes van personen van de organisatie, gescheiden door spaties. Dit worden de leden van het huishouden.",
        ),
        column("address", _("address"), ColumnType.TEXT, help_en="Kept encrypted.", help_nl="Versleuteld bewaard."),
    ),
)

ORGANISATIONS = ImportKind(
    name="organisations",
    label_en="Organisations reached",
    label_nl="Bereikte organisaties",
    key=("name", "kind"),
    columns=(
        column("name", _("name"), ColumnType.TEXT, required=True, example="Sunrise Hotel", max_length=200),
        column(
            "kind",
            _("kind"),
            ColumnType.CHOICE,
            required=True,
            choices=choices_of(ExternalOrganisation.Kind),
            example="company",
        ),
        column(
            "sector",
            _("sector"),
            ColumnType.CHOICE,
            choices=choices_of(ExternalOrganisation.Sector),
            example="hospitality",
            help_en="For companies only, and needed for them.",
            help_nl="Alleen voor bedrijven, en voor hen nodig.",
        ),
    ),
)

ACTIVITIES = ImportKind(
    name="activities",
    label_en="Activities",
    label_nl="Activiteiten",
    key=(EXTERNAL_ID,),
    columns=(
        external_id_column("SESSION-2024-001"),
        column(
            "kind", _("kind"), ColumnType.CHOICE, required=True, choices=choices_of(Activity.Kind), example="training"
        ),
        column("title", _("title"), ColumnType.TEXT, required=True, example="Training for teachers", max_length=200),
        column("date", _("date"), ColumnType.DATE, required=True, example="2024-03-31"),
        column("end_date", _("end date"), ColumnType.DATE),
        column(
            "campaign_kind",
            _("campaign kind"),
            ColumnType.CHOICE,
            choices=choices_of(Activity.CampaignKind),
            help_en="For a campaign only, and needed for it.",
            help_nl="Alleen voor een campagne, en daarvoor nodig.",
        ),
        column(
            "training_topic",
            _("training topic"),
            ColumnType.CHOICE,
            choices=choices_of(Activity.TrainingTopic),
            example="safe_internet",
            help_en="For a training only, and needed for it.",
            help_nl="Alleen voor een training, en daarvoor nodig.",
        ),
    ),
)

PARTICIPATIONS = ImportKind(
    name="participations",
    label_en="Participations",
    label_nl="Deelnames",
    key=("activity_id", "person_code"),
    columns=(
        activity_column(),
        person_code_column(required=True, example="TH-0001"),
        column(
            "attended",
            _("attended"),
            ColumnType.BOOLEAN,
            example="yes",
            help_en="Yes when empty.",
            help_nl="Ja als leeg.",
        ),
        column(
            "completed",
            _("completed"),
            ColumnType.BOOLEAN,
            example="no",
            help_en="No when empty.",
            help_nl="Nee als leeg.",
        ),
    ),
)

SERVICES = ImportKind(
    name="services",
    label_en="Services",
    label_nl="Diensten",
    key=(EXTERNAL_ID,),
    columns=(
        external_id_column("SERVICE-2024-001"),
        column(
            "kind", _("kind"), ColumnType.CHOICE, required=True, choices=choices_of(Service.Kind), example="medical"
        ),
        person_code_column(required=False, example="TH-0001"),
        column(
            "household_code",
            "household code",
            ColumnType.CODE,
            dutch="Code van het huishouden",
            max_length=40,
            help_en="For a service to a household: give a person or a household, not both.",
            help_nl="Voor een dienst aan een huishouden: geef een persoon of een huishouden, niet beide.",
        ),
        column("start", _("from"), ColumnType.DATE, required=True, example="2024-02-01"),
        column(
            "end", _("until"), ColumnType.DATE, help_en="Empty while it goes on.", help_nl="Leeg zolang het doorloopt."
        ),
        column(
            "education_support",
            _("education support"),
            ColumnType.CHOICE,
            choices=choices_of(Service.EducationSupport),
            help_en="For education support only, and needed for it.",
            help_nl="Alleen voor onderwijsondersteuning, en daarvoor nodig.",
        ),
        column("provider", _("provider"), ColumnType.TEXT, example="District clinic", max_length=200),
        column("outcome", _("outcome"), ColumnType.TEXT, help_en="Kept encrypted.", help_nl="Versleuteld bewaard."),
    ),
)

AGGREGATE_REACH = ImportKind(
    name="aggregate-reach",
    label_en="Aggregate reach",
    label_nl="Geschat bereik",
    key=("activity_id", "audience"),
    columns=(
        activity_column(),
        column(
            "audience",
            _("audience"),
            ColumnType.CHOICE,
            required=True,
            choices=choices_of(AggregateReach.Audience),
            example="adults",
        ),
        column("estimate", _("estimated number reached"), ColumnType.INTEGER, required=True, example="5000"),
        column("method", _("how it was estimated"), ColumnType.TEXT, example="Radio listener survey", max_length=200),
    ),
)

OFFENDERS = ImportKind(
    name="offenders",
    label_en="Offender records",
    label_nl="Daderdossiers",
    key=(EXTERNAL_ID,),
    columns=(
        external_id_column("CASE-2024-017"),
        column(
            "title",
            _("title"),
            ColumnType.TEXT,
            required=True,
            example="Report 2024-017",
            max_length=200,
            help_en="A reference, never a name.",
            help_nl="Een verwijzing, nooit een naam.",
        ),
        column(
            "offender_kind",
            "offender kind",
            ColumnType.CHOICE,
            dutch="Soort dader",
            required=True,
            choices=choices_of(OffenderDetails.OffenderKind),
            example="travelling",
        ),
        column(
            "nationality",
            _("nationality (ISO country code)"),
            ColumnType.CODE,
            example="NL",
            max_length=2,
        ),
        column(
            "status",
            _("status"),
            ColumnType.CHOICE,
            choices=OFFENDER_STATUSES,
            example="arrested",
            help_en="The status reached; give its date too.",
            help_nl="De bereikte status; geef ook de datum.",
        ),
        column("status_date", _("reached on"), ColumnType.DATE, example="2024-04-02"),
    ),
)

KINDS: dict[str, ImportKind] = {
    kind.name: kind
    for kind in (PEOPLE, HOUSEHOLDS, ORGANISATIONS, ACTIVITIES, PARTICIPATIONS, SERVICES, AGGREGATE_REACH, OFFENDERS)
}
