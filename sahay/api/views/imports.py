"""Imports of spreadsheets of records, as background jobs, exactly as on the import pages.

`POST /api/imports/` (multipart: `kind`, `file`, `organisation`, `dry_run`, `correction_reason`) checks the
upload with the page's own form (the same kinds, organisations and size limit) and starts the same import
job the page starts; it answers 202 with the job. `GET /api/imports/` lists the caller's own imports and
`GET /api/imports/{id}/` follows one: its status, progress, counts and, when rows were wrong, the problems
found (row, column, message). Only the person who uploaded a file sees its import (its problems may quote
the file), so anyone else's is a 404. The file with the problems beside the rows stays on the import page.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import URLPattern, reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from sahay.accounts.rights import Right
from sahay.api.base import ApiViewSet
from sahay.api.routes import Routes
from sahay.core.models import Organisation
from sahay.imports.forms import ImportForm
from sahay.imports.jobs import IMPORT_JOB, import_start, shown_errors
from sahay.imports.kinds import KINDS
from sahay.jobs.models import Job

IMPORTERS = (Right.RECORD_DATA,)  # as every import page


class ImportCountsSerializer(serializers.Serializer[Any]):
    ok = serializers.BooleanField(help_text=_("True when every row was right and the file could be read."))
    dry_run = serializers.BooleanField()
    rows = serializers.IntegerField(help_text=_("Rows read."))
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    error_count = serializers.IntegerField(help_text=_("Problems found; nothing is written when there are any."))


class ImportProblemSerializer(serializers.Serializer[Any]):
    row = serializers.IntegerField(help_text=_("The row of the file, counting the header as row 1."))
    column = serializers.CharField(help_text=_("The column's header as in the file; empty for the whole row."))
    message = serializers.CharField()


class ImportJobSerializer(serializers.Serializer[Job]):
    """An import: what the upload gives (write-only fields) and the job it started (read-only fields)."""

    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(
        source="arguments.kind",
        choices=[(name, kind.label_en) for name, kind in KINDS.items()],
        help_text=_("What the file holds."),
    )
    organisation = serializers.IntegerField(
        source="arguments.organisation",
        required=False,
        help_text=_("The id of the organisation the records are for; needed when you record for more than one."),
    )
    file = serializers.FileField(
        write_only=True,
        help_text=_("Excel (.xlsx) or CSV, with the template's headers in English or Dutch."),
    )
    dry_run = serializers.BooleanField(
        source="arguments.dry_run", required=False, help_text=_("Only check the file: write nothing.")
    )
    correction_reason = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        help_text=_("Needed only for records in a half year whose figures are approved. Name no child."),
    )
    status = serializers.ChoiceField(choices=Job.Status.choices, read_only=True)
    progress_done = serializers.IntegerField(read_only=True)
    progress_total = serializers.IntegerField(read_only=True, allow_null=True)
    message = serializers.CharField(read_only=True, help_text=_("The outcome, once the import is over."))
    created_at = serializers.DateTimeField(read_only=True)
    started_at = serializers.DateTimeField(read_only=True, allow_null=True)
    finished_at = serializers.DateTimeField(read_only=True, allow_null=True)
    url = serializers.SerializerMethodField()
    result = serializers.SerializerMethodField(help_text=_("The counts, once the file was read; else null."))
    # The metaclass takes declared fields off the class: `Serializer.errors` is not shadowed.
    errors = serializers.SerializerMethodField(  # type: ignore[assignment]
        help_text=_("The first problems found (the import page has all).")
    )

    def get_url(self, job: Job) -> str:
        path = reverse("imports-detail", kwargs={"pk": job.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    @extend_schema_field(ImportCountsSerializer(allow_null=True))
    def get_result(self, job: Job) -> dict[str, Any] | None:
        if not job.is_finished or "rows" not in job.result:
            return None
        return ImportCountsSerializer({name: job.result.get(name, 0) for name in ImportCountsSerializer().fields}).data

    @extend_schema_field(ImportProblemSerializer(many=True))
    def get_errors(self, job: Job) -> list[dict[str, Any]]:
        if not job.is_finished:
            return []
        return list(ImportProblemSerializer(shown_errors(job), many=True).data)


def _messages(*fields: str) -> dict[str, serializers.Field]:  # type: ignore[type-arg]
    return {field: serializers.ListField(child=serializers.CharField(), required=False) for field in fields}


REFUSED_UPLOAD = inline_serializer(
    "ImportUploadRefused",
    fields={
        **_messages("kind", "organisation", "file", "dry_run", "correction_reason", "non_field_errors"),
        "detail": serializers.CharField(required=False),
    },
)
DETAIL = inline_serializer("ImportDetailMessage", fields={"detail": serializers.CharField()})


@extend_schema_view(
    list=extend_schema(
        summary="The caller's own imports, newest first",
        responses={200: ImportJobSerializer(many=True), 403: OpenApiResponse(DETAIL), 404: OpenApiResponse(DETAIL)},
    ),
    retrieve=extend_schema(
        summary="One of the caller's imports: progress, outcome and problems",
        responses={
            200: ImportJobSerializer,
            403: OpenApiResponse(DETAIL),
            404: OpenApiResponse(DETAIL, description=_("No such import, or another user's.")),
        },
    ),
    create=extend_schema(
        summary="Upload a file to import: starts the import job",
        request={"multipart/form-data": ImportJobSerializer},
        responses={
            202: OpenApiResponse(ImportJobSerializer, description=_("The file was received; follow the job.")),
            400: OpenApiResponse(REFUSED_UPLOAD, description=_("What is wrong, by field; nothing was written.")),
            403: OpenApiResponse(DETAIL),
            415: OpenApiResponse(DETAIL),
        },
    ),
)
class ImportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Imports of records from a spreadsheet, with the rights of the import pages."""

    read_rights = IMPORTERS
    write_rights = IMPORTERS
    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser]
    lookup_field = "pk"
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-pk"]

    def get_queryset(self) -> QuerySet[Job]:
        # Only the person who uploaded a file sees its import: its problems may quote the file.
        jobs = Job.objects.filter(owner=self.user, kind=IMPORT_JOB).order_by("-created_at", "-pk")
        if self.limit.is_limited:
            covered = self.limit.filter(Organisation.objects.all(), organisation_field="pk")
            jobs = jobs.filter(arguments__organisation__in=list(covered.values_list("pk", flat=True)))
        return jobs

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        organisations = self.writable_organisations()
        data = request.POST.copy()
        if not data.get("organisation") and organisations.count() == 1:
            only = organisations.first()
            data["organisation"] = str(only.pk) if only else ""
        form = ImportForm(data, request.FILES, organisations=organisations)
        if not form.is_valid():
            # The form's own checks, as on the page: the kind, the organisation, the file and its size.
            errors = {
                ("non_field_errors" if field == "__all__" else field): list(messages)
                for field, messages in form.errors.items()
            }
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        cleaned = form.cleaned_data
        upload = cleaned["file"]
        job = import_start(
            kind=cleaned["kind"],
            organisation=cleaned["organisation"],
            uploaded_by=self.user,
            data=upload.read(),
            file_name=upload.name or "",
            dry_run=cleaned["dry_run"],
            correction_reason=cleaned["correction_reason"],
        )
        job.refresh_from_db()  # it may have run already (in tests, at once)
        body = self.get_serializer(job).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


routes: Routes = [("imports", ImportViewSet, "imports")]
urlpatterns: list[URLPattern] = []
