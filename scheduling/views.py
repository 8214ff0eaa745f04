"""Thin viewsets: parse with a serializer, call one domain function, serialise the answer."""

from __future__ import annotations

import re

from django.db.models import QuerySet
from django.http import JsonResponse
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from scheduling import booking as bookings
from scheduling import serializers as api
from scheduling.availability_response import availability_payload
from scheduling.idempotency import PARAMETER as IDEMPOTENCY_KEY
from scheduling.idempotency import idempotent
from scheduling.models import AppointmentType, Booking, Practitioner

INVALID = OpenApiResponse(api.ErrorResponse, description="The request names a field that is wrong, and why.")
TAKEN = OpenApiResponse(api.ErrorResponse, description="The time is taken or no longer available.")
NOT_FOUND = OpenApiResponse(api.ErrorResponse, description="No such booking, or the manage token is wrong.")
KEY_REUSED = OpenApiResponse(api.ErrorResponse, description="The Idempotency-Key was used with another body.")
THROTTLED = OpenApiResponse(api.ErrorResponse, description="Too many requests; retry after `Retry-After` seconds.")
MANAGE_TOKEN = [
    OpenApiParameter("token", str, OpenApiParameter.QUERY, required=False, description="The booking's manage token."),
    OpenApiParameter(
        "X-Manage-Token", str, OpenApiParameter.HEADER, required=False, description="The manage token, as a header."
    ),
]


def healthz(request):
    """Liveness without touching the database, so a busy database does not restart healthy workers."""
    return JsonResponse({"status": "ok"})


class AvailabilityViewSet(viewsets.GenericViewSet):
    serializer_class = api.AvailabilityQuery

    @extend_schema(
        summary="Free slots for one day or a range of days",
        parameters=[api.AvailabilityQuery],
        responses={
            200: PolymorphicProxySerializer(
                component_name="AvailabilityResult",
                serializers=[api.Availability, api.AvailabilityRange],
                resource_type_field_name=None,
            ),
            400: INVALID,
        },
    )
    def list(self, request):
        query = self.get_serializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(availability_payload(**query.validated_data, now=timezone.now()))


class BookViewSet(viewsets.GenericViewSet):
    serializer_class = api.BookingRequest
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "booking"

    @extend_schema(
        summary="Book a slot",
        parameters=[IDEMPOTENCY_KEY],
        responses={200: api.BookingConfirmation, 400: INVALID, 409: TAKEN, 422: KEY_REUSED, 429: THROTTLED},
    )
    def create(self, request):
        return idempotent(request, "book", lambda: self._book(request))

    def _book(self, request):
        requested = self.get_serializer(data=request.data)
        requested.is_valid(raise_exception=True)
        data = requested.validated_data
        booking, token = bookings.book(
            appointment_type=data["appointment_type"],
            day=data["date"],
            start_time=data["start_time"],
            practitioner=data.get("practitioner"),
            patient=bookings.Patient.named_in(data),
        )
        context = {"request": request, "manage_token": token}
        return Response(api.BookingConfirmation(booking, context=context).data)


MISSING = OpenApiResponse(api.ErrorResponse, description="No such object.")
STAFF_ONLY = OpenApiResponse(api.ErrorResponse, description="A staff login (token or session) is required.")


@extend_schema_view(retrieve=extend_schema(responses={200: api.AppointmentTypeSummary, 404: MISSING}))
class AppointmentTypeViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = AppointmentType.objects.filter(is_active=True)
    serializer_class = api.AppointmentTypeSummary
    lookup_field = "slug"
    pagination_class = None


@extend_schema_view(retrieve=extend_schema(responses={200: api.PractitionerSummary, 404: MISSING}))
class PractitionerViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Practitioner.objects.filter(is_active=True).prefetch_related("appointment_types")
    serializer_class = api.PractitionerSummary
    lookup_field = "slug"
    pagination_class = None


