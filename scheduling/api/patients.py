"""Staff find patients' records, read one with its history, and merge or unmerge two. Only the records the
caller reaches (scheduling/roles.py) exist for them; every record shown is recorded as read."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from scheduling import access_log, clinic_time, patients, roles
from scheduling.api.caching import NeverCached
from scheduling.api.pagination import BookingPagination
from scheduling.api.patient_serializers import MergeRequest, PatientListQuery, PatientRecord, PatientSummary
from scheduling.api.permissions import StaffMay
from scheduling.api.schema import INVALID, MISSING, STAFF_ONLY
from scheduling.api.serializers import ErrorResponse
from scheduling.models import Patient
from scheduling.rules import BookingRuleBroken

VIEW_PATIENTS = "scheduling.view_patient"
MERGE_PATIENTS = "scheduling.merge_patient"

MERGE_REFUSED = OpenApiResponse(
    ErrorResponse,
    description="`into` is unknown, this record itself, merged into another or erased; or this record is already "
    "merged or erased (`errors.into` says which).",
)
UNMERGE_REFUSED = OpenApiResponse(
    ErrorResponse,
    description="The merge is older than `PATIENT_UNMERGE_DAYS` (`unmerge_window_passed`), was undone meanwhile "
    "(`already_undone`), or a later merge moved the records on (`merged_again`: undo that one first).",
)
MERGED_MEANWHILE = OpenApiResponse(
    ErrorResponse, description="Another merge took this record meanwhile (`booking_changed`); nothing was merged."
)
NOT_MERGED = OpenApiResponse(ErrorResponse, description="The record is not merged into another (`not_merged`).")


class PatientViewSet(NeverCached, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = PatientRecord
    lookup_field = "reference"
    lookup_url_kwarg = "patient_id"
    # Any reference: the privacy endpoints (/patients/{ref}/export, /erase) are paths of their own.
    lookup_value_regex = "[^/]+"
    pagination_class = BookingPagination
    PERMISSIONS = {"list": VIEW_PATIENTS, "retrieve": VIEW_PATIENTS, "merge": MERGE_PATIENTS, "unmerge": MERGE_PATIENTS}

    def get_permissions(self):
        return [StaffMay(self.PERMISSIONS.get(self.action, VIEW_PATIENTS))]

    def get_queryset(self) -> QuerySet[Patient]:
        return roles.patients_reached(self.request.user, Patient.objects.select_related("merged_into"))

    def _answer(self, patient: Patient, action: str) -> Response:
        access_log.record_patient_reads(self.request, [patient], action=action, channel=access_log.Channel.API)
        return Response(PatientRecord(patient, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Find patients' records (staff)",
        parameters=[PatientListQuery],
        responses={200: PatientSummary(many=True), 400: INVALID, 401: STAFF_ONLY, 403: STAFF_ONLY, 404: MISSING},
    )
    def list(self, request):
        query = PatientListQuery(data=request.query_params, context={"read_elsewhere": self.paginator.query_parameters})
        query.is_valid(raise_exception=True)
        page = self.paginate_queryset(self.get_queryset().matching(**query.validated_data))
        access_log.record_patient_reads(request, page, action=access_log.Action.LISTED, channel=access_log.Channel.API)
        return self.get_paginated_response(PatientSummary(page, many=True).data)

    @extend_schema(
        summary="A patient's record with every booking, its counts and sections (staff)",
        responses={200: PatientRecord, 401: STAFF_ONLY, 403: STAFF_ONLY, 404: MISSING},
    )
    def retrieve(self, request, patient_id=None):
        return self._answer(self.get_object(), access_log.Action.VIEWED)

    @extend_schema(
        summary="Merge this record into another of the same person (staff)",
        request=MergeRequest,
        responses={
            200: PatientRecord,
            400: MERGE_REFUSED,
            401: STAFF_ONLY,
            403: STAFF_ONLY,
            404: MISSING,
            409: MERGED_MEANWHILE,
        },
    )
    @action(detail=True, methods=["post"])
    def merge(self, request, patient_id=None):
        merged = self.get_object()
        body = MergeRequest(data=request.data)
        body.is_valid(raise_exception=True)
        into = self.get_queryset().filter(reference=body.validated_data["into"]).first()
        if into is None:  # outside the caller's reach is unknown too
            raise BookingRuleBroken("No patient with this reference.", field="into", code="unknown_patient")
        patients.merge(merged, into, by=request.user.get_username(), now=clinic_time.now())
        return self._answer(Patient.objects.select_related("merged_into").get(pk=merged.pk), access_log.Action.MERGED)

    @extend_schema(
        summary="Undo the latest merge of this record into another (staff)",
        request=None,
        responses={
            200: PatientRecord,
            400: NOT_MERGED,
            401: STAFF_ONLY,
            403: STAFF_ONLY,
            404: MISSING,
            409: UNMERGE_REFUSED,
        },
    )
    @action(detail=True, methods=["post"])
    def unmerge(self, request, patient_id=None):
        merged = self.get_object()
        patients.unmerge(merged, by=request.user.get_username(), now=clinic_time.now())
        return self._answer(Patient.objects.select_related("merged_into").get(pk=merged.pk), access_log.Action.MERGED)
