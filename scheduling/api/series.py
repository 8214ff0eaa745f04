"""Courses of treatment: preview a weekly course, book it, and its patient or staff see and cancel it.

Preview and booking are public like availability and `POST /book` (staff book any type, up to 52 weeks
ahead); a course opens for staff whose role reaches its patient, or with the course's manage token.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from clinic_project.clients import ClientRateThrottle
from scheduling import access_log, roles
from scheduling.api import series_serializers as shapes
from scheduling.api.caching import NeverCached
from scheduling.api.idempotency import PARAMETER as IDEMPOTENCY_KEY
from scheduling.api.idempotency import idempotent
from scheduling.api.permissions import CHANGE_BOOKINGS, VIEW_BOOKINGS, actor, manage_token, staff_may
from scheduling.api.schema import COURSE_MANAGE_TOKEN, INVALID, KEY_REUSED, THROTTLED
from scheduling.api.serializers import ErrorResponse
from scheduling.bookings import PATIENT, PatientDetails
from scheduling.bookings.series import book_course, cancel_course, opened_by, preview
from scheduling.models import BookingSeries

REFUSED = OpenApiResponse(
    shapes.CourseRefusal,
    description="`series_conflict`: nothing was booked. Under `fail`, a date cannot be booked; under `skip` or "
    "`extend`, none can. `occurrences` reports every date as the preview does.",
)
NO_COURSE = OpenApiResponse(ErrorResponse, description="No such course, or the manage token is wrong.")


class SeriesViewSet(NeverCached, viewsets.GenericViewSet):
    """`/series`: courses of treatment. Every visit is an ordinary booking, moved or cancelled through
    `/bookings/{booking_id}` on its own."""

    serializer_class = shapes.CourseBookingRequest
    lookup_field = "reference"
    lookup_url_kwarg = "series_id"
    lookup_value_regex = "[^/]+"
    throttle_classes = [ClientRateThrottle]
    # Asking for a course costs what booking does; opening one is a patient's manage link.
    THROTTLE_SCOPES = {"create": "booking", "preview": "booking", "retrieve": "manage", "cancel": "manage"}
    # The permission staff need to open a course as staff (else they need its manage token, as a patient).
    STAFF_PERMISSIONS = {"retrieve": VIEW_BOOKINGS, "cancel": CHANGE_BOOKINGS}

    # Whether get_object opened the course as staff reaching its patient (else as its patient, with the token).
    opened_as_staff = False

    def get_throttles(self):
        self.throttle_scope = self.THROTTLE_SCOPES.get(self.action, "booking")
        return super().get_throttles()

    def get_object(self) -> BookingSeries:
        reference, token = self.kwargs["series_id"], manage_token(self.request)
        staff = staff_may(self.request, self.STAFF_PERMISSIONS[self.action])
        found = opened_by(reference, token, staff=staff)
        if found is not None and staff and not self.request.user.has_perm(roles.REACH_PATIENT, found.patient):
            staff, found = False, opened_by(reference, token)  # another practitioner's patient: the token only
        if found is None:
            raise NotFound("No course with this reference and token.")
        self.opened_as_staff = staff
        return found

    @extend_schema(
        summary="Preview a course of treatment: each date and whether it can be booked (writes nothing)",
        request=shapes.CoursePlanRequest,
        responses={200: shapes.CoursePreview, 400: INVALID, 429: THROTTLED},
    )
    @action(detail=False, methods=["post"], serializer_class=shapes.CoursePlanRequest)
    def preview(self, request):
        plan = self.get_serializer(data=request.data)
        plan.is_valid(raise_exception=True)
        reports = preview(shapes.course_plan(plan.validated_data), by=actor(request))
        return Response(shapes.CoursePreview({"occurrences": reports}).data)

    @extend_schema(
        summary="Book a course of treatment",
        parameters=[IDEMPOTENCY_KEY],
        responses={201: shapes.CourseBooked, 400: INVALID, 409: REFUSED, 422: KEY_REUSED, 429: THROTTLED},
    )
    def create(self, request):
        return idempotent(request, "series", lambda: self._book(request))

    def _book(self, request):
        asked = self.get_serializer(data=request.data)
        asked.is_valid(raise_exception=True)
        data = asked.validated_data
        series, reports, token = book_course(
            shapes.course_plan(data), patient=PatientDetails.named_in(data), by=actor(request)
        )
        booked = {"series": series, "manage_token": token, "occurrences": reports}
        return Response(shapes.CourseBooked(booked, context={"request": request}).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="A course of treatment and its visits (patient with the course's manage token, or staff)",
        parameters=COURSE_MANAGE_TOKEN,
        responses={200: shapes.CourseDetail, 404: NO_COURSE, 429: THROTTLED},
    )
    def retrieve(self, request, series_id=None):
        return self._shown(self.get_object(), shapes.CourseDetail)

    @extend_schema(
        summary="Cancel a course's visits from one on (patient with the course's manage token, or staff)",
        description="Cancels the visit numbered `from_index` and every one after it (all, without it) that is "
        "still to come, in one transaction; visits that have passed, started, are checked in or completed are "
        "never touched. A patient's visits inside the type's cutoff are kept (`kept`, with why); staff may "
        "cancel those. When no visit is left to come, the course is cancelled.",
        parameters=[*COURSE_MANAGE_TOKEN, IDEMPOTENCY_KEY],
        request=shapes.CourseCancelRequest,
        responses={200: shapes.CourseCancelled, 400: INVALID, 404: NO_COURSE, 422: KEY_REUSED, 429: THROTTLED},
    )
    @action(detail=True, methods=["post"], serializer_class=shapes.CourseCancelRequest)
    def cancel(self, request, series_id=None):
        series = self.get_object()  # the token is checked before any replay
        return idempotent(request, f"series-cancel:{series.reference}", lambda: self._cancel(request, series))

    def _cancel(self, request, series: BookingSeries):
        asked = self.get_serializer(data=request.data)
        asked.is_valid(raise_exception=True)
        cancelled, kept = cancel_course(
            series,
            from_index=asked.validated_data.get("from_index"),
            reason=asked.validated_data["reason"],
            by=actor(request) if self.opened_as_staff else PATIENT,
        )
        series.refresh_from_db(fields=["status", "cancelled_at"])
        return self._shown(series, shapes.CourseCancelled, cancelled=cancelled, kept=kept)

    def _shown(self, series: BookingSeries, shape, **context) -> Response:
        """The course as the answer; staff were shown its patient's visits (a patient's own are not logged)."""
        visits = list(series.bookings.select_related("practitioner").order_by("series_index"))
        if self.opened_as_staff:
            access_log.record_staff_reads(
                self.request, visits, action=access_log.Action.VIEWED, channel=access_log.Channel.API
            )
        return Response(shape(series, context={"visits": visits, **context}).data)
