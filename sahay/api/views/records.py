"""The API's records endpoints: people, households, organisations, activities, participations, services, reach.

Each resource reads through its list page's selector, narrowed by the token's limit, and writes through the
records services, so scope, checks and approved-period locks are the pages' own.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import IntegerField, Model, QuerySet
from django.db.models.functions import Coalesce, ExtractYear
from django.urls import URLPattern
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from sahay.accounts.rights import Right
from sahay.accounts.scope import scope_of
from sahay.api.base import ApiViewSet
from sahay.api.parsers import JSONBodyParser
from sahay.api.routes import Routes
from sahay.api.serializers.records import (
    MAX_ID,
    PUBLIC_ID_PATTERN,
    ActivitySerializer,
    CorrectionSerializer,
    ExternalOrganisationSerializer,
    HouseholdSerializer,
    OrganisationSerializer,
    ParticipantsSerializer,
    ParticipationChangeSerializer,
    ParticipationCreateSerializer,
    ParticipationSerializer,
    PersonSerializer,
    ReachChangeSerializer,
    ReachSerializer,
    ServiceSerializer,
    visible_activities,
    visible_external_organisations,
    visible_households,
    visible_people,
)
from sahay.core.models import Organisation
from sahay.records.models import (
    Activity,
    AggregateReach,
    ExternalOrganisation,
    Household,
    Participation,
    Person,
    Service,
)
from sahay.records.selectors import service_list, with_identity
from sahay.records.services import (
    MERGED_MESSAGE,
    Attendance,
    participation_remove,
    participation_update,
    participations_record,
    reach_save,
    reach_update,
)

# Filters: by ids and fixed values only, never by a code or a name (a URL ends up in server logs).


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(filters.NumberFilter):  # type: ignore[misc]
    """A record's number; one beyond what the database holds is refused before it reaches a query."""

    field_class = forms.IntegerField

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


class CountryFilter(filters.CharFilter):  # type: ignore[misc]
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(field_name="country__code", max_length=2, help_text=_("ISO code, e.g. NP."), **kwargs)


class PersonFilter(filters.FilterSet):  # type: ignore[misc]
    organisation = IdFilter()
    country = CountryFilter()

    class Meta:
        model = Person
        fields = ["organisation", "sex", "country"]


class HouseholdFilter(filters.FilterSet):  # type: ignore[misc]
    organisation = IdFilter()
    country = CountryFilter()

    class Meta:
        model = Household
        fields = ["organisation", "country"]


class OrganisationFilter(filters.FilterSet):  # type: ignore[misc]
    country = CountryFilter()
    parent = IdFilter()

    class Meta:
        model = Organisation
        fields = ["kind", "country", "parent", "is_active"]


class ExternalOrganisationFilter(filters.FilterSet):  # type: ignore[misc]
    country = CountryFilter()
    recorded_by = IdFilter()

    class Meta:
        model = ExternalOrganisation
        fields = ["kind", "sector", "country", "recorded_by"]


class ActivityFilter(filters.FilterSet):  # type: ignore[misc]
    organisation = IdFilter()
    country = CountryFilter()
    date = filters.DateFromToRangeFilter(help_text=_("`date_after` and `date_before`, both included."))

    class Meta:
        model = Activity
        fields = ["kind", "organisation", "country", "date"]


class ServiceFilter(filters.FilterSet):  # type: ignore[misc]
    organisation = IdFilter()
    person = filters.CharFilter(field_name="person__public_id", max_length=32, help_text=_("The person's id."))
    household = filters.CharFilter(field_name="household__public_id", max_length=32, help_text=_("The household's id."))
    start = filters.DateFromToRangeFilter(help_text=_("`start_after` and `start_before`, both included."))

    class Meta:
        model = Service
        fields = ["kind", "organisation", "person", "household", "start"]


