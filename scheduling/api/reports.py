"""The reports over the staff API: JSON, or one CSV of every figure (`?format=csv` or `Accept: text/csv`).
Thin: the work is scheduling/reports/. Aggregates only, so no read of patient data is logged."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduling import clinic_time, reports
from scheduling.api import report_serializers as shapes
from scheduling.api.caching import NeverCached
from scheduling.api.permissions import StaffMay
from scheduling.api.schema import INVALID, STAFF_ONLY
from scheduling.api.serializers import ErrorResponse
from scheduling.reports.tables import csv_text

VIEW_REPORTS = "scheduling.view_reports"


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data.encode(self.charset) if isinstance(data, str) else data


class ReportView(NeverCached, APIView):
    """Utilisation, no-shows, late cancellations, cancellations by reason, lead time and the waitlist's fill
    rate for a range of days and one practitioner or everyone the caller may see."""

    renderer_classes = [JSONRenderer, CSVRenderer]

    def get_permissions(self):
        return [StaffMay(VIEW_REPORTS)]

    def perform_content_negotiation(self, request, force=False):
        if request.query_params.get("format", None) == "":  # DRF reads `?format=` as no format at all
            raise ValidationError({"format": ["One of json, csv."]})
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:  # DRF's answer to a `?format=` no renderer has
            raise ValidationError({"format": ["One of json, csv."]}) from None

    def handle_exception(self, exc):
        # Errors are JSON whatever was asked for: a CSV of an error message helps nobody.
        self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return super().handle_exception(exc)

    @extend_schema(
        summary="Reports: utilisation, no-shows, cancellations, lead time, waitlist fill rate (JSON or CSV)",
        operation_id="reports",
        parameters=[
            shapes.ReportQuery,
            OpenApiParameter(
                "format",
                str,
                OpenApiParameter.QUERY,
                required=False,
                enum=["json", "csv"],
                description="`csv`: one CSV of every figure (figure, date, item, measure, value). Default: JSON.",
            ),
        ],
        responses={
            (200, "application/json"): shapes.Report,
            (200, "text/csv"): OpenApiTypes.STR,
            400: INVALID,
            401: STAFF_ONLY,
            403: OpenApiResponse(ErrorResponse, description="This needs the permission to see the reports."),
        },
    )
    def get(self, request):
        query = shapes.ReportQuery(
            data=request.query_params, context={"user": request.user, "read_elsewhere": ["format"]}
        )
        query.is_valid(raise_exception=True)
        asked = query.validated_data
        report = reports.report(
            asked["first_day"],
            asked["last_day"],
            asked["practitioners"],
            chosen=asked["practitioner"],
            now=clinic_time.now(),
        )
        if request.accepted_renderer.format == CSVRenderer.format:
            name = f"report-{report.first_day}-{report.last_day}-{report.practitioner or 'everyone'}.csv"
            return Response(csv_text(report), headers={"Content-Disposition": f'attachment; filename="{name}"'})
        return Response(shapes.Report(report).data)
