"""Half-year reports (read only): the ones the reports list page shows the caller, with links to their files."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import URLPattern, reverse
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers

from sahay.api.base import ApiViewSet
from sahay.api.routes import Routes
from sahay.core.models import Country
from sahay.frameworks.models import Programme
from sahay.frameworks.selectors import current_programme
from sahay.reports.models import Report
from sahay.reports.rendering import FORMATS
from sahay.reports.selectors import report_list
from sahay.reports.views import READERS


class ReportFileSerializer(serializers.Serializer[dict[str, str]]):
    format = serializers.CharField(help_text="html, pdf, docx or xlsx")
    url = serializers.URLField(help_text="The report's download page (signed in to Sahay, as on the pages).")


class ReportSerializer(serializers.ModelSerializer[Report]):
    programme: serializers.SlugRelatedField[Programme] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    country: serializers.SlugRelatedField[Country] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    files = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "programme",
            "country",
            "period_code",
            "version",
            "status",
            "created_at",
            "approved_at",
            "files",
        ]
        read_only_fields = fields

    @extend_schema_field(ReportFileSerializer(many=True))
    def get_files(self, report: Report) -> list[dict[str, str]]:
        request = self.context.get("request")
        links = []
        for file_format in FORMATS:
            location = reverse("report_download", args=[report.pk, file_format])
            links.append({"format": file_format, "url": request.build_absolute_uri(location) if request else location})
        return links


@extend_schema_view(
    list=extend_schema(summary="The reports you may read", description="As the reports page lists them."),
    retrieve=extend_schema(summary="One report"),
)
class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Reports as the reports list page shows them; a token limited to countries gets only those countries'
    reports (programme-wide reports only with a token that is not limited)."""

    read_rights = READERS
    serializer_class = ReportSerializer
    lookup_field = "pk"
    lookup_value_regex = "[0-9]{1,18}"
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Report]:
        programme = current_programme()
        if programme is None:
            return Report.objects.none()
        reports = report_list(user=self.user, programme=programme).select_related("programme", "country")
        if self.limit.country_ids:
            return reports.filter(country_id__in=self.limit.country_ids)
        if self.limit.organisation_ids:  # a report is a country's or the programme's, never an organisation's
            return reports.none()
        return reports


routes: Routes = [("reports", ReportViewSet, "reports")]
urlpatterns: list[URLPattern] = []
