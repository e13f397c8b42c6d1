"""Children's cases (read only), under the same case policy as the case pages.

`GET /api/cases/` lists the cases the caller may see at all (`visible_cases`, as the case list page),
narrowed by the token's limit, de-identified for everyone: the child's pseudonymous code, age band and sex,
the case's organisation, status and dates. `child` and `care` are always null in the list.

`GET /api/cases/{public_id}/` is one of them; a case the caller may not see is a 404, exactly like a case
that does not exist. It adds, as the case page does, the child's identity (`child`) only to those the policy
lets see it, and the case's care (intake, summary, consents, assessments, plan, follow-up visits) only to
those it lets see care; for others those keys are null. A read that shows either is audited exactly like the
case page (`case_read`, in the transaction that produces the answer).

Not exposed by the API: legal case details and documents (closed data stays on its own audited pages), the
referrals and services of a case, and everything that changes a case.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.urls import URLPattern
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from sahay.accounts.rights import Right
from sahay.api.base import ApiViewSet
from sahay.api.routes import Routes
from sahay.cases.models import Assessment, Case, Consent, FollowUp, PlanGoal
from sahay.cases.policy import CaseAccess, CaseAction
from sahay.cases.selectors import age_band, case_list
from sahay.cases.services.cases import case_read
from sahay.records.models import Sex

# Everyone `visible_cases` can give a case to: case workers and supervisors (their cases, shared ones,
# referrals received), programme staff in scope (de-identified) and holders of an emergency access.
CASE_READERS = (Right.WORK_CASES, Right.SUPERVISE_CASES, Right.VIEW_FIGURES, Right.BREAK_GLASS)


class CaseChildSerializer(serializers.Serializer[Any]):
    """The child's identity, as the case page shows it to those who may see it."""

    name = serializers.CharField(read_only=True)
    birth_date = serializers.DateField(read_only=True, allow_null=True)
    birth_year_estimated = serializers.IntegerField(read_only=True, allow_null=True)
    contact = serializers.CharField(read_only=True)
    address = serializers.CharField(read_only=True)


class CaseConsentSerializer(serializers.ModelSerializer[Consent]):
    class Meta:
        model = Consent
        fields = ["purpose", "given_by", "given_on", "withdrawn_on"]
        read_only_fields = fields


class CaseAssessmentSerializer(serializers.ModelSerializer[Assessment]):
    class Meta:
        model = Assessment
        fields = ["assessed_on", "risk_level", "risks", "needs", "safety"]
        read_only_fields = fields


class CaseGoalSerializer(serializers.ModelSerializer[PlanGoal]):
    # A plain code (the service kinds of the records): an empty string when the goal names no service.
    service_kind = serializers.CharField(read_only=True, help_text=_("The kind of service, or empty."))

    class Meta:
        model = PlanGoal
        fields = ["goal", "service_kind", "responsible", "due_on", "achieved_on"]
        read_only_fields = fields


class CaseFollowUpSerializer(serializers.ModelSerializer[FollowUp]):
    visited_by = serializers.CharField(source="visited_by.__str__", read_only=True)

    class Meta:
        model = FollowUp
        fields = ["due_on", "visited_by", "done_on", "notes"]
        read_only_fields = fields


class CaseCareSerializer(serializers.Serializer[Any]):
    """The case's care, as the case page shows it to those who may see it."""

    intake = serializers.ChoiceField(choices=Case.Intake.choices, read_only=True)
    exploitation = serializers.ChoiceField(choices=Case.Exploitation.choices, read_only=True)
    summary = serializers.CharField(read_only=True)
    consents = CaseConsentSerializer(many=True, read_only=True)
    assessments = CaseAssessmentSerializer(many=True, read_only=True)
    goals = CaseGoalSerializer(many=True, read_only=True)
    follow_ups = CaseFollowUpSerializer(many=True, read_only=True)


