"""The API contract: one serializer per request or response shape."""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from scheduling.calendars import reference_data
from scheduling.models import AppointmentType, Booking, Practitioner, phone_number

MAX_RANGE_DAYS = 31
# Far enough for any horizon staff can set, near enough that date arithmetic never overflows.
FURTHEST_DAY = timedelta(days=3650)
WALL_CLOCK = "%H:%M"
# ASCII digits only, as the schema says: Python's date and time parsers also take "٢٠٢٦" or "20261125".
ISO_DATE_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
WALL_CLOCK_SHAPE = re.compile(r"([01]?[0-9]|2[0-3]):[0-5][0-9]")


class StrictCharField(serializers.CharField):
    """Text only: a number or boolean where a name belongs is a client bug, not a name."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        value = super().to_internal_value(data)
        if any(unicodedata.category(char) == "Cc" for char in value.replace("\n", "")):
            raise serializers.ValidationError("Control characters are not allowed.")
        return value


@extend_schema_field({"type": "string", "pattern": r"^[-a-zA-Z0-9_]+$"})
class ActiveSlugField(serializers.Field):
    """An active type or practitioner named by its slug, found in the cached reference data; an unknown
    slug's error lists the ones that exist."""

    default_error_messages = {"invalid": "Give a slug (text)."}

    def __init__(self, *, kind: str, **kwargs):
        self.kind = kind  # the ReferenceData attribute holding the objects by slug
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        known = getattr(reference_data(), self.kind)
        if data not in known:
            raise serializers.ValidationError(
                f"Unknown {self.label.lower()} '{data}'. Choose one of: {', '.join(known)}."
            )
        return known[data]

    def to_representation(self, value):
        return value.slug


def appointment_type_field(**kwargs) -> ActiveSlugField:
    return ActiveSlugField(
        kind="types",
        label="Appointment type",
        help_text="Slug of an active appointment type, e.g. `consultation`.",
        **kwargs,
    )


def practitioner_field(**kwargs) -> ActiveSlugField:
    return ActiveSlugField(
        kind="practitioners",
        label="Practitioner",
        required=False,
        help_text="Slug of a practitioner. Leave out to let the clinic choose any free one.",
        **kwargs,
    )


class IsoDateField(serializers.DateField):
    """A date written YYYY-MM-DD, and only that."""

    def to_internal_value(self, value):
        if not isinstance(value, str) or not ISO_DATE_SHAPE.fullmatch(value):
            self.fail("invalid", format="YYYY-MM-DD")
        try:
            return super().to_internal_value(value)
        except serializers.ValidationError:
            raise serializers.ValidationError(f"{value} is not a date on the calendar.") from None


class BookableDateField(IsoDateField):
    """A clinic-local date from today up to ten years ahead."""

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        today = timezone.localdate()
        if day < today:
            raise serializers.ValidationError(f"{day} is in the past; the earliest date is today, {today}.")
        if day > today + FURTHEST_DAY:
            raise serializers.ValidationError("This date is too far ahead.")
        return day


@extend_schema_field({"type": "string", "pattern": f"^{WALL_CLOCK_SHAPE.pattern}$", "example": "10:00"})
class WallClockField(serializers.TimeField):
    """A clinic-local time of day written HH:MM."""

    def __init__(self, **kwargs):
        super().__init__(format=WALL_CLOCK, input_formats=[WALL_CLOCK], **kwargs)

    def to_internal_value(self, value):
        if not isinstance(value, str) or not WALL_CLOCK_SHAPE.fullmatch(value):
            self.fail("invalid", format="HH:MM")
        return super().to_internal_value(value)


def _requires_offer(practitioner: Practitioner | None, appointment_type: AppointmentType | None):
    if practitioner and appointment_type and not reference_data().offers(practitioner, appointment_type):
        raise serializers.ValidationError(
            {"practitioner": f"{practitioner.name} does not offer {appointment_type.name}."}
        )


class QueryParameters(serializers.Serializer):
    """Query-string parameters: DRF treats `?name=` as absent for optional fields; here it is an error."""

    def to_internal_value(self, data):
        blank = {name: ["This field may not be blank."] for name in self.fields if data.get(name) == ""}
        if blank:
            raise serializers.ValidationError(blank)
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
        _requires_offer(attrs.get("practitioner"), attrs["appointment_type"])
        return attrs


