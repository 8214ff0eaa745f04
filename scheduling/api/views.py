"""Thin viewsets: parse with a serializer, call one domain function, serialise the answer."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse, JsonResponse
from django.utils.cache import patch_vary_headers
from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from clinic_project.clients import ClientRateThrottle, client_address
from clinic_project.errors import error_body
from scheduling import access_log, bookings, clinic_time, roles, tokens
from scheduling.api import availability_query, serializers
from scheduling.api.availability import availability_json
from scheduling.api.caching import NeverCached
from scheduling.api.idempotency import PARAMETER as IDEMPOTENCY_KEY
from scheduling.api.idempotency import idempotent
from scheduling.api.pagination import BookingPagination
from scheduling.api.permissions import CHANGE_BOOKINGS, VIEW_BOOKINGS, StaffMay, actor, manage_token, staff_may
from scheduling.api.schema import (
    CHANGED,
    EXPIRED,
    INVALID,
    KEY_REUSED,
    MANAGE_TOKEN,
    MISSING,
    NOT_FOUND,
    STAFF_ONLY,
    TAKEN,
    THROTTLED,
    front_desk_schema,
    patient_change_schema,
)
from scheduling.models import AppointmentType, Booking, BookingEvent, Practitioner, ResourceClaim
from scheduling.patients import privacy_requests
from scheduling.reference import reference_data
from scheduling.rules import HoldNotFound

# What the JSON renderer answers to: a plain Accept (no parameters such as `indent`) naming one of these.
JSON_ACCEPTED = frozenset({"*/*", "application/*", "application/json"})


class AvailabilityViewSet(viewsets.GenericViewSet):
    """Free time only: never who booked it."""

    serializer_class = serializers.AvailabilityQuery

    def dispatch(self, request, *args, **kwargs):
        """The common request (a valid query, no credentials, JSON wanted) is answered before DRF's request
        handling, which costs more than the cached answer itself; the response is the one `list` gives."""
        query = self._plain_query(request)
        if query is None:
            return super().dispatch(request, *args, **kwargs)
        response = HttpResponse(availability_json(**query, now=clinic_time.now()), content_type="application/json")
        response["Allow"] = self.default_response_headers["Allow"]
        patch_vary_headers(response, ("Cookie",))  # as DRF's session authentication leaves it
        return response

    def _plain_query(self, request) -> dict | None:
        accept = request.META.get("HTTP_ACCEPT")
        if (
            request.method != "GET"
            or "HTTP_AUTHORIZATION" in request.META  # a credential is checked, and a wrong one refused
            or (accept is not None and (";" in accept or JSON_ACCEPTED.isdisjoint(map(str.strip, accept.split(",")))))
            or "format" in request.GET
        ):
            return None
        query = availability_query.parse(request.GET, clinic_time.now())
        practitioner = query and query.get("practitioner")
        if query is None or (practitioner and not reference_data().offers(practitioner, query["appointment_type"])):
            return None  # the serializer or the rules say what is wrong
        return query

    @extend_schema(
        summary="Free slots for one day or a range of days",
        parameters=[serializers.AvailabilityQuery],
        responses={
            200: PolymorphicProxySerializer(
                component_name="AvailabilityResult",
                serializers=[serializers.Availability, serializers.AvailabilityRange],
                resource_type_field_name=None,
                many=False,  # one object (a day, or a range of days), though the route is a list route
            ),
            400: INVALID,
        },
    )
    def list(self, request):
        query = self.get_serializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        answer = availability_json(**query.validated_data, now=clinic_time.now())
        return HttpResponse(answer, content_type="application/json")


class NewBookingViewSet(NeverCached, viewsets.GenericViewSet):
    """`POST /book`: a new booking of a free slot, or of a hold the patient took."""

    serializer_class = serializers.BookingRequest
    throttle_classes = [ClientRateThrottle]
    throttle_scope = "booking"

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "staff": staff_may(self.request, CHANGE_BOOKINGS)}

    @extend_schema(
        summary="Book a slot, or confirm a hold",
        parameters=[IDEMPOTENCY_KEY],
        request=PolymorphicProxySerializer(
            component_name="BookRequest",
            serializers=[serializers.BookingRequest, serializers.HeldBookingRequest],
            resource_type_field_name=None,
        ),
        responses={200: serializers.BookingConfirmation, 400: INVALID, 409: TAKEN, 422: KEY_REUSED, 429: THROTTLED},
    )
    def create(self, request):
        return idempotent(request, "book", lambda: self._book(request))

    def _book(self, request):
        if isinstance(request.data, dict) and "hold_id" in request.data:
            return self._confirm_hold(request)
        requested = self.get_serializer(data=request.data)
        requested.is_valid(raise_exception=True)
        data = requested.validated_data
        booking, token = bookings.book(
            serializers.requested_slot(data),
            patient=bookings.PatientDetails.named_in(data),
            by=actor(request),
            resources=data.get("resources"),
        )
        return self._confirmation(request, booking, token)

    def _confirm_hold(self, request):
        confirmation = serializers.HeldBookingRequest(data=request.data, context=self.get_serializer_context())
        confirmation.is_valid(raise_exception=True)
        data = confirmation.validated_data
        booking, token = bookings.confirm_hold(
            bookings.find_hold(data["hold_id"]), patient=bookings.PatientDetails.named_in(data), by=actor(request)
        )
        return self._confirmation(request, booking, token)

    def _confirmation(self, request, booking, token):
        context = {"request": request, "manage_token": token}
        return Response(serializers.BookingConfirmation(booking, context=context).data)


class HoldViewSet(NeverCached, viewsets.GenericViewSet):
    """A patient keeps a slot while typing their details; the time is offered to nobody else meanwhile.

    The hold's id is a secret that confirms or releases it, so it is sent in request bodies only: a path
    ends up in logs (ours, a proxy's), and whoever reads one must not be able to act on the hold.
    """

    serializer_class = serializers.HoldRequest
    throttle_classes = [ClientRateThrottle]
    throttle_scope = "hold"

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "staff": staff_may(self.request, CHANGE_BOOKINGS)}

    @extend_schema(
        summary="Hold a slot for a few minutes",
        parameters=[IDEMPOTENCY_KEY],
        responses={201: serializers.Hold, 400: INVALID, 409: TAKEN, 422: KEY_REUSED, 429: THROTTLED},
    )
    def create(self, request):
        return idempotent(request, "hold", lambda: self._hold(request))

    def _hold(self, request):
        requested = self.get_serializer(data=request.data)
        requested.is_valid(raise_exception=True)
        data = requested.validated_data
        holder = tokens.holder_key(client_address(request))
        held, hold_id = bookings.hold(
            serializers.requested_slot(data), holder=holder, by=actor(request), resources=data.get("resources")
        )
        held_data = serializers.Hold(held, context={"hold_id": hold_id}).data
        return Response(held_data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Let a held slot go",
        request=serializers.HoldRelease,
        responses={
            204: None,
            400: INVALID,
            404: OpenApiResponse(serializers.ErrorResponse, description="No live hold."),
            429: THROTTLED,
        },
    )
    @action(detail=False, methods=["post"], serializer_class=serializers.HoldRelease)
    def release(self, request):
        released = self.get_serializer(data=request.data)
        released.is_valid(raise_exception=True)
        try:
            bookings.release_hold(bookings.find_hold(released.validated_data["hold_id"]), by=actor(request))
        except HoldNotFound as missing:
            raise NotFound(missing.message) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


def hold_id_in_path(request, hold_id):
    """`/holds/{hold_id}`, the address hold ids had before they left URLs: gone, whatever the id, and saying
    where the id goes now. Nothing is looked up, so an id read from an old log opens nothing."""
    detail = 'Hold ids are no longer sent in URLs: send {"hold_id": …} to POST /api/calendly/holds/release.'
    return JsonResponse(error_body(detail, "gone", {"hold_id": [detail]}), status=status.HTTP_410_GONE)


@extend_schema_view(retrieve=extend_schema(responses={200: serializers.AppointmentTypeSummary, 404: MISSING}))
class AppointmentTypeViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = AppointmentType.objects.filter(is_active=True).prefetch_related("intake_questions")
    serializer_class = serializers.AppointmentTypeSummary
    lookup_field = "slug"
    pagination_class = None


@extend_schema_view(retrieve=extend_schema(responses={200: serializers.PractitionerSummary, 404: MISSING}))
class PractitionerViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Practitioner.objects.filter(is_active=True).prefetch_related("appointment_types")
    serializer_class = serializers.PractitionerSummary
    lookup_field = "slug"
    pagination_class = None


class BookingViewSet(NeverCached, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Staff list bookings and follow the front desk; a patient holding the manage token sees, cancels or
    moves their own. Every booking shown to staff is recorded as read. Staff who do not see every
    practitioner's bookings reach their own practitioner's only: another's is not found (scheduling/roles.py),
    unless they hold its manage token, and then they are its patient."""

    serializer_class = serializers.BookingDetail
    lookup_field = "reference"
    lookup_url_kwarg = "booking_id"
    lookup_value_regex = "[^/]+"
    pagination_class = BookingPagination
    throttle_scope = "manage"
    STAFF_ACTIONS = ("list", "events", "check_in", "complete", "no_show")
    # The model permission each action asks of staff, as the admin asks it: to read, or to act. The other
    # actions are also the patient's, with the manage token; staff without the permission need it too.
    STAFF_PERMISSIONS = {
        "list": VIEW_BOOKINGS,
        "retrieve": VIEW_BOOKINGS,
        "events": VIEW_BOOKINGS,
        "check_in": CHANGE_BOOKINGS,
        "complete": CHANGE_BOOKINGS,
        "no_show": CHANGE_BOOKINGS,
        "cancel": CHANGE_BOOKINGS,
        "reschedule": CHANGE_BOOKINGS,
    }

    def get_permissions(self):
        if self.action in self.STAFF_ACTIONS:
            return [StaffMay(self.STAFF_PERMISSIONS[self.action])]
        return super().get_permissions()

    def _as_staff(self) -> bool:
        return staff_may(self.request, self.STAFF_PERMISSIONS.get(self.action, VIEW_BOOKINGS))

    def get_throttles(self):
        return [] if self.action in self.STAFF_ACTIONS else [ClientRateThrottle()]

    # Whether get_object opened the booking as staff reaching it (else as its patient, with the token).
    opened_as_staff = False

    def get_queryset(self) -> QuerySet[Booking]:
        claims = ResourceClaim.objects.select_related("pool", "resource").order_by("pool__slug", "resource__slug")
        found = Booking.objects.select_related("appointment_type", "practitioner", "patient", "session", "series")
        return roles.bookings_reached(self.request.user, found.prefetch_related(Prefetch("resource_claims", claims)))

    def get_object(self) -> Booking:
        """The booking, if the caller is staff reaching it or holds its manage token; otherwise 404 either way
        (410 for the right token once its link has expired).

        Holds are not bookings yet: they are found through `/holds` only.
        """
        reference, token = self.kwargs["booking_id"], manage_token(self.request)
        staff = self._as_staff()
        found = Booking.objects.opened_by(reference, token, staff=staff)
        if found is not None and staff and not self.request.user.has_perm(roles.REACH_BOOKING, found):
            # Another practitioner's booking: the front desk's actions are not found, the rest only with the token.
            staff = False
            found = None if self.action in self.STAFF_ACTIONS else Booking.objects.opened_by(reference, token)
        if found is None:
            raise NotFound("No booking with this reference and token.")
        self.opened_as_staff = staff
        return found

    def _actor(self, request) -> bookings.Actor:
        return actor(request) if self.opened_as_staff else bookings.PATIENT

    def _change_once(self, request, kind: str, change) -> Response:
        """Apply `change` to the caller's booking; a retry with the same Idempotency-Key replays it."""
        booking = self.get_object()  # the token is checked before any replay
        return idempotent(request, f"{kind}:{booking.reference}", lambda: change(request, booking))

    @extend_schema(
        summary="Bookings for staff",
        parameters=[serializers.BookingListQuery],
        responses={
            200: serializers.BookingDetail(many=True),
            400: INVALID,
            401: STAFF_ONLY,
            403: STAFF_ONLY,
            404: MISSING,
        },
    )
    def list(self, request):
        query = serializers.BookingListQuery(
            data=request.query_params, context={"read_elsewhere": self.paginator.query_parameters}
        )
        query.is_valid(raise_exception=True)
        page = self.paginate_queryset(self.get_queryset().matching(**query.validated_data))
        access_log.record_staff_reads(request, page, action=access_log.Action.LISTED, channel=access_log.Channel.API)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="One booking (patient with manage token, or staff)",
        parameters=MANAGE_TOKEN,
        responses={200: serializers.BookingDetail, 404: NOT_FOUND, 410: EXPIRED, 429: THROTTLED},
    )
    def retrieve(self, request, booking_id=None):
        return self._shown(self.get_object())

    def _shown(self, booking: Booking) -> Response:
        """The booking as the answer; staff were shown its patient's data (a patient's own is not logged)."""
        if self.opened_as_staff:
            access_log.record_staff_reads(
                self.request, [booking], action=access_log.Action.VIEWED, channel=access_log.Channel.API
            )
        return Response(self.get_serializer(booking).data)

    @extend_schema(
        summary="A booking's history, oldest first (staff)",
        responses={200: serializers.BookingEventSerializer(many=True), 401: STAFF_ONLY, 403: STAFF_ONLY, 404: MISSING},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def events(self, request, booking_id=None):
        booking = self.get_object()
        access_log.record_staff_reads(
            request, [booking], action=access_log.Action.HISTORY, channel=access_log.Channel.API
        )
        history = BookingEvent.objects.filter(booking=booking).order_by("revision")
        return Response(serializers.BookingEventSerializer(history, many=True).data)

    @patient_change_schema("Cancel a booking and free its time", serializers.CancelRequest, CHANGED)
    @action(detail=True, methods=["post"])
    def cancel(self, request, booking_id=None):
        return self._change_once(request, "cancel", self._cancel)

    def _cancel(self, request, booking):
        cancellation = serializers.CancelRequest(data=request.data)
        cancellation.is_valid(raise_exception=True)
        bookings.cancel(booking, by=self._actor(request), reason=cancellation.validated_data["reason"])
        return self._shown(booking)

    @patient_change_schema("Move a booking to another free slot", serializers.RescheduleRequest, TAKEN)
    @action(detail=True, methods=["post"])
    def reschedule(self, request, booking_id=None):
        return self._change_once(request, "reschedule", self._reschedule)

    def _reschedule(self, request, booking):
        move = serializers.RescheduleRequest(data=request.data, context={"staff": self.opened_as_staff})
        move.is_valid(raise_exception=True)
        moved = bookings.reschedule(
            booking,
            serializers.requested_slot(move.validated_data, booking.appointment_type),
            by=self._actor(request),
            resources=move.validated_data.get("resources"),
        )
        return self._shown(moved)

    @front_desk_schema("The patient has arrived (staff)")
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, booking_id=None):
        return self._front_desk(bookings.check_in)

    @front_desk_schema("The visit took place (staff)")
    @action(detail=True, methods=["post"])
    def complete(self, request, booking_id=None):
        return self._front_desk(bookings.complete)

    @front_desk_schema("The patient did not come (staff)")
    @action(detail=True, methods=["post"], url_path="no-show")
    def no_show(self, request, booking_id=None):
        return self._front_desk(bookings.mark_no_show)

    @extend_schema(
        summary="Ask the clinic for a copy of one's data, or to delete it (patient, with the manage token)",
        description="Records a request for the clinic's staff, once per patient and kind while it is open; "
        "nothing is exported or erased by it. 201 when recorded, 200 when one was already with the clinic.",
        parameters=MANAGE_TOKEN,
        request=serializers.PrivacyRequestAsk,
        responses={
            200: serializers.PrivacyRequestReceipt,
            201: serializers.PrivacyRequestReceipt,
            400: INVALID,
            404: NOT_FOUND,
            410: EXPIRED,
            429: THROTTLED,
        },
    )
    @action(detail=True, methods=["post"], url_path="privacy-request")
    def privacy_request(self, request, booking_id=None):
        # The patient's own ask: the manage token, never a staff account, opens the booking for it.
        booking = Booking.objects.opened_by(booking_id, manage_token(request), staff=False)
        if booking is None:
            raise NotFound("No booking with this reference and token.")
        ask = serializers.PrivacyRequestAsk(data=request.data)
        ask.is_valid(raise_exception=True)
        asked, made = privacy_requests.ask(booking, ask.validated_data["kind"])
        receipt = serializers.PrivacyRequestReceipt(asked, context={"already_asked": not made})
        return Response(receipt.data, status=status.HTTP_201_CREATED if made else status.HTTP_200_OK)

    def _front_desk(self, change) -> Response:
        booking = change(self.get_object(), by=self._actor(self.request))
        return self._shown(booking)