class ParticipationFilter(filters.FilterSet):  # type: ignore[misc]
    activity = filters.CharFilter(field_name="activity__public_id", max_length=32, help_text=_("The activity's id."))
    person = filters.CharFilter(field_name="person__public_id", max_length=32, help_text=_("The person's id."))

    class Meta:
        model = Participation
        fields = ["activity", "person", "attended", "completed"]


class ReachFilter(filters.FilterSet):  # type: ignore[misc]
    activity = filters.CharFilter(field_name="activity__public_id", max_length=32, help_text=_("The activity's id."))

    class Meta:
        model = AggregateReach
        fields = ["activity", "audience"]


# The resources


class RecordViewSet(ApiViewSet):
    """A record addressed by its opaque id, written as JSON."""

    lookup_value_regex = PUBLIC_ID_PATTERN
    parser_classes = [JSONBodyParser]


class ReadBack:
    """After a write, answer with the record as a read shows it (first among the bases, before DRF's mixins)."""

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.save()
        self._read_back(serializer)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.save()
        self._read_back(serializer)

    def _read_back(self, serializer: serializers.BaseSerializer[Any]) -> None:
        # The list's selector adds counts (members, participants) that a freshly saved object lacks.
        saved: Model = serializer.instance  # type: ignore[assignment]
        serializer.instance = self.get_queryset().filter(pk=saved.pk).first() or saved  # type: ignore[attr-defined]


class NumberedViewSet(RecordViewSet):
    """A record addressed by its number, which says nothing about a person."""

    lookup_field = "pk"
    lookup_value_regex = r"[0-9]{1,18}"  # within the database's integers


class PersonViewSet(
    ReadBack,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    RecordViewSet,
):
    """People under their codes. Name, contact and address are accepted and never returned."""

    queryset = Person.objects.none()  # names the model for the schema; get_queryset gives the rows
    serializer_class = PersonSerializer
    filterset_class = PersonFilter
    # Not by the exact date of birth: sorting beside people of known dates would tell a hidden date.
    ordering_fields = ["code", "created_at", "birth_year"]
    ordering = ["-created_at", "pk"]

    def get_queryset(self) -> QuerySet[Person]:
        people = with_identity(user=self.user, people=visible_people(self)).annotate(
            birth_year=Coalesce(ExtractYear("birth_date"), "birth_year_estimated", output_field=IntegerField())
        )
        return people.prefetch_related("roles")


class HouseholdViewSet(
    ReadBack,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    RecordViewSet,
):
    """Households and their members. The address is accepted and never returned."""

    queryset = Household.objects.none()  # names the model for the schema; get_queryset gives the rows
    serializer_class = HouseholdSerializer
    filterset_class = HouseholdFilter
    ordering_fields = ["code", "member_count"]
    ordering = ["code", "pk"]

    def get_queryset(self) -> QuerySet[Household]:
        return visible_households(self).prefetch_related("members")


class OrganisationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, NumberedViewSet):
    """Sahay's organisations the caller sees, as on the organisations page."""

    read_rights = (Right.VIEW_REFERENCE_DATA,)
    queryset = Organisation.objects.none()  # names the model for the schema; get_queryset gives the rows
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilter
    ordering_fields = ["name", "kind", "id"]
    ordering = ["name"]

    def get_queryset(self) -> QuerySet[Organisation]:
        organisations = scope_of(self.user).filter(
            Organisation.objects.select_related("country", "parent"), organisation_field="pk"
        )
        return self.limit.filter(organisations, organisation_field="pk")


class ExternalOrganisationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, NumberedViewSet
):
    """Companies, schools, government bodies and community groups the programme reaches."""

    queryset = ExternalOrganisation.objects.none()  # names the model for the schema; get_queryset gives the rows
    serializer_class = ExternalOrganisationSerializer
    filterset_class = ExternalOrganisationFilter
    ordering_fields = ["name", "kind", "id"]
    ordering = ["name", "pk"]

    def get_queryset(self) -> QuerySet[ExternalOrganisation]:
        return visible_external_organisations(self)


