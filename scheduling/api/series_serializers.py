"""The API's contract for courses of treatment: the plan asked for, each date's report, the course booked,
shown and cancelled (scheduling/bookings/series.py)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from scheduling import clinic_time
from scheduling.api.fields import (
    BookableDateField,
    StrictCharField,
    WallClockField,
    appointment_type_field,
    practitioner_field,
)
from scheduling.api.serializers import ErrorResponse, PatientFields
from scheduling.bookings.series import BOOKED, STATUSES, CoursePlan, DateReport
from scheduling.links import course_manage_url
from scheduling.models import (
    ISO_WEEKDAYS,
    MAX_COUNT,
    MAX_INTERVAL,
    MAX_WEEKDAYS,
    MIN_COUNT,
    Booking,
    BookingSeries,
    OnConflict,
)
from scheduling.slots.recurrence import Recurrence

# ISO weekday numbers (Monday 1) by the names the API takes and answers.
WEEKDAYS = {label.lower(): number for number, label in ISO_WEEKDAYS}
DAY_NAMES = {number: name for name, number in WEEKDAYS.items()}
# What a date of a course may be after booking: booked, or why it was left out.
BOOKED_STATUSES = (BOOKED, *STATUSES)


class CoursePlanRequest(serializers.Serializer):
    """A course asked for: one type on 1 to 3 weekdays at one local time, every `interval` weeks from
    `start_date`, `count` times or up to `until`."""

    appointment_type = appointment_type_field()
    practitioner = practitioner_field(
        help_text="Slug of a practitioner. Leave out to let the clinic choose whoever is free for each visit, "
        "the one who takes the first visit preferred for the others."
    )
    start_date = BookableDateField(help_text="The first day a visit may fall on (clinic local date, YYYY-MM-DD).")
    start_time = WallClockField(
        help_text="Clinic local time of every visit, HH:MM, on the type's slot grid. It stays the same local time "
        "across clock changes; on a day the clocks skip it the date is `nonexistent_local_time`, and on a day "
        "it happens twice (clocks going back) the earlier instant is booked."
    )
    weekdays = serializers.ListField(
        child=serializers.ChoiceField(choices=list(WEEKDAYS)),
        min_length=1,
        max_length=MAX_WEEKDAYS,
        help_text=f'1 to {MAX_WEEKDAYS} different weekdays, lowercase English names, e.g. `["tuesday"]`.',
    )
    interval = serializers.IntegerField(
        min_value=1, max_value=MAX_INTERVAL, default=1, help_text="Every how many weeks: 1 is weekly."
    )
    count = serializers.IntegerField(
        min_value=MIN_COUNT,
        max_value=MAX_COUNT,
        required=False,
        help_text=f"How many visits, {MIN_COUNT} to {MAX_COUNT}. Give either count or until.",
    )
    until = BookableDateField(
        required=False,
        help_text=f"The last day a visit may fall on, instead of `count` (the course has at most {MAX_COUNT} visits).",
    )
    on_conflict = serializers.ChoiceField(
        choices=OnConflict.choices,
        default=OnConflict.FAIL,
        help_text="What to do with dates that cannot be booked: `fail` books all or nothing, `skip` books the "
        "free dates and reports the others, `extend` skips them too and adds as many dates after the last "
        "(never past twice the course's span).",
    )

    def validate_weekdays(self, names: list[str]) -> list[int]:
        if len(set(names)) != len(names):
            raise serializers.ValidationError("Give each weekday once.")
        return sorted(WEEKDAYS[name] for name in names)

    def validate(self, attrs):
        count, until = attrs.get("count"), attrs.get("until")
        if count is not None and until is not None:
            raise serializers.ValidationError({"count": "Give either count or until, not both."})
        if count is None and until is None:
            raise serializers.ValidationError({"count": "This field is required (or give until)."})
        if until is not None and until < attrs["start_date"]:
            raise serializers.ValidationError({"until": "until cannot be before start_date."})
        return attrs


def course_plan(data: dict) -> CoursePlan:
    """A validated plan request as the core takes it."""
    recurrence = Recurrence(
        first_day=data["start_date"],
        weekdays=tuple(data["weekdays"]),
        wall_time=data["start_time"],
        interval=data["interval"],
        count=data.get("count"),
        until=data.get("until"),
    )
    return CoursePlan(data["appointment_type"], recurrence, data.get("practitioner"), data["on_conflict"])


class CourseBookingRequest(CoursePlanRequest, PatientFields):
    """Book a course: the plan, and the patient as `POST /book` takes them."""


class CourseAlternative(serializers.Serializer):
    date = serializers.DateField(help_text="Clinic local date.")
    start_time = serializers.CharField(help_text="Clinic local start time, HH:MM.")
    starts_at = serializers.DateTimeField(help_text="ISO 8601 start with the clinic's UTC offset.")
    practitioner = serializers.CharField(help_text="Slug of the practitioner free then.")


class CourseDate(serializers.Serializer):
    """One date of the course, and whether it can be booked (a preview, or a refusal: nothing was booked)."""

    index = serializers.IntegerField(help_text="The visit's number in the course, from 1.")
    date = serializers.DateField(help_text="Clinic local date.")
    start_time = serializers.CharField(help_text="Clinic local start time, HH:MM.")
    starts_at = serializers.DateTimeField(
        allow_null=True, help_text="ISO 8601 start with the clinic's UTC offset; null for `nonexistent_local_time`."
    )
    status = serializers.ChoiceField(
        choices=STATUSES,
        help_text="`available`, or why not: `conflict` (taken, or no room free), `closed` (outside hours, a "
        "closure, passed or too soon), `time_off`, `beyond_horizon`, `nonexistent_local_time` (the clocks skip "
        "the time that day).",
    )
    detail = serializers.CharField(help_text="For people: why the date cannot be booked; empty when it can.")
    practitioner = serializers.CharField(
        allow_null=True, help_text="Slug of the practitioner who would see the patient; null when none is free."
    )
    alternatives = CourseAlternative(
        many=True, help_text="When the date cannot be booked: the free times that day nearest the course's time."
    )

    def to_representation(self, report: DateReport):
        occurrence = report.occurrence
        shown = {
            "index": occurrence.index,
            "date": occurrence.day,
            "start_time": f"{occurrence.wall_time:%H:%M}",
            "starts_at": occurrence.start and clinic_time.local(occurrence.start),
            "status": report.status,
            "detail": report.detail,
            "practitioner": report.practitioner and report.practitioner.slug,
            "alternatives": list(report.alternatives),
            "booking": report.booking,
        }
        return super().to_representation(shown)


class BookedCourseDate(CourseDate):
    """One date of a course just booked: `booked` with its booking, or why it was left out."""

    status = serializers.ChoiceField(
        choices=BOOKED_STATUSES, help_text="`booked`, or why the date was left out (as the preview says)."
    )
    booking_id = serializers.CharField(
        source="booking.reference", allow_null=True, help_text="The visit's booking; null when not booked."
    )
    manage_token = serializers.CharField(
        source="booking.manage_token",
        allow_null=True,
        help_text="The visit's own manage token, to move or cancel this visit alone with `/bookings/{booking_id}` "
        "(as `POST /book` answers one); null when not booked.",
    )
    practitioner = serializers.CharField(
        allow_null=True, help_text="Slug of the practitioner booked; null when not booked."
    )


class CoursePreview(serializers.Serializer):
    occurrences = CourseDate(many=True)


class CourseRefusal(ErrorResponse):
    """`series_conflict`: nothing was booked; each date's report says which could not be and what would do."""

    occurrences = CourseDate(many=True, help_text="Every date of the course, as the preview reports it.")


