"""The API contract: one serializer per request or response shape."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from scheduling import clinic_time
from scheduling.api.fields import (
    BookableDateField,
    IsoDateField,
    PatientNameField,
    StrictCharField,
    WallClockField,
    appointment_type_field,
    patient_email_field,
    practitioner_field,
)
from scheduling.api.permissions import VIEW_BOOKINGS, actor, staff_may
from scheduling.bookings import PATIENT, change_refusal
from scheduling.links import manage_url
from scheduling.models import AppointmentType, Booking, BookingEvent, Practitioner, phone_number
from scheduling.rules import BookingError, RequestedSlot

MAX_RANGE_DAYS = 31


class QueryParameters(serializers.Serializer):
    """Query-string parameters: DRF treats `?name=` as absent for optional fields; here it is an error.

    With `refuses_unknown`, so is a name the operation does not take: a misspelt or guessed filter
    (`?search=`, `?patient_email=`) would otherwise be ignored and answer with everything. Names read by
    someone else (the paginator's) come in the context as `read_elsewhere`.
    """

    refuses_unknown = False

    def to_internal_value(self, data):
        blank = {name: ["This field may not be blank."] for name in self.fields if data.get(name) == ""}
        if blank:
            raise serializers.ValidationError(blank)
        if self.refuses_unknown:
            accepted = [*self.fields, *self.context.get("read_elsewhere", ())]
            unknown = sorted(set(data) - set(accepted))
            if unknown:
                known = f"Unknown query parameter; this operation takes {', '.join(accepted)}."
                raise serializers.ValidationError({name: [known] for name in unknown})
        return super().to_internal_value(data)


class AvailabilityQuery(QueryParameters):
    date = BookableDateField(required=False, help_text="One day, YYYY-MM-DD (clinic local date).")
    start_date = BookableDateField(required=False, help_text="First day of a range, instead of `date`.")
    end_date = BookableDateField(
        required=False, help_text=f"Last day of a range (inclusive, at most {MAX_RANGE_DAYS} days)."
    )
    appointment_type = appointment_type_field()
    practitioner = practitioner_field()

    def validate(self, attrs):
        day, first, last = attrs.get("date"), attrs.get("start_date"), attrs.get("end_date")
        if day and (first or last):
            raise serializers.ValidationError({"date": "Give either date, or start_date and end_date, not both."})
        if not (day or first or last):
            raise serializers.ValidationError({"date": "This field is required (or give start_date and end_date)."})
        if (first or last) and not (first and last):
            missing = "end_date" if first else "start_date"
            raise serializers.ValidationError({missing: "Give both start_date and end_date for a range."})
        if first and last:
            if last < first:
                raise serializers.ValidationError({"end_date": "end_date cannot be before start_date."})
            if (last - first).days + 1 > MAX_RANGE_DAYS:
                raise serializers.ValidationError({"end_date": f"A range covers at most {MAX_RANGE_DAYS} days."})
        return attrs


class AvailableSlot(serializers.Serializer):
    start = serializers.CharField(help_text="Clinic local start time, HH:MM.")
    end = serializers.CharField(help_text="Clinic local end time, HH:MM.")
    starts_at = serializers.DateTimeField(help_text="ISO 8601 start with the clinic's UTC offset.")
    ends_at = serializers.DateTimeField(help_text="ISO 8601 end with the clinic's UTC offset.")
    practitioners = serializers.ListField(
        child=serializers.CharField(), help_text="Slugs of the practitioners free for this slot."
    )

    def to_representation(self, open_slot):
        """An OpenSlot (span and practitioners) in the clinic's wall clock and as instants."""
        start, end = clinic_time.local(open_slot.span.start), clinic_time.local(open_slot.span.end)
        return super().to_representation(
            {
                "start": start.strftime(clinic_time.WALL_CLOCK),
                "end": end.strftime(clinic_time.WALL_CLOCK),
                "starts_at": start,
                "ends_at": end,
                "practitioners": [p.slug for p in open_slot.practitioners],
            }
        )


@extend_schema_field(AvailableSlot(many=True))
class RenderedSlots(serializers.ListField):
    """Slots already rendered by AvailableSlot (they are cached that way): passed through as they are."""

    def to_representation(self, data):
        return data


class Availability(serializers.Serializer):
    date = serializers.DateField()
    appointment_type = serializers.CharField()
    duration_minutes = serializers.IntegerField()
    available_slots = RenderedSlots()


class DayAvailability(serializers.Serializer):
    date = serializers.DateField()
    available_slots = RenderedSlots()


class AvailabilityRange(serializers.Serializer):
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    appointment_type = serializers.CharField()
    duration_minutes = serializers.IntegerField()
    days = DayAvailability(many=True)


class PatientFields(serializers.Serializer):
    patient_name = PatientNameField(max_length=200, help_text="The patient's full name.")
    patient_email = patient_email_field(required=False, allow_blank=True)
    patient_phone = StrictCharField(required=False, allow_blank=True, max_length=32, validators=[phone_number])
    reason_for_visit = StrictCharField(required=False, allow_blank=True, max_length=1000)


class SlotRequest(serializers.Serializer):
    appointment_type = appointment_type_field()
    date = BookableDateField(help_text="Clinic local date, YYYY-MM-DD.")
    start_time = WallClockField(help_text="Clinic local start time, HH:MM, one of the offered slots.")
    practitioner = practitioner_field()


def requested_slot(data: dict, appointment_type: AppointmentType | None = None) -> RequestedSlot:
    """A validated slot request, or a move (whose type is the booking's), as the write path takes it."""
    return RequestedSlot(
        appointment_type or data["appointment_type"], data["date"], data["start_time"], data.get("practitioner")
    )


class BookingRequest(SlotRequest, PatientFields):
    """Book a free slot straight away."""


class HeldBookingRequest(PatientFields):
    """Confirm a hold taken with `POST /holds`: the held time becomes the patient's booking."""

    hold_id = StrictCharField(max_length=100, help_text="The `hold_id` that `POST /holds` returned.")


class HoldRequest(SlotRequest):
    """Keep a slot while the patient types their details."""


class HoldRelease(serializers.Serializer):
    """Let a held slot go. The hold's id is a secret, so it travels in the body, never in the path."""

    hold_id = StrictCharField(max_length=100, help_text="The `hold_id` that `POST /holds` returned.")


class SlotTimes(serializers.Serializer):
    """Where and when a booking or hold is, in the clinic's wall-clock time and as instants.

    Declared field by field (not a ModelSerializer) because every booking response builds one, and
    ModelSerializer introspects the model each time.
    """

    appointment_type = serializers.CharField(source="appointment_type.slug")
    practitioner = serializers.CharField(source="practitioner.slug")
    date = serializers.SerializerMethodField()
    start_time = serializers.SerializerMethodField(help_text="Clinic local start time, HH:MM.")
    end_time = serializers.SerializerMethodField(help_text="Clinic local end time, HH:MM.")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()

    @extend_schema_field(OpenApiTypes.DATE)
    def get_date(self, booking) -> str:
        return clinic_time.local_date(booking.starts_at).isoformat()

    def get_start_time(self, booking) -> str:
        return clinic_time.wall_clock(booking.starts_at)

    def get_end_time(self, booking) -> str:
        return clinic_time.wall_clock(booking.ends_at)


class Hold(SlotTimes):
    hold_id = serializers.SerializerMethodField(
        help_text="Secret id of the hold: send it to `POST /book` with the patient's details, or to "
        "`POST /holds/release` to let the time go. It never goes in a URL: paths end up in logs."
    )
    expires_at = serializers.DateTimeField(
        source="hold_expires_at", help_text="When the time stops being kept for this hold."
    )

    def get_hold_id(self, held) -> str:
        return self.context["hold_id"]


class BookingTimes(SlotTimes):
    status = serializers.ChoiceField(choices=Booking.Status.choices)
    booking_id = serializers.CharField(source="reference")


class BookingConfirmation(BookingTimes):
    message = serializers.SerializerMethodField()
    manage_token = serializers.SerializerMethodField(
        help_text="Secret for managing this booking; shown only once. Send it as the `token` query "
        "parameter or the `X-Manage-Token` header."
    )
    manage_url = serializers.SerializerMethodField(help_text="Where the patient can view, cancel or move it.")

    def get_message(self, booking) -> str:
        return "Appointment successfully booked"

    def get_manage_token(self, booking) -> str:
        return self.context["manage_token"]

    def get_manage_url(self, booking) -> str:
        return manage_url(booking, self.context["manage_token"], self.context.get("request"))


class ChangeRefusal(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField(help_text="For the patient: why, and whom to call instead.")


WITHHELD = " Null for the patient once the booking is cancelled (staff still see it)."


class BookingDetail(BookingTimes):
    """A booking as its patient (holding the manage token) or staff see it. Once it is cancelled, the
    patient's link shows only that it was cancelled, when, and by whom: not who the patient is or why they
    were coming (see `Booking.shows_patient_details`)."""

    WITHHELD_FIELDS = ("patient_name", "patient_email", "patient_phone", "reason_for_visit", "cancellation_reason")

    revision = serializers.IntegerField(help_text="Goes up by one on every change; see `/events`.")
    patient_name = serializers.CharField(allow_null=True, help_text="The patient's full name." + WITHHELD)
    patient_email = serializers.CharField(
        allow_null=True, help_text="The patient's e-mail address, or empty if none was given." + WITHHELD
    )
    patient_phone = serializers.CharField(allow_null=True, help_text="Empty if none was given." + WITHHELD)
    reason_for_visit = serializers.CharField(allow_null=True, help_text="Empty if none was given." + WITHHELD)
    created_at = serializers.DateTimeField()
    cancelled_at = serializers.DateTimeField(allow_null=True)
    cancelled_by = serializers.ChoiceField(choices=[("", "not cancelled"), *Booking.CancelledBy.choices])
    cancellation_reason = serializers.CharField(allow_null=True, help_text="Why it was cancelled." + WITHHELD)
    can_cancel = serializers.SerializerMethodField(help_text="Whether the caller may cancel it now.")
    can_reschedule = serializers.SerializerMethodField(help_text="Whether the caller may move it now.")
    change_refusal = serializers.SerializerMethodField(
        help_text="Why the caller may not cancel or move it now (`already_started`, `too_late_to_change`, "
        "`already_cancelled`, `illegal_transition`), the message saying whom to call; null when they may."
    )

    def to_representation(self, booking):
        shown = super().to_representation(booking)
        request = self.context.get("request")
        if not booking.shows_patient_details and not (request is not None and staff_may(request, VIEW_BOOKINGS)):
            shown.update(dict.fromkeys(self.WITHHELD_FIELDS))
        return shown

    def _refusal(self, booking) -> BookingError | None:
        """Asked once per booking and at one instant, so the three fields always agree."""
        answers = self.context.setdefault("change_refusals", {})
        if booking.pk not in answers:
            request = self.context.get("request")
            by = actor(request) if request is not None else PATIENT
            now = self.context.setdefault("now", clinic_time.now())
            answers[booking.pk] = change_refusal(booking, by=by, now=now)
        return answers[booking.pk]

    def get_can_cancel(self, booking) -> bool:
        return self._refusal(booking) is None

    def get_can_reschedule(self, booking) -> bool:
        return self._refusal(booking) is None

    @extend_schema_field(ChangeRefusal(allow_null=True))
    def get_change_refusal(self, booking) -> dict | None:
        refused = self._refusal(booking)
        return refused and {"code": refused.code, "detail": refused.message}


class CancelRequest(serializers.Serializer):
    reason = StrictCharField(required=False, allow_blank=True, max_length=500, default="")


class RescheduleRequest(serializers.Serializer):
    date = BookableDateField(help_text="New clinic local date, YYYY-MM-DD.")
    start_time = WallClockField(help_text="New clinic local start time, HH:MM.")
    practitioner = practitioner_field()


class BookingListQuery(QueryParameters):
    refuses_unknown = True

    start_date = IsoDateField(required=False, help_text="Bookings starting on or after this local date.")
    end_date = IsoDateField(required=False, help_text="Bookings starting on or before this local date.")
    practitioner = serializers.SlugField(required=False)
    appointment_type = serializers.SlugField(required=False)
    status = serializers.ChoiceField(choices=Booking.Status.choices, required=False)

    def validate(self, attrs):
        if attrs.get("start_date") and attrs.get("end_date") and attrs["end_date"] < attrs["start_date"]:
            raise serializers.ValidationError({"end_date": "end_date cannot be before start_date."})
        return attrs


class AppointmentTypeSummary(serializers.ModelSerializer):
    slot_interval_minutes = serializers.SerializerMethodField()

    class Meta:
        model = AppointmentType
        fields = ["slug", "name", "duration_minutes", *AppointmentType.RULE_FIELDS]

    def get_slot_interval_minutes(self, appointment_type) -> int:
        return appointment_type.slot_interval_minutes or appointment_type.duration_minutes


class PractitionerSummary(serializers.ModelSerializer):
    appointment_types = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = Practitioner
        fields = ["slug", "name", "appointment_types"]


class BookingEventSerializer(serializers.Serializer):
    """One change in a booking's history."""

    revision = serializers.IntegerField(help_text="The booking's revision this change produced.")
    kind = serializers.ChoiceField(choices=BookingEvent.Kind.choices)
    occurred_at = serializers.DateTimeField()
    actor = serializers.ChoiceField(choices=BookingEvent.Actor.choices)
    actor_name = serializers.CharField(help_text="The staff username or integration name; empty otherwise.")
    channel = serializers.ChoiceField(choices=BookingEvent.Channel.choices)
    reason = serializers.CharField()
    changes = serializers.DictField(
        child=serializers.ListField(child=serializers.JSONField(allow_null=True), min_length=2, max_length=2),
        help_text="Each changed field's [before, after]. The reason for visit is never recorded, only that it changed.",
    )


class ErrorResponse(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, for people.")
    code = serializers.CharField(help_text="What went wrong, for programs, e.g. `invalid`, `slot_unavailable`.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages per request field (or `body` for the request as a whole).",
    )