class ActivityViewSet(
    ReadBack,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    RecordViewSet,
):
    queryset = Activity.objects.none()  # names the model for the schema; get_queryset gives the rows
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    ordering_fields = ["date", "title", "kind", "participant_count"]
    ordering = ["-date", "pk"]

    def get_queryset(self) -> QuerySet[Activity]:
        return visible_activities(self).prefetch_related("reached_organisations")


def row_field(row: dict[str, Any]) -> str:
    return "person" if "person" in row else "person_code"


def unknown_person(row: dict[str, Any], activity: Activity, merged: set[str]) -> list[Any]:
    if row.get("person", row.get("person_code")) in merged:
        return [MERGED_MESSAGE]
    message = (
        _("No person with this id in %(organisation)s.")
        if "person" in row
        else _("No person with this code in %(organisation)s.")
    )
    return [message % {"organisation": activity.organisation}]


def attendances_of(caller: ApiViewSet, activity: Activity, rows: list[dict[str, Any]]) -> list[Attendance]:
    """The people of the rows, found among the activity organisation's people the caller sees.

    A bad row (someone unknown, merged, already in the activity or given twice) is refused by its index,
    and then nothing is written.
    """
    people = visible_people(caller).filter(organisation=activity.organisation)
    ids = [row["person"] for row in rows if "person" in row]
    codes = [row["person_code"] for row in rows if "person_code" in row]
    by_id = {person.public_id: person for person in people.filter(public_id__in=ids)}
    by_code = {person.code: person for person in people.filter(code__in=codes)}
    # A record merged into another is no one to add; saying so points the caller to the duplicates page.
    merged_people = Person.objects.filter(organisation=activity.organisation, merged_into__isnull=False)
    merged = {
        *merged_people.filter(public_id__in=ids).values_list("public_id", flat=True),
        *merged_people.filter(code__in=codes).values_list("code", flat=True),
    }
    already = set(activity.participations.values_list("person_id", flat=True))
    errors: dict[str, dict[str, list[Any]]] = {}
    seen: set[int] = set()
    attendances = []
    for index, row in enumerate(rows):
        person = by_id.get(row["person"]) if "person" in row else by_code.get(row["person_code"])
        if person is None:
            errors[str(index)] = {row_field(row): unknown_person(row, activity, merged)}
        elif person.pk in already:
            errors[str(index)] = {row_field(row): [_("This person is already in this activity.")]}
        elif person.pk in seen:
            errors[str(index)] = {row_field(row): [_("This person is given twice.")]}
        else:
            seen.add(person.pk)
            attendances.append(Attendance(person, attended=row["attended"], completed=row["completed"]))
    if errors:
        raise serializers.ValidationError({"participants": errors})
    return attendances