class BookingPage(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    # DRF quietly falls back to defaults on a bad page or page_size; a client sending one should hear it.
    def get_page_size(self, request):
        return _whole_number(request, self.page_size_query_param, self.page_size, most=self.max_page_size)

    def get_page_number(self, request, paginator):
        return _whole_number(request, self.page_query_param, 1)


WHOLE_NUMBER = re.compile(r"[0-9]{1,10}")


def _whole_number(request, name: str, default: int, most: int | None = None) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    # ASCII digits only: str.isdigit() also accepts "²" and "٣"; ten digits is past any real page.
    if not WHOLE_NUMBER.fullmatch(raw) or int(raw) < 1 or (most and int(raw) > most):
        limit = f" from 1 to {most}" if most else " of 1 or more"
        raise ValidationError({name: [f"Give a whole number{limit}."]})
    return int(raw)


class BookingViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Staff list bookings; a patient holding the manage token sees, cancels or moves their own."""

    serializer_class = api.BookingDetail
    lookup_field = "reference"
    lookup_url_kwarg = "booking_id"
    lookup_value_regex = "[^/]+"
    pagination_class = BookingPage
    throttle_scope = "manage"

    def get_permissions(self):
        # IsAdminUser means is_staff: the clinic's desk, not only superusers.
        return [permissions.IsAdminUser()] if self.action == "list" else [permissions.AllowAny()]

    def get_throttles(self):
        return [] if self.action == "list" else [ScopedRateThrottle()]

    def get_queryset(self) -> QuerySet[Booking]:
        return Booking.objects.select_related("appointment_type", "practitioner")

    def get_object(self) -> Booking:
        """The booking, if the caller is staff or holds its manage token; otherwise 404 either way."""
        found = self.get_queryset().filter(reference=self.kwargs["booking_id"]).first()
        token = self.request.headers.get("X-Manage-Token") or self.request.query_params.get("token", "")
        staff = self.request.user and self.request.user.is_staff
        if found is None or not (staff or found.accepts_manage_token(token)):
            raise NotFound("No booking with this reference and token.")
        return found

    def _change_once(self, request, kind: str, change) -> Response:
        """Apply `change` to the caller's booking; a retry with the same Idempotency-Key replays it."""
        booking = self.get_object()  # the token is checked before any replay
        return idempotent(request, f"{kind}:{booking.reference}", lambda: change(request, booking))

    def _cancelled_by(self) -> str:
        return Booking.CancelledBy.STAFF if self.request.user.is_staff else Booking.CancelledBy.PATIENT

    @extend_schema(
        summary="Bookings for staff",
        parameters=[api.BookingListQuery],
        responses={200: api.BookingDetail(many=True), 400: INVALID, 401: STAFF_ONLY, 403: STAFF_ONLY, 404: MISSING},
    )
    def list(self, request):
        query = api.BookingListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        bookings_found = self.get_queryset().matching(**query.validated_data, tz=timezone.get_current_timezone())
        page = self.paginate_queryset(bookings_found)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="One booking (patient with manage token, or staff)",
        parameters=MANAGE_TOKEN,
        responses={200: api.BookingDetail, 404: NOT_FOUND, 429: THROTTLED},
    )
    def retrieve(self, request, booking_id=None):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Cancel a booking and free its time",
        parameters=[*MANAGE_TOKEN, IDEMPOTENCY_KEY],
        request=api.CancelRequest,
        responses={200: api.BookingDetail, 400: INVALID, 404: NOT_FOUND, 422: KEY_REUSED, 429: THROTTLED},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, booking_id=None):
        return self._change_once(request, "cancel", self._cancel)

    def _cancel(self, request, booking):
        cancellation = api.CancelRequest(data=request.data)
        cancellation.is_valid(raise_exception=True)
        bookings.cancel(booking, by=self._cancelled_by(), reason=cancellation.validated_data["reason"])
        return Response(self.get_serializer(booking).data)

    @extend_schema(
        summary="Move a booking to another free slot",
        parameters=[*MANAGE_TOKEN, IDEMPOTENCY_KEY],
        request=api.RescheduleRequest,
        responses={
            200: api.BookingDetail,
            400: INVALID,
            404: NOT_FOUND,
            409: TAKEN,
            422: KEY_REUSED,
            429: THROTTLED,
        },
    )
    @action(detail=True, methods=["post"])
    def reschedule(self, request, booking_id=None):
        return self._change_once(request, "reschedule", self._reschedule)

    def _reschedule(self, request, booking):
        move = api.RescheduleRequest(data=request.data)
        move.is_valid(raise_exception=True)
        moved = bookings.reschedule(
            booking,
            day=move.validated_data["date"],
            start_time=move.validated_data["start_time"],
            practitioner=move.validated_data.get("practitioner"),
        )
        return Response(self.get_serializer(moved).data)
