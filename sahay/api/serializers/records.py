"""What the records endpoints read and write: codes and facts, never a name, contact, address or outcome.

Identity fields are write-only. Every reference to another record is looked up within what the caller sees
(and, for an organisation to write for, within where the caller records), so a reference into another
scope reads as "does not exist". The services do the saving and their own checks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS

from sahay.accounts.models import User
from sahay.api.limits import TokenLimit
from sahay.core.models import AdministrativeArea, Organisation
from sahay.records.models import (
    Activity,
    AggregateReach,
    ExternalOrganisation,
    Household,
    Participation,
    Person,
    PersonRole,
    Service,
    Sex,
)
from sahay.records.selectors import (
    activity_list,
    birth_year_of,
    external_organisation_list,
    household_list,
    person_list,
    sees_identity,
)
from sahay.records.services import (
    RoleSpec,
    activity_save,
    external_organisation_save,
    household_save,
    person_save,
    service_save,
)

M = TypeVar("M", bound=Model)

IDENTITY_MAX_LENGTH = 500
TEXT_MAX_LENGTH = 4000
MAX_RELATED = 500
PUBLIC_ID_PATTERN = r"[A-Za-z0-9_-]+"
MAX_ID = 2**63 - 1


class Caller(Protocol):
    """The view a serializer works for (an ApiViewSet): who calls and where they may look and write."""

    @property
    def user(self) -> User: ...

    @property
    def limit(self) -> TokenLimit: ...

    def writable_organisations(self) -> QuerySet[Organisation]: ...


def caller_of(serializer: serializers.Field[Any, Any, Any, Any]) -> Caller:
    caller: Caller = serializer.context["view"]
    return caller


# Where references may point, each as the caller sees it (the page's selector narrowed by the token).


def writable_organisations(caller: Caller) -> QuerySet[Organisation]:
    return caller.writable_organisations()


def areas_in_reach(caller: Caller) -> QuerySet[AdministrativeArea]:
    return AdministrativeArea.objects.filter(country__in=caller.writable_organisations().values("country"))


def visible_people(caller: Caller) -> QuerySet[Person]:
    return caller.limit.filter(person_list(user=caller.user))


def visible_households(caller: Caller) -> QuerySet[Household]:
    return caller.limit.filter(household_list(user=caller.user))


def visible_activities(caller: Caller) -> QuerySet[Activity]:
    return caller.limit.filter(activity_list(user=caller.user))


def writable_activities(caller: Caller) -> QuerySet[Activity]:
    return visible_activities(caller).filter(organisation__in=caller.writable_organisations())


def visible_external_organisations(caller: Caller) -> QuerySet[ExternalOrganisation]:
    return caller.limit.filter(
        external_organisation_list(user=caller.user), country_field="country", organisation_field="recorded_by"
    )


def reachable_external_organisations(caller: Caller) -> QuerySet[ExternalOrganisation]:
    """As on the activity page: the organisations reached in the countries the caller records in."""
    return external_organisation_list(user=caller.user).filter(
        country__in=caller.writable_organisations().values("country")
    )


class TooMany(serializers.ManyRelatedField):
    """A list of references of bounded length, so one request cannot make thousands of look-ups."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, list) and len(data) > MAX_RELATED:
            raise serializers.ValidationError(_("Give at most %(count)s.") % {"count": MAX_RELATED})
        return super().to_internal_value(data)