@extend_schema_view(
    create=extend_schema(request=ParticipationCreateSerializer, responses={201: ParticipationSerializer}),
    partial_update=extend_schema(request=ParticipationChangeSerializer, responses=ParticipationSerializer),
    destroy=extend_schema(
        responses={204: None},
        description=_(
            'Remove someone from an activity. In an approved half year, send `{"correction_reason": "…"}` as the body.'
        ),
    ),
)
class ParticipationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    NumberedViewSet,
):
    """Who took part in which activity. A session's participants are best pushed at once with `bulk`."""

    queryset = Participation.objects.none()  # names the model for the schema; get_queryset gives the rows
    serializer_class = ParticipationSerializer
    filterset_class = ParticipationFilter
    ordering_fields = ["id", "activity__date"]
    ordering = ["id"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Participation]:
        return Participation.objects.filter(
            activity__in=visible_activities(self), person__in=visible_people(self)
        ).select_related("activity__organisation", "person")

    def create(self, request: Request) -> Response:
        given = ParticipationCreateSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        data = given.validated_data
        created = self._record(data["activity"], [data], data.get("correction_reason", ""))
        return Response(ParticipationSerializer(created.get()).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ParticipantsSerializer, responses={201: ParticipationSerializer(many=True)})
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def bulk(self, request: Request) -> Response:
        """Everyone who took part in an activity, all or nothing: one bad row and nothing is written."""
        given = ParticipantsSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        data = given.validated_data
        created = self._record(data["activity"], data["participants"], data.get("correction_reason", ""))
        return Response(ParticipationSerializer(created, many=True).data, status=status.HTTP_201_CREATED)

    def _record(self, activity: Activity, rows: list[dict[str, Any]], reason: str) -> QuerySet[Participation]:
        created = participations_record(
            saved_by=self.user,
            activity=activity,
            attendances=attendances_of(self, activity, rows),
            correction_reason=reason,
        )
        return self.get_queryset().filter(pk__in=[participation.pk for participation in created])

    def partial_update(self, request: Request, pk: str) -> Response:
        participation = self.get_object()
        given = ParticipationChangeSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        participation_update(
            saved_by=self.user,
            participation=participation,
            attended=data.get("attended", participation.attended),
            completed=data.get("completed", participation.completed),
            correction_reason=data.get("correction_reason", ""),
        )
        return Response(ParticipationSerializer(participation).data)

    def destroy(self, request: Request, pk: str) -> Response:
        participation = self.get_object()
        given = CorrectionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        participation_remove(
            saved_by=self.user,
            participation=participation,
            correction_reason=given.validated_data.get("correction_reason", ""),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class ServiceViewSet(
    ReadBack,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    RecordViewSet,
):
    """Services to a person or a household. Provider and outcome are accepted and never returned."""

    queryset = Service.objects.none()  # names the model for the schema; get_queryset gives the rows
    serializer_class = ServiceSerializer
    filterset_class = ServiceFilter
    ordering_fields = ["start", "kind"]
    ordering = ["-start", "pk"]

    def get_queryset(self) -> QuerySet[Service]:
        return self.limit.filter(service_list(user=self.user), country_field="organisation__country")


@extend_schema_view(
    update=extend_schema(request=ReachChangeSerializer, responses=ReachSerializer),
    partial_update=extend_schema(request=ReachChangeSerializer, responses=ReachSerializer),
)
class ReachViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, NumberedViewSet):
    """Estimates of how many a mass activity reached (a radio campaign heard by about 5,000 adults)."""

    queryset = AggregateReach.objects.none()  # names the model for the schema; get_queryset gives the rows
    serializer_class = ReachSerializer
    filterset_class = ReachFilter
    ordering_fields = ["id", "estimate"]
    ordering = ["id"]

    def get_queryset(self) -> QuerySet[AggregateReach]:
        return AggregateReach.objects.filter(activity__in=visible_activities(self)).select_related("activity")

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = serializer.validated_data
        serializer.instance = reach_save(saved_by=self.user, **data)

    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        reach = self.get_object()
        given = ReachChangeSerializer(reach, data=request.data, partial=partial)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        reach_update(
            saved_by=self.user,
            reach=reach,
            estimate=data.get("estimate", reach.estimate),
            method=data.get("method", reach.method),
            correction_reason=data.get("correction_reason", ""),
        )
        return Response(ReachSerializer(reach, context=self.get_serializer_context()).data)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)


routes: Routes = [
    ("people", PersonViewSet, "person"),
    ("households", HouseholdViewSet, "household"),
    ("organisations", OrganisationViewSet, "organisation"),
    ("external-organisations", ExternalOrganisationViewSet, "external-organisation"),
    ("activities", ActivityViewSet, "activity"),
    ("participations", ParticipationViewSet, "participation"),
    ("services", ServiceViewSet, "service"),
    ("aggregate-reach", ReachViewSet, "aggregate-reach"),
]
urlpatterns: list[URLPattern] = []