class CaseSerializer(serializers.Serializer[Case]):
    public_id = serializers.CharField(read_only=True)
    code = serializers.CharField(read_only=True, help_text=_("The child's pseudonymous code."))
    age_band = serializers.SerializerMethodField(help_text=_("The child's age when the case opened, as a band."))
    sex = serializers.ChoiceField(source="person.sex", choices=Sex.choices, read_only=True)
    organisation = serializers.CharField(source="organisation.name", read_only=True)
    case_worker = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=Case.Status.choices, read_only=True)
    opened_on = serializers.DateField(read_only=True)
    closed_on = serializers.DateField(read_only=True, allow_null=True)
    closure_reason = serializers.ChoiceField(choices=Case.ClosureReason.choices, allow_blank=True, read_only=True)
    service_count = serializers.IntegerField(read_only=True)
    next_visit = serializers.DateField(read_only=True, allow_null=True)
    child = serializers.SerializerMethodField(
        help_text=_("The child's identity: only in one case's detail, to those who may see it; otherwise null.")
    )
    care = serializers.SerializerMethodField(
        help_text=_("The case's care: only in one case's detail, to those who may see it; otherwise null.")
    )

    def get_age_band(self, case: Case) -> str:
        return str(age_band(case))

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_case_worker(self, case: Case) -> str | None:
        return str(case.case_worker) if case.case_worker else None

    def _may(self, action: CaseAction) -> bool:
        access: CaseAccess | None = self.context.get("access")
        return access is not None and access.may(action)

    @extend_schema_field(CaseChildSerializer(allow_null=True))
    def get_child(self, case: Case) -> dict[str, Any] | None:
        if not self._may(CaseAction.SEE_IDENTITY):
            return None
        return CaseChildSerializer(case.person).data

    @extend_schema_field(CaseCareSerializer(allow_null=True))
    def get_care(self, case: Case) -> dict[str, Any] | None:
        if not self._may(CaseAction.SEE_CARE):
            return None
        return CaseCareSerializer(
            {
                "intake": case.intake,
                "exploitation": case.exploitation,
                "summary": case.summary,
                "consents": case.consents.all(),
                "assessments": case.assessments.all(),
                "goals": case.goals.all(),
                "follow_ups": case.follow_ups.select_related("visited_by"),
            }
        ).data


NOT_FOUND = inline_serializer("CaseNotFound", fields={"detail": serializers.CharField()})
REFUSED = OpenApiResponse(
    inline_serializer("CaseRefused", fields={"detail": serializers.CharField()}),
    description=_("The caller's role sees no cases."),
)


@extend_schema_view(
    list=extend_schema(
        summary="Cases the caller may see, de-identified",
        responses={200: CaseSerializer(many=True), 403: REFUSED, 404: OpenApiResponse(NOT_FOUND)},
    ),
    retrieve=extend_schema(
        summary="One case: identity and care only to those who may see them (audited)",
        responses={
            200: CaseSerializer,
            403: REFUSED,
            404: OpenApiResponse(NOT_FOUND, description=_("No such case, or one the caller may not see.")),
        },
    ),
)
class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Children's cases under the case policy. Legal details and documents are not exposed by the API:
    closed data stays on its own audited pages."""

    read_rights = CASE_READERS
    write_rights = CASE_READERS  # nothing here writes: a write is told 405, not refused as a denial
    serializer_class = CaseSerializer
    ordering_fields = ["opened_on", "closed_on", "status"]
    ordering = ["-opened_on", "pk"]

    def get_queryset(self) -> QuerySet[Case]:
        cases = case_list(user=self.user)
        return self.limit.filter(cases, country_field="organisation__country", organisation_field="organisation")

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The read is audited in the transaction that produces the answer: no audit entry, no answer.
        with transaction.atomic():
            case = self.get_object()
            access = case_read(case=case, user=self.user, request=request._request)
            data = self.get_serializer(case, context={**self.get_serializer_context(), "access": access}).data
        return Response(data)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)  # identities: never kept by a browser or a proxy
        return response


routes: Routes = [("cases", CaseViewSet, "cases")]
urlpatterns: list[URLPattern] = []