class CourseBooked(serializers.Serializer):
    series_id = serializers.CharField(source="series.reference", help_text="The course's reference, `sr_…`.")
    status = serializers.ChoiceField(source="series.status", choices=BookingSeries.Status.choices)
    manage_token = serializers.CharField(
        help_text="Secret for the course: send it as `token` or `X-Manage-Token` to `GET /series/{series_id}` "
        "and `POST /series/{series_id}/cancel`. Each visit's own token is in its occurrence."
    )
    manage_url = serializers.SerializerMethodField(help_text="Where the patient sees and cancels the course.")
    occurrences = BookedCourseDate(many=True)
    booking_ids = serializers.ListField(child=serializers.CharField(), help_text="The bookings made, in order.")

    def get_manage_url(self, booked) -> str:
        return course_manage_url(booked["series"], booked["manage_token"], self.context.get("request"))

    def to_representation(self, booked):
        booked = {
            **booked,
            "booking_ids": [r.booking.reference for r in booked["occurrences"] if r.booking is not None],
        }
        return super().to_representation(booked)


class CourseVisit(serializers.Serializer):
    """One booking of the course, as it is now (moved or cancelled on its own, it keeps its index)."""

    index = serializers.IntegerField(source="series_index", help_text="The visit's number in the course.")
    booking_id = serializers.CharField(source="reference")
    manage_token = serializers.CharField(
        help_text="The visit's own manage token, to move or cancel this visit alone with `/bookings/{booking_id}`."
    )
    date = serializers.SerializerMethodField()
    start_time = serializers.SerializerMethodField(help_text="Clinic local start time, HH:MM.")
    starts_at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=Booking.Status.choices)
    practitioner = serializers.CharField(source="practitioner.slug")

    @extend_schema_field(OpenApiTypes.DATE)
    def get_date(self, booking) -> str:
        return clinic_time.local_date(booking.starts_at).isoformat()

    def get_start_time(self, booking) -> str:
        return clinic_time.wall_clock(booking.starts_at)