def bounded_many(child: serializers.RelatedField[Any, Any, Any], kwargs: dict[str, Any]) -> TooMany:
    """What RelatedField.many_init makes, bounded."""
    list_kwargs = {key: value for key, value in kwargs.items() if key in MANY_RELATION_KWARGS}
    return TooMany(child_relation=child, **list_kwargs)


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField[Any]):
    """A reference by id to a record the caller may use; the queryset given only names the model."""

    def __init__(self, *, scope: Callable[[Caller], QuerySet[Any]], **kwargs: Any) -> None:
        self.scope = scope
        super().__init__(**kwargs)

    @classmethod
    def many_init(cls, *args: Any, **kwargs: Any) -> TooMany:
        return bounded_many(cls(*args, **kwargs), kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        return self.scope(caller_of(self))

    def to_internal_value(self, data: Any) -> Any:
        # A number the database cannot hold would fail in the query rather than read as "does not exist".
        if isinstance(data, int) and not isinstance(data, bool) and not 0 < data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        if isinstance(data, str) and (not data.isdigit() or int(data) > MAX_ID):
            self.fail("incorrect_type", data_type="string")
        return super().to_internal_value(data)


class ScopedPublicIdField(serializers.SlugRelatedField[Any]):
    """A reference by opaque id to a record the caller may use."""

    default_error_messages = {
        "does_not_exist": _("No record with this id."),
        "invalid": _("Give an id."),
    }

    def __init__(self, *, scope: Callable[[Caller], QuerySet[Any]], **kwargs: Any) -> None:
        self.scope = scope
        super().__init__(slug_field="public_id", **kwargs)

    @classmethod
    def many_init(cls, *args: Any, **kwargs: Any) -> TooMany:
        return bounded_many(cls(*args, **kwargs), kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        return self.scope(caller_of(self))

    def to_internal_value(self, data: Any) -> Any:
        # An opaque id is short and plain: anything else is no id at all (and never reaches the database).
        if not isinstance(data, str) or not data or len(data) > 32 or "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


def write_only_text(max_length: int, help_text: Any = "") -> serializers.CharField:
    return serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=max_length, help_text=help_text
    )


def correction_reason_field() -> serializers.CharField:
    return write_only_text(
        TEXT_MAX_LENGTH,
        _(
            "Needed only when the record lies in a half year whose figures are approved. The reason appears in "
            "the next report: do not name or describe a child or a family."
        ),
    )


def country_code_field() -> serializers.SlugRelatedField[Any]:
    return serializers.SlugRelatedField(slug_field="code", read_only=True)


def organisation_field(**kwargs: Any) -> ScopedPrimaryKeyField:
    return ScopedPrimaryKeyField(
        scope=writable_organisations,
        queryset=Organisation.objects.none(),
        help_text=_("The organisation the record belongs to: one you record for."),
        **kwargs,
    )


def area_field() -> ScopedPrimaryKeyField:
    return ScopedPrimaryKeyField(
        scope=areas_in_reach, queryset=AdministrativeArea.objects.none(), required=False, allow_null=True
    )


def saved_by(serializer: serializers.Serializer[Any]) -> User:
    return caller_of(serializer).user


def refuse_hidden_identity(
    user: User, record: Person | Household, given: dict[str, Any], fields: tuple[str, ...]
) -> None:
    """Someone who may not see a person's identity (a child with a case, another organisation's person)
    may not overwrite it either."""
    changed = [field for field in fields if field in given]
    if changed and not sees_identity(user, record):
        raise serializers.ValidationError({field: [_("You may not change this identity field.")] for field in changed})


def current_values(instance: Model, fields: tuple[str, ...]) -> dict[str, Any]:
    return {field: getattr(instance, field) for field in fields}


# People


class PersonRoleSerializer(serializers.ModelSerializer[PersonRole]):
    class Meta:
        model = PersonRole
        fields = ["role", "profession", "start", "end"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("profession") and attrs["role"] != PersonRole.Role.PROFESSIONAL:
            raise serializers.ValidationError({"profession": _("Only a professional has a profession.")})
        return attrs


PERSON_IDENTITY = ("name", "contact", "address")
# Roles change a few times in a life: far fewer than this are added at once.
MOST_ROLES = 20
PERSON_FACTS = ("organisation", "code", "sex", "birth_date", "birth_year_estimated", "area")


class PersonSerializer(serializers.ModelSerializer[Person]):
    organisation = organisation_field()
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    country = country_code_field()
    area = area_field()
    roles = PersonRoleSerializer(  # type: ignore[call-arg]  # DRF takes max_length for many=True; its stubs do not
        many=True,
        required=False,
        max_length=MOST_ROLES,
        help_text=_("The person's roles over time. On a write, the roles given are added to those recorded."),
    )
    birth_date = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=_(
            "The exact date of birth: identity, returned only to those who may see the person's identity (null "
            "for anyone else, who may still write it; a null they send back keeps the date recorded)."
        ),
    )
    birth_year = serializers.SerializerMethodField(
        help_text=_("The year of birth, known or estimated: shown to everyone who sees the person.")
    )
    name = write_only_text(IDENTITY_MAX_LENGTH, _("Stored encrypted; never returned."))
    contact = write_only_text(IDENTITY_MAX_LENGTH, _("Stored encrypted; never returned."))
    address = write_only_text(IDENTITY_MAX_LENGTH, _("Stored encrypted; never returned."))
    correction_reason = correction_reason_field()

    class Meta:
        model = Person
        fields = [
            "public_id",
            "organisation",
            "organisation_name",
            "code",
            "sex",
            "birth_date",
            "birth_year_estimated",
            "birth_year",
            "country",
            "area",
            "roles",
            "created_at",
            *PERSON_IDENTITY,
            "correction_reason",
        ]
        read_only_fields = ["public_id", "created_at"]
        extra_kwargs = {"birth_year_estimated": {"min_value": 1900, "max_value": 9999}}
        validators: list[Any] = []  # the service says which code is taken, in words

    def get_birth_year(self, person: Person) -> int | None:
        return birth_year_of(person)

    def to_representation(self, instance: Person) -> dict[str, Any]:
        data = super().to_representation(instance)
        # A list's rows carry `identity_shown` (PersonViewSet.get_queryset); a single saved person is asked for.
        shown = getattr(instance, "identity_shown", None)
        if shown is None:
            shown = sees_identity(saved_by(self), instance)
        if not shown:
            data["birth_date"] = None
        return data

    def create(self, validated_data: dict[str, Any]) -> Person:
        roles = [RoleSpec(**role) for role in validated_data.pop("roles", [])]
        return person_save(saved_by=saved_by(self), **{"sex": Sex.UNKNOWN, **validated_data}, roles=roles)

    def update(self, instance: Person, validated_data: dict[str, Any]) -> Person:
        user = saved_by(self)
        refuse_hidden_identity(user, instance, validated_data, PERSON_IDENTITY)
        if validated_data.get("birth_date", False) is None and not sees_identity(user, instance):
            # The date was not shown to this caller (null): sending the null back keeps the date recorded.
            del validated_data["birth_date"]
        roles = [RoleSpec(**role) for role in validated_data.pop("roles", [])]
        kept = current_values(instance, PERSON_FACTS + PERSON_IDENTITY)
        return person_save(saved_by=user, person=instance, **{**kept, **validated_data}, roles=roles)


# Households


class HouseholdSerializer(serializers.ModelSerializer[Household]):
    organisation = organisation_field()
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    country = country_code_field()
    area = area_field()
    members = ScopedPublicIdField(
        scope=visible_people,
        queryset=Person.objects.none(),
        many=True,
        required=False,
        help_text=_("The members' ids: people of the household's organisation. A write replaces the list."),
    )
    member_count = serializers.IntegerField(read_only=True)
    address = write_only_text(IDENTITY_MAX_LENGTH, _("Stored encrypted; never returned."))
    correction_reason = correction_reason_field()

    class Meta:
        model = Household
        fields = [
            "public_id",
            "organisation",
            "organisation_name",
            "code",
            "country",
            "area",
            "members",
            "member_count",
            "address",
            "correction_reason",
        ]
        read_only_fields = ["public_id"]
        validators: list[Any] = []

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        organisation = attrs.get("organisation") or (self.instance.organisation if self.instance else None)
        area = attrs.get("area")
        if area is not None and organisation is not None and area.country_id != organisation.country_id:
            raise serializers.ValidationError({"area": _("%(area)s lies in another country.") % {"area": area}})
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Household:
        return household_save(saved_by=saved_by(self), **validated_data)

    def update(self, instance: Household, validated_data: dict[str, Any]) -> Household:
        user = saved_by(self)
        refuse_hidden_identity(user, instance, validated_data, ("address",))
        kept = current_values(instance, ("organisation", "code", "area", "address"))
        kept["members"] = list(instance.members.all())
        return household_save(saved_by=user, household=instance, **{**kept, **validated_data})


# Sahay's own organisations (read only) and the organisations the programme reaches


class OrganisationSerializer(serializers.ModelSerializer[Organisation]):
    country = country_code_field()

    class Meta:
        model = Organisation
        fields = ["id", "name", "short_name", "kind", "country", "parent", "is_active"]
        read_only_fields = fields


class ExternalOrganisationSerializer(serializers.ModelSerializer[ExternalOrganisation]):
    recorded_by = organisation_field()
    country = country_code_field()

    class Meta:
        model = ExternalOrganisation
        fields = ["id", "name", "kind", "sector", "country", "recorded_by"]
        read_only_fields = ["id"]
        validators: list[Any] = []

    def create(self, validated_data: dict[str, Any]) -> ExternalOrganisation:
        return external_organisation_save(saved_by=saved_by(self), **validated_data)


# Activities


ACTIVITY_FACTS = ("organisation", "kind", "campaign_kind", "training_topic", "title", "date", "end_date", "area")


class ActivitySerializer(serializers.ModelSerializer[Activity]):
    organisation = organisation_field()
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    country = country_code_field()
    area = area_field()
    reached_organisations = ScopedPrimaryKeyField(
        scope=reachable_external_organisations,
        queryset=ExternalOrganisation.objects.none(),
        many=True,
        required=False,
        help_text=_("Ids of the schools, companies or bodies reached, in the activity's country."),
    )
    participant_count = serializers.IntegerField(read_only=True)
    correction_reason = correction_reason_field()

    class Meta:
        model = Activity
        fields = [
            "public_id",
            "organisation",
            "organisation_name",
            "country",
            "area",
            "kind",
            "campaign_kind",
            "training_topic",
            "title",
            "date",
            "end_date",
            "reached_organisations",
            "participant_count",
            "correction_reason",
        ]
        read_only_fields = ["public_id"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        organisation = attrs.get("organisation") or (self.instance.organisation if self.instance else None)
        elsewhere = [
            reached
            for reached in attrs.get("reached_organisations", [])
            if organisation is not None and reached.country_id != organisation.country_id
        ]
        if elsewhere:
            raise serializers.ValidationError(
                {"reached_organisations": _("%(name)s lies in another country.") % {"name": elsewhere[0]}}
            )
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Activity:
        return activity_save(saved_by=saved_by(self), **validated_data)

    def update(self, instance: Activity, validated_data: dict[str, Any]) -> Activity:
        kept = current_values(instance, ACTIVITY_FACTS)
        kept["reached_organisations"] = list(instance.reached_organisations.all())
        return activity_save(saved_by=saved_by(self), activity=instance, **{**kept, **validated_data})


# Participations


class ParticipationSerializer(serializers.ModelSerializer[Participation]):
    activity = serializers.SlugRelatedField[Activity](slug_field="public_id", read_only=True)
    person = serializers.SlugRelatedField[Person](slug_field="public_id", read_only=True)
    person_code = serializers.CharField(source="person.code", read_only=True)

    class Meta:
        model = Participation
        fields = ["id", "activity", "person", "person_code", "attended", "completed"]
        read_only_fields = fields


class ParticipantSerializer(serializers.Serializer[Any]):
    """Someone who took part, by id or by code (codes travel in the body, never in a URL)."""

    person = serializers.CharField(required=False, max_length=32, help_text=_("The person's id."))
    person_code = serializers.CharField(
        required=False, max_length=40, help_text=_("Or the person's code in the activity's organisation.")
    )
    attended = serializers.BooleanField(default=True)
    completed = serializers.BooleanField(default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("person" in attrs) == ("person_code" in attrs):
            raise serializers.ValidationError(
                {"person": [_("Give the person's id or their code, not both and not neither.")]}
            )
        return attrs


class ParticipationCreateSerializer(ParticipantSerializer):
    activity = ScopedPublicIdField(scope=writable_activities, queryset=Activity.objects.none())
    correction_reason = correction_reason_field()


class ParticipantsSerializer(serializers.Serializer[Any]):
    activity = ScopedPublicIdField(scope=writable_activities, queryset=Activity.objects.none())
    participants = serializers.ListField(
        child=ParticipantSerializer(),
        min_length=1,
        max_length=MAX_RELATED,
        help_text=_("Everyone who took part. Errors name the row by its index in this list, from 0."),
    )
    correction_reason = correction_reason_field()


class ParticipationChangeSerializer(serializers.Serializer[Any]):
    attended = serializers.BooleanField(required=False)
    completed = serializers.BooleanField(required=False)
    correction_reason = correction_reason_field()


class CorrectionSerializer(serializers.Serializer[Any]):
    correction_reason = correction_reason_field()


# Services


SERVICE_FACTS = (
    "organisation",
    "kind",
    "education_support",
    "start",
    "end",
    "person",
    "household",
    "provider",
    "outcome",
)


class ServiceSerializer(serializers.ModelSerializer[Service]):
    """A service as the services list shows it: whether it was given within a case is not said."""

    organisation = organisation_field()
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    person = ScopedPublicIdField(
        scope=visible_people,
        queryset=Person.objects.none(),
        required=False,
        allow_null=True,
        help_text=_("The person's id, for a service to one person."),
    )
    household = ScopedPublicIdField(
        scope=visible_households,
        queryset=Household.objects.none(),
        required=False,
        allow_null=True,
        help_text=_("Or the household's id."),
    )
    # Free text that may name people: accepted, never returned (as in exports).
    provider = write_only_text(200, _("Clinic, shelter, school or lawyer, when not yourselves. Never returned."))
    outcome = write_only_text(TEXT_MAX_LENGTH, _("Stored encrypted; never returned."))
    correction_reason = correction_reason_field()

    class Meta:
        model = Service
        fields = [
            "public_id",
            "organisation",
            "organisation_name",
            "kind",
            "education_support",
            "person",
            "household",
            "start",
            "end",
            "provider",
            "outcome",
            "correction_reason",
        ]
        read_only_fields = ["public_id"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        values = {**(current_values(self.instance, SERVICE_FACTS) if self.instance else {}), **attrs}
        organisation = values.get("organisation")
        for field in ("person", "household"):
            recipient = values.get(field)
            if recipient is not None and organisation is not None and recipient.organisation_id != organisation.pk:
                raise serializers.ValidationError(
                    {field: _("No record with this id in %(organisation)s.") % {"organisation": organisation}}
                )
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Service:
        return service_save(saved_by=saved_by(self), **validated_data)

    def update(self, instance: Service, validated_data: dict[str, Any]) -> Service:
        kept = current_values(instance, SERVICE_FACTS)
        return service_save(saved_by=saved_by(self), service=instance, **{**kept, **validated_data})


# Estimated reach of mass activities


class ReachSerializer(serializers.ModelSerializer[AggregateReach]):
    activity = ScopedPublicIdField(scope=writable_activities, queryset=Activity.objects.none())
    correction_reason = correction_reason_field()

    class Meta:
        model = AggregateReach
        fields = ["id", "activity", "audience", "estimate", "method", "correction_reason"]
        read_only_fields = ["id"]


class ReachChangeSerializer(serializers.ModelSerializer[AggregateReach]):
    correction_reason = correction_reason_field()

    class Meta:
        model = AggregateReach
        fields = ["estimate", "method", "correction_reason"]
