"""Privacy requests over the staff API: a patient's export (JSON, or a FHIR R4 Bundle with `?format=fhir`)
and their erasure (a dry run first). Thin: the work is scheduling/privacy/."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduling import access_log, roles
from scheduling.api import privacy_serializers as shapes
from scheduling.api.caching import NeverCached
from scheduling.api.permissions import StaffMay
from scheduling.api.schema import INVALID, MISSING, STAFF_ONLY
from scheduling.api.serializers import ErrorResponse
from scheduling.models import Patient
from scheduling.privacy import erasure, export

EXPORT = "scheduling.export_patient"
ERASE = "scheduling.erase_patient"


class FhirJSONRenderer(JSONRenderer):
    """FHIR's own JSON media type; chosen with `?format=fhir` (or `Accept: application/fhir+json`)."""

    media_type = "application/fhir+json"
    format = "fhir"


class ErasureConflict(APIException):
    status_code = status.HTTP_409_CONFLICT


def reached_patient(request, reference: str) -> Patient:
    """The patient `reference` names, if the caller reaches them; 404 otherwise, whether or not it exists."""
    return get_object_or_404(roles.patients_reached(request.user), reference=reference)


class PatientExportView(NeverCached, APIView):
    """Everything the clinic holds about a patient, for a request of theirs: JSON by default, a FHIR R4
    Bundle with `?format=fhir` (or `Accept: application/fhir+json`). Each export is one access-log row."""

    renderer_classes = [JSONRenderer, FhirJSONRenderer]

    def get_permissions(self):
        return [StaffMay(EXPORT)]

    @extend_schema(
        summary="Everything the clinic holds about a patient (JSON, or a FHIR R4 Bundle)",
        operation_id="patients_export",
        parameters=[
            OpenApiParameter(
                "format",
                str,
                OpenApiParameter.QUERY,
                required=False,
                enum=["json", "fhir"],
                description="`fhir`: a FHIR R4 Bundle (type `collection`) of the Patient and one Appointment per "
                "booking, as `application/fhir+json`. Default: the JSON below.",
            )
        ],
        responses={
            (200, "application/json"): shapes.PatientExport,
            (200, "application/fhir+json"): OpenApiTypes.OBJECT,
            401: STAFF_ONLY,
            403: OpenApiResponse(ErrorResponse, description="This needs the permission to export patients' data."),
            404: MISSING,
        },
    )
    def get(self, request, patient_id: str):
        patient = reached_patient(request, patient_id)
        if request.accepted_renderer.format == FhirJSONRenderer.format:
            body = export.fhir_bundle(patient)
        else:
            body = export.patient_export(patient)
        access_log.record_patient_reads(
            request, [patient], action=access_log.Action.EXPORTED, channel=access_log.Channel.API
        )
        return Response(body)


class PatientErasureView(NeverCached, APIView):
    """Erase a patient's data: a dry run counts what it would blank, cancel and revoke; the real one, within
    10 minutes of a dry run, does it in one transaction and keeps the appointments for the retention period."""

    def get_permissions(self):
        return [StaffMay(ERASE)]

    @extend_schema(
        summary="Erase a patient's data (a dry run first)",
        operation_id="patients_erase",
        request=shapes.ErasureRequest,
        responses={
            200: shapes.ErasureAnswer,
            400: INVALID,
            401: STAFF_ONLY,
            403: OpenApiResponse(ErrorResponse, description="This needs the permission to erase patients' data."),
            404: MISSING,
            409: OpenApiResponse(
                ErrorResponse,
                description="`dry_run_required`: no dry run of this patient in the last 10 minutes; "
                "`booking_in_progress`: a booking of theirs is checked in today; `already_erased`; "
                "`merged_record`: erase the record it was merged into.",
            ),
        },
    )
    def post(self, request, patient_id: str):
        asked = shapes.ErasureRequest(data=request.data)
        asked.is_valid(raise_exception=True)
        patient = reached_patient(request, patient_id)
        by, reason = erasure.Eraser.staff(request), asked.validated_data["reason"]
        dry_run = asked.validated_data["dry_run"]
        try:
            if dry_run:
                counts = erasure.dry_run(patient, by=by, reason=reason)
            else:
                counts = erasure.erase(patient, by=by, reason=reason)
        except erasure.ErasureRefused as refused:
            raise ErasureConflict(refused.message, refused.code) from None
        return Response(shapes.ErasureAnswer({"patient": patient.reference, "dry_run": dry_run, "counts": counts}).data)