class CourseDetail(serializers.Serializer):
    """A course as its patient (with the course's manage token) or staff reaching the patient see it."""

    series_id = serializers.CharField(source="reference")
    status = serializers.ChoiceField(choices=BookingSeries.Status.choices)
    patient = serializers.CharField(source="patient.reference", help_text="The patient's record, `pt_…`.")
    patient_name = serializers.CharField(source="patient.full_name", help_text="The name on the patient's record.")
    appointment_type = serializers.CharField(source="appointment_type.slug")
    practitioner = serializers.CharField(
        source="practitioner.slug", allow_null=True, help_text="Null: whoever is free, visit by visit."
    )
    start_date = serializers.DateField()
    start_time = serializers.SerializerMethodField(help_text="Clinic local time of every visit, HH:MM.")
    weekdays = serializers.SerializerMethodField()
    interval = serializers.IntegerField()
    count = serializers.IntegerField(allow_null=True)
    until = serializers.DateField(allow_null=True)
    on_conflict = serializers.ChoiceField(choices=OnConflict.choices)
    created_at = serializers.DateTimeField()
    cancelled_at = serializers.DateTimeField(allow_null=True)
    visits = serializers.SerializerMethodField(help_text="Every booking of the course, by index.")

    def get_start_time(self, series) -> str:
        return f"{series.start_time:%H:%M}"

    def get_weekdays(self, series) -> list[str]:
        return [DAY_NAMES[number] for number in series.weekdays]

    @extend_schema_field(CourseVisit(many=True))
    def get_visits(self, series) -> list[dict]:
        # The view reads them once: it logs the same bookings as read by staff.
        return CourseVisit(self.context["visits"], many=True).data


class CourseCancelRequest(serializers.Serializer):
    from_index = serializers.IntegerField(
        min_value=1,
        max_value=2 * MAX_COUNT,
        required=False,
        help_text="Cancel this visit and all following; leave out to cancel every visit still to come. Visits "
        "that have passed, are checked in or completed are never touched.",
    )
    reason = StrictCharField(required=False, allow_blank=True, max_length=500, default="")


class KeptVisit(serializers.Serializer):
    booking_id = serializers.CharField()
    code = serializers.CharField(help_text="Why it was not cancelled, e.g. `too_late_to_change`.")
    detail = serializers.CharField(help_text="For people: why, and whom to call.")


class CourseCancelled(CourseDetail):
    """The course after a cancellation, and what the cancellation did (`context`: `cancelled`, `kept`)."""

    cancelled = serializers.SerializerMethodField(help_text="The bookings this request cancelled.")
    kept = serializers.SerializerMethodField(help_text="Visits from `from_index` on that stay booked, and why.")

    def get_cancelled(self, series) -> list[str]:
        return [booking.reference for booking in self.context["cancelled"]]

    @extend_schema_field(KeptVisit(many=True))
    def get_kept(self, series) -> list[dict]:
        kept = [
            {"booking_id": booking.reference, "code": error.code, "detail": error.message}
            for booking, error in self.context["kept"]
        ]
        return KeptVisit(kept, many=True).data
