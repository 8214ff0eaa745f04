"""`/api/calendly/waitlist`: a patient joins the waitlist, sees their place and any offer with the token
they were given, answers the offer, or leaves. Thin: the rules are in waitlist/line.py and offers.py."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from clinic_project.clients import ClientRateThrottle
from scheduling import access_log, bookings, clinic_time
from scheduling.api.caching import NeverCached
from scheduling.api.fields import (
    BookableDateField,
    PatientNameField,
    WallClockField,
    appointment_type_field,
    patient_birth_date_field,
    patient_email_field,
    patient_phone_field,
    practitioner_field,
)
from scheduling.api.idempotency import PARAMETER as IDEMPOTENCY_KEY
from scheduling.api.idempotency import idempotent
from scheduling.api.permissions import actor, manage_token, staff_may
from scheduling.api.schema import EXPIRED, INVALID, KEY_REUSED, MANAGE_TOKEN, THROTTLED
from scheduling.api.serializers import BookingConfirmation, ErrorResponse
from scheduling.models import BookingEvent
from waitlist import line, notices, offers
from waitlist.apps import REACH_ENTRY
from waitlist.models import Entry, Offer

VIA = BookingEvent.Channel.API
NOT_FOUND = OpenApiResponse(ErrorResponse, description="No waitlist entry with this id and token.")
ENDED = OpenApiResponse(ErrorResponse, description="No open offer: answered, withdrawn or lapsed (`offer_ended`).")


class JoinRequest(serializers.Serializer):
    appointment_type = appointment_type_field()
    practitioner = practitioner_field(help_text="Slug of a practitioner. Leave out to wait for any of them.")
    earliest_date = BookableDateField(help_text="First clinic local day the patient could come, YYYY-MM-DD.")
    latest_date = BookableDateField(help_text="Last such day (inclusive); the entry ends by itself after it.")
    earliest_time = WallClockField(required=False, help_text="Clinic local time, HH:MM, a visit may start from.")
    latest_time = WallClockField(required=False, help_text="Clinic local time, HH:MM, a visit must end by.")
    patient_name = PatientNameField(max_length=200, help_text="The patient's full name.")
    patient_email = patient_email_field(help_text="Offers are sent here.")
    patient_phone = patient_phone_field()
    patient_birth_date = patient_birth_date_field()


class OfferSummary(serializers.Serializer):
    status = serializers.ChoiceField(choices=Offer.Status.choices)
    booking_id = serializers.CharField(
        source="hold.reference", help_text="The held time's booking id; the patient's booking once accepted."
    )
    practitioner = serializers.CharField(source="hold.practitioner.slug")
    date = serializers.SerializerMethodField()
    start_time = serializers.SerializerMethodField(help_text="Clinic local start time, HH:MM.")
    starts_at = serializers.DateTimeField(source="hold.starts_at")
    ends_at = serializers.DateTimeField(source="hold.ends_at")
    expires_at = serializers.DateTimeField(help_text="Accept before this, or the time goes to the next in line.")

    def get_date(self, offer) -> str:
        return clinic_time.local_date(offer.hold.starts_at).isoformat()

    def get_start_time(self, offer) -> str:
        return clinic_time.wall_clock(offer.hold.starts_at)


class EntryDetail(serializers.Serializer):
    waitlist_id = serializers.CharField(source="reference")
    status = serializers.SerializerMethodField(help_text="waiting, booked, left, removed (by staff), or ended.")
    position = serializers.SerializerMethodField(
        help_text="Place in line for this appointment type (1 is next); null once no longer waiting."
    )
    appointment_type = serializers.CharField(source="appointment_type.slug")
    practitioner = serializers.CharField(source="practitioner.slug", allow_null=True, default=None)
    earliest_date = serializers.DateField()
    latest_date = serializers.DateField()
    earliest_time = WallClockField(allow_null=True)
    latest_time = WallClockField(allow_null=True)
    patient_name = serializers.CharField()
    patient_email = serializers.CharField()
    patient_phone = serializers.CharField()
    joined_at = serializers.DateTimeField()
    offer = serializers.SerializerMethodField(help_text="The open offer, if any.")
    booking_id = serializers.CharField(source="booking.reference", allow_null=True, default=None)

    def get_status(self, entry) -> str:
        return entry.state(clinic_time.today())

    def get_position(self, entry) -> int | None:
        return line.position(entry, clinic_time.today())

    @extend_schema_field(OfferSummary(allow_null=True))
    def get_offer(self, entry):
        offered = line.open_offer(entry)
        return OfferSummary(offered).data if offered else None


class JoinedEntry(EntryDetail):
    manage_token = serializers.SerializerMethodField(
        help_text="Secret for this entry; shown only once. Send it as the `token` query parameter or the "
        "`X-Manage-Token` header to see the entry, answer an offer or leave."
    )
    manage_url = serializers.SerializerMethodField(help_text="The patient's page for this entry.")

    def get_manage_token(self, entry) -> str:
        return entry.token

    def get_manage_url(self, entry) -> str:
        return self.context["request"].build_absolute_uri(notices.entry_path(entry))


class WaitlistViewSet(NeverCached, viewsets.GenericViewSet):
    serializer_class = JoinRequest
    opened_as_staff = False  # set by get_object: staff reaching the entry, or its patient with the token
    lookup_url_kwarg = "waitlist_id"
    lookup_value_regex = "[^/]+"

    def get_throttles(self):
        self.throttle_scope = "waitlist" if self.action == "create" else "manage"
        return [ClientRateThrottle()]

    def get_object(self) -> Entry:
        """The entry, for staff reaching it or whoever holds its token; a wrong token looks like no entry at all."""
        # Staff open an entry they reach (every one, or their practitioner's) to read it (view_entry) or act on
        # it (change_entry); others need its token.
        needs = "waitlist.view_entry" if self.action == "retrieve" else "waitlist.change_entry"
        reference, token = self.kwargs["waitlist_id"], manage_token(self.request)
        staff = staff_may(self.request, needs)
        found = Entry.objects.opened_by(reference, token, staff=staff)
        if found is not None and staff and not self.request.user.has_perm(REACH_ENTRY, found):
            staff, found = False, Entry.objects.opened_by(reference, token)
        if found is None:
            raise NotFound("No waitlist entry with this id and token.")
        self.opened_as_staff = staff
        return found

    @extend_schema(
        summary="Join the waitlist",
        description="Freed time that fits is offered by e-mail, in order of joining, and held for "
        "`WAITLIST_OFFER_MINUTES` (30 by default).",
        parameters=[IDEMPOTENCY_KEY],
        responses={201: JoinedEntry, 400: INVALID, 422: KEY_REUSED, 429: THROTTLED},
    )
    def create(self, request):
        return idempotent(request, "waitlist", lambda: self._join(request))

    def _join(self, request):
        joining = self.get_serializer(data=request.data)
        joining.is_valid(raise_exception=True)
        data = joining.validated_data
        wish = line.Wish(
            appointment_type=data["appointment_type"],
            practitioner=data.get("practitioner"),
            earliest_date=data["earliest_date"],
            latest_date=data["latest_date"],
            earliest_time=data.get("earliest_time"),
            latest_time=data.get("latest_time"),
        )
        entry = line.join(wish, bookings.PatientDetails.named_in(data))
        return Response(JoinedEntry(entry, context={"request": request}).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="A waitlist entry, its place in line and any open offer",
        parameters=MANAGE_TOKEN,
        responses={200: EntryDetail, 404: NOT_FOUND, 410: EXPIRED, 429: THROTTLED},
    )
    def retrieve(self, request, waitlist_id=None):
        entry = self.get_object()
        self._record_read(entry)
        return Response(EntryDetail(entry).data)

    def _record_read(self, entry: Entry) -> None:
        """Staff were shown the entry's patient (a patient reading their own entry is not logged)."""
        if self.opened_as_staff and entry.patient is not None:
            access_log.record_patient_reads(
                self.request, [entry.patient], action=access_log.Action.VIEWED, channel=access_log.Channel.API
            )

    @extend_schema(
        summary="Leave the waitlist (an open offer is withdrawn and its time freed)",
        parameters=MANAGE_TOKEN,
        responses={204: None, 404: NOT_FOUND, 410: EXPIRED, 429: THROTTLED},
    )
    def destroy(self, request, waitlist_id=None):
        line.leave(self.get_object(), by=actor(request), via=VIA)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Accept the open offer: the held time becomes the patient's booking",
        parameters=[*MANAGE_TOKEN, IDEMPOTENCY_KEY],
        request=None,
        responses={
            200: BookingConfirmation,
            400: INVALID,
            404: NOT_FOUND,
            409: ENDED,
            410: EXPIRED,
            422: KEY_REUSED,
            429: THROTTLED,
        },
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, waitlist_id=None):
        entry = self.get_object()
        return idempotent(request, f"waitlist-accept:{entry.reference}", lambda: self._accept(request, entry))

    def _accept(self, request, entry):
        booking, token = offers.accept(self._open_offer(entry), via=VIA)  # the answer names no patient
        context = {"request": request, "manage_token": token}
        return Response(BookingConfirmation(booking, context=context).data)

    @extend_schema(
        summary="Decline the open offer: the time goes to the next in line; the entry stays in line",
        parameters=MANAGE_TOKEN,
        request=None,
        responses={200: EntryDetail, 404: NOT_FOUND, 409: ENDED, 410: EXPIRED, 429: THROTTLED},
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, waitlist_id=None):
        entry = self.get_object()
        offers.decline(self._open_offer(entry), via=VIA)
        self._record_read(entry)
        return Response(EntryDetail(entry).data)

    def _open_offer(self, entry: Entry) -> Offer:
        offered = line.open_offer(entry)
        if offered is None:
            raise offers.OfferEnded("This entry has no open offer.")
        return offered


router = SimpleRouter(trailing_slash=False)
router.register("waitlist", WaitlistViewSet, basename="waitlist")
urlpatterns = router.urls