class AvailableSlot(serializers.Serializer):
    start = serializers.CharField(help_text="Clinic local start time, HH:MM.")
    end = serializers.CharField(help_text="Clinic local end time, HH:MM.")
    starts_at = serializers.DateTimeField(help_text="ISO 8601 start with the clinic's UTC offset.")
    ends_at = serializers.DateTimeField(help_text="ISO 8601 end with the clinic's UTC offset.")
    practitioners = serializers.ListField(
        child=serializers.CharField(), help_text="Slugs of the practitioners free for this slot."
    )


class Availability(serializers.Serializer):
    date = serializers.DateField()
    appointment_type = serializers.CharField()
    duration_minutes = serializers.IntegerField()
    available_slots = AvailableSlot(many=True)


class DayAvailability(serializers.Serializer):
    date = serializers.DateField()
    available_slots = AvailableSlot(many=True)


class AvailabilityRange(serializers.Serializer):
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    appointment_type = serializers.CharField()
    duration_minutes = serializers.IntegerField()
    days = DayAvailability(many=True)


class PatientFields(serializers.Serializer):
    patient_name = StrictCharField(max_length=200, help_text="The patient's full name.")
    patient_email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    patient_phone = StrictCharField(required=False, allow_blank=True, max_length=32, validators=[phone_number])
    reason_for_visit = StrictCharField(required=False, allow_blank=True, max_length=1000)


class BookingRequest(PatientFields):
    appointment_type = appointment_type_field()
    date = BookableDateField(help_text="Clinic local date, YYYY-MM-DD.")
    start_time = WallClockField(help_text="Clinic local start time, HH:MM, one of the offered slots.")
    practitioner = practitioner_field()

    def validate(self, attrs):
        _requires_offer(attrs.get("practitioner"), attrs["appointment_type"])
        return attrs


class BookingTimes(serializers.Serializer):
    """Where and when a booking is, in the clinic's wall-clock time and as instants.

    Declared field by field (not a ModelSerializer) because every booking response builds one, and
    ModelSerializer introspects the model each time.
    """

    status = serializers.ChoiceField(choices=Booking.Status.choices)
    booking_id = serializers.CharField(source="reference")
    appointment_type = serializers.CharField(source="appointment_type.slug")
    practitioner = serializers.CharField(source="practitioner.slug")
    date = serializers.SerializerMethodField()
    start_time = serializers.SerializerMethodField()
    end_time = serializers.SerializerMethodField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()

    @extend_schema_field(OpenApiTypes.DATE)
    def get_date(self, booking) -> str:
        return timezone.localtime(booking.starts_at).date().isoformat()

    def get_start_time(self, booking) -> str:
        return timezone.localtime(booking.starts_at).strftime(WALL_CLOCK)

    def get_end_time(self, booking) -> str:
        return timezone.localtime(booking.ends_at).strftime(WALL_CLOCK)


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
        path = f"/api/calendly/bookings/{booking.reference}?token={self.context['manage_token']}"
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class BookingDetail(BookingTimes):
    """A booking as its patient (holding the manage token) or staff see it."""

    patient_name = serializers.CharField()
    patient_email = serializers.EmailField()
    patient_phone = serializers.CharField()
    reason_for_visit = serializers.CharField()
    created_at = serializers.DateTimeField()
    cancelled_at = serializers.DateTimeField(allow_null=True)
    cancelled_by = serializers.ChoiceField(choices=[("", "not cancelled"), *Booking.CancelledBy.choices])
    cancellation_reason = serializers.CharField()


class CancelRequest(serializers.Serializer):
    reason = StrictCharField(required=False, allow_blank=True, max_length=500, default="")


class RescheduleRequest(serializers.Serializer):
    date = BookableDateField(help_text="New clinic local date, YYYY-MM-DD.")
    start_time = WallClockField(help_text="New clinic local start time, HH:MM.")
    practitioner = practitioner_field()


class BookingListQuery(QueryParameters):
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


class ErrorResponse(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, for people.")
    code = serializers.CharField(help_text="What went wrong, for programs, e.g. `invalid`, `slot_unavailable`.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages per request field (or `body` for the request as a whole).",
    )
