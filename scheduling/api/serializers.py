"""The API contract: one serializer per request or response shape."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from scheduling import clinic_time, units
from scheduling.api.fields import (
    AnswersField,
    BookableDateField,
    DayFromTodayField,
    IsoDateField,
    PatientNameField,
    PinnedUnitsField,
    StrictCharField,
    WallClockField,
    appointment_type_field,
    patient_birth_date_field,
    patient_email_field,
    patient_phone_field,
    practitioner_field,
)
from scheduling.api.permissions import VIEW_BOOKINGS, StaffOnlyField, actor, staff_may
from scheduling.bookings import PATIENT, change_refusal
from scheduling.links import manage_url
from scheduling.models import (
    AppointmentType,
    Booking,
    BookingEvent,
    IntakeQuestion,
    Practitioner,
    PrivacyRequest,
    questions_of,
)
from scheduling.rules import BookingError, RequestedSlot, beyond_horizon, last_bookable_day

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
    date = DayFromTodayField(required=False, help_text="One day, YYYY-MM-DD (clinic local date).")
    start_date = DayFromTodayField(required=False, help_text="First day of a range, instead of `date`.")
    end_date = DayFromTodayField(
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
        # A range may run past the horizon, its days there empty; its first day may not.
        refuse_beyond_horizon(attrs, "date" if day else "start_date")
        return attrs


def refuse_beyond_horizon(attrs: dict, name: str) -> None:
    """A day past the type's horizon gets the write path's own refusal (400 `booking_horizon` naming the
    field), whether it is a week or a century past: availability, holds and bookings alike."""
    appointment_type, now = attrs["appointment_type"], clinic_time.now()
    if attrs[name] > last_bookable_day(appointment_type, now):
        refused = beyond_horizon(appointment_type, now, field=name)
        raise serializers.ValidationError({name: [ErrorDetail(refused.message, code=refused.code)]})


class AvailableSlot(serializers.Serializer):
    start = serializers.CharField(help_text="Clinic local start time, HH:MM.")
    end = serializers.CharField(help_text="Clinic local end time, HH:MM.")
    starts_at = serializers.DateTimeField(help_text="ISO 8601 start with the clinic's UTC offset.")
    ends_at = serializers.DateTimeField(help_text="ISO 8601 end with the clinic's UTC offset.")
    practitioners = serializers.ListField(
        child=serializers.CharField(), help_text="Slugs of the practitioners free for this slot."
    )
    seats_left = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Group types only (capacity above one): seats still free at this time; a full session is not "
        "offered. Absent for every other type, whose slots keep the prototype's fields exactly.",
    )

    def to_representation(self, open_slot):
        """An OpenSlot (span and practitioners) in the clinic's wall clock and as instants."""
        start, end = clinic_time.local(open_slot.span.start), clinic_time.local(open_slot.span.end)
        shown = {
            "start": start.strftime(clinic_time.WALL_CLOCK),
            "end": end.strftime(clinic_time.WALL_CLOCK),
            "starts_at": start,
            "ends_at": end,
            "practitioners": [p.slug for p in open_slot.practitioners],
        }
        if open_slot.seats_left is not None:
            shown["seats_left"] = open_slot.seats_left
        return super().to_representation(shown)


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
    patient_phone = patient_phone_field()
    patient_birth_date = patient_birth_date_field()
    reason_for_visit = StrictCharField(required=False, allow_blank=True, max_length=1000)
    answers = AnswersField(
        required=False,
        help_text="Answers to the appointment type's intake questions (`GET /appointment-types` lists them), "
        "`{question slug: value}`: text for short and long text (at most 200 and 2000 characters, never "
        "cut), one of the `choices` for a choice, true or false for yes/no, YYYY-MM-DD for a date. A question "
        "not asked, a required one left out, or a wrong value answers 400 with "
        '`{"errors": {"answers": {"<slug>": ["..."]}}}`. Patients must answer the required ones; staff may '
        "leave them out.",
    )


PINNED_BY_STAFF_ONLY = "Only staff may choose a room or equipment; leave resources out and the clinic assigns them."


def pinned_units_field() -> PinnedUnitsField:
    return PinnedUnitsField(
        required=False,
        help_text="Staff only (a patient sending it gets 403 naming `resources`): the unit to take for some of "
        'the pools the type needs, `{"pool-slug": "unit-slug"}` or `{"pool-slug": ["unit-slug", ...]}` (as '
        "answers and alternatives give them); pools left out get any free unit. 400 naming "
        "`resources` for a pool or unit that does not exist (`unknown_resource`), a unit not in the pool "
        "(`resource_not_in_pool`) or a pool the type does not need; 409 `resource_taken` with `alternatives` "
        "when the unit is busy then.",
    )


class PinsUnits(serializers.Serializer):
    """A request that may pin units, if the caller is staff: the view says so in the context's `staff`."""

    resources = pinned_units_field()

    def validate_resources(self, pinned: dict) -> dict:
        if pinned and not self.context.get("staff"):  # `{}` pins nothing: anyone may send it
            raise StaffOnlyField("resources", PINNED_BY_STAFF_ONLY)
        return pinned


class SlotRequest(PinsUnits):
    appointment_type = appointment_type_field()
    date = DayFromTodayField(help_text="Clinic local date, YYYY-MM-DD, up to the type's horizon.")
    start_time = WallClockField(help_text="Clinic local start time, HH:MM, one of the offered slots.")
    practitioner = practitioner_field()

    def validate(self, attrs):
        refuse_beyond_horizon(attrs, "date")
        return super().validate(attrs)


def requested_slot(data: dict, appointment_type: AppointmentType | None = None) -> RequestedSlot:
    """A validated slot request, or a move (whose type is the booking's), as the write path takes it."""
    return RequestedSlot(
        appointment_type or data["appointment_type"], data["date"], data["start_time"], data.get("practitioner")
    )


class BookingRequest(SlotRequest, PatientFields):
    """Book a free slot straight away."""


class HeldBookingRequest(PinsUnits, PatientFields):
    """Confirm a hold taken with `POST /holds`: the held time becomes the patient's booking, with the units
    the hold took (pinned, if at all, when it was taken)."""

    def validate_resources(self, pinned: dict) -> dict:
        super().validate_resources(pinned)
        raise serializers.ValidationError("A hold keeps the units it took: choose them when taking the hold.")

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


class SessionSeats(serializers.Serializer):
    """The group session a seat belongs to, as staff see it."""

    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    capacity = serializers.IntegerField(help_text="Seats the session has.")
    seats_taken = serializers.IntegerField(help_text="Seats held or booked now, this one included while it blocks.")


class IntakeAnswer(serializers.Serializer):
    """One answer kept with a booking, and the question as the patient was asked it."""

    slug = serializers.CharField(help_text="The question's slug when it was asked.")
    label = serializers.CharField(help_text="The question's wording when it was asked.")
    kind = serializers.ChoiceField(choices=IntakeQuestion.Kind.choices)
    clinical = serializers.BooleanField(help_text="The clinic marks the answer as health information.")
    answer = serializers.JSONField(
        help_text="Text (a date as YYYY-MM-DD, a choice as offered), or a boolean for yes/no."
    )


class BookingDetail(BookingTimes):
    """A booking as its patient (holding the manage token) or staff see it. Once it is cancelled, the
    patient's link shows only that it was cancelled, when, and by whom: not who the patient is or why they
    were coming (see `Booking.shows_patient_details`).

    Rooms, equipment and a group session's seats are the clinic's business: staff see them (`resources`,
    `session`); the patient's answer leaves both keys out, so no room name reaches a patient's app."""

    STAFF_ONLY_FIELDS = ("resources", "session")

    WITHHELD_FIELDS = (
        "patient",
        "patient_name",
        "patient_email",
        "patient_phone",
        "patient_birth_date",
        "reason_for_visit",
        "answers",
        "cancellation_reason",
    )

    revision = serializers.IntegerField(help_text="Goes up by one on every change; see `/events`.")
    patient_name = serializers.CharField(allow_null=True, help_text="The patient's full name." + WITHHELD)
    patient_email = serializers.CharField(
        allow_null=True, help_text="The patient's e-mail address, or empty if none was given." + WITHHELD
    )
    patient_phone = serializers.CharField(allow_null=True, help_text="Empty if none was given." + WITHHELD)
    patient_birth_date = serializers.DateField(allow_null=True, help_text="Null if none was given." + WITHHELD)
    patient = serializers.CharField(
        source="patient.reference",
        allow_null=True,
        help_text="The patient's record (`pt_…`, see `/patients/{reference}`) this booking is for; the fields "
        "above are the details as typed into this booking." + WITHHELD,
    )
    reason_for_visit = serializers.CharField(allow_null=True, help_text="Empty if none was given." + WITHHELD)
    answers = IntakeAnswer(
        source="intake_answers",
        many=True,
        allow_null=True,
        help_text="The intake questions' answers, each with the question as it was asked when booking (a "
        "question edited or deleted since changes none of them); empty if none were asked." + WITHHELD,
    )
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
    resources = serializers.SerializerMethodField(
        help_text="Staff only (left out for the patient): the units the booking claims, `{pool slug: [unit "
        "slugs]}`; `{}` for a type that needs none."
    )
    session = serializers.SerializerMethodField(
        help_text="Staff only (left out for the patient): the group session this booking is a seat of; null "
        "for a type of one patient at a time."
    )
    series_id = serializers.CharField(
        source="series.reference",
        allow_null=True,
        help_text="The course of treatment (`sr_…`, see `/series/{series_id}`) this booking is a visit of; null "
        "for a single booking.",
    )
    series_index = serializers.IntegerField(
        allow_null=True, help_text="The visit's number in its course, from 1; null for a single booking."
    )

    def to_representation(self, booking):
        request = self.context.get("request")
        staff = request is not None and staff_may(request, VIEW_BOOKINGS)
        if not staff:
            # Not computed for the patient at all, rather than computed and dropped.
            for name in self.STAFF_ONLY_FIELDS:
                self.fields.pop(name, None)
        shown = super().to_representation(booking)
        if shown.get("answers") is None:  # NULL: nothing was asked
            shown["answers"] = []
        if not booking.shows_patient_details and not staff:
            shown.update(dict.fromkeys(self.WITHHELD_FIELDS))
        return shown

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}})
    def get_resources(self, booking) -> dict:
        if "resource_claims" not in getattr(booking, "_prefetched_objects_cache", {}):
            return units.booking_resources(booking)
        # A list's page: its claims were read in one query (BookingViewSet.get_queryset), in this order.
        held: dict[str, list[str]] = {}
        for claim in booking.resource_claims.all():
            held.setdefault(claim.pool.slug, []).append(claim.resource.slug)
        return held

    @extend_schema_field(SessionSeats(allow_null=True))
    def get_session(self, booking) -> dict | None:
        if booking.session_id is None:
            return None
        session = booking.session
        # One count per session shown, however many of its seats a list shows.
        taken = self.context.setdefault("seats_taken", {})
        if session.pk not in taken:
            taken[session.pk] = session.seats.filter(status__in=Booking.BLOCKING).count()
        return SessionSeats(
            {
                "starts_at": session.starts_at,
                "ends_at": session.ends_at,
                "capacity": session.capacity,
                "seats_taken": taken[session.pk],
            }
        ).data

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


class RescheduleRequest(PinsUnits):
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


class IntakeQuestionSummary(serializers.Serializer):
    """A question booking a type asks (questions are the clinic's, not patient data)."""

    slug = serializers.CharField(help_text="The key of its answer in `answers`.")
    label = serializers.CharField()
    kind = serializers.ChoiceField(choices=IntakeQuestion.Kind.choices)
    choices = serializers.ListField(child=serializers.CharField(), help_text="For a choice: the answers offered.")
    required = serializers.BooleanField(help_text="Patients must answer it to book.")
    help_text = serializers.CharField()
    clinical = serializers.BooleanField(help_text="The answer is health information.")


class AppointmentTypeSummary(serializers.ModelSerializer):
    slot_interval_minutes = serializers.SerializerMethodField()
    questions = serializers.SerializerMethodField(
        help_text="The intake questions booking it asks, in order: the standard ones switched on (`new-patient`, "
        "a yes/no) first, then the type's own. `requires_birth_date` is the standard date-of-birth question."
    )

    class Meta:
        model = AppointmentType
        fields = [
            "slug",
            "name",
            "duration_minutes",
            *AppointmentType.RULE_FIELDS,
            "requires_birth_date",
            "capacity",
            "allow_series",
            "questions",
        ]
        extra_kwargs = {
            "capacity": {"help_text": "Patients per session: above 1, a group type (slots carry `seats_left`)."},
            "allow_series": {
                "help_text": "Patients may book a course of this type (`POST /series`); staff may for any type."
            },
        }

    def get_slot_interval_minutes(self, appointment_type) -> int:
        return appointment_type.slot_interval_minutes or appointment_type.duration_minutes

    @extend_schema_field(IntakeQuestionSummary(many=True))
    def get_questions(self, appointment_type) -> list[dict]:
        return IntakeQuestionSummary(questions_of(appointment_type), many=True).data


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


class PrivacyRequestAsk(serializers.Serializer):
    """A patient asks the clinic for a copy of their data, or to delete it; staff handle the request."""

    kind = serializers.ChoiceField(choices=PrivacyRequest.Kind.choices)


class PrivacyRequestReceipt(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PrivacyRequest.Kind.choices)
    status = serializers.ChoiceField(choices=PrivacyRequest.Status.choices)
    requested_at = serializers.DateTimeField(help_text="When the patient asked (the first time, if asked again).")
    already_asked = serializers.SerializerMethodField(
        help_text="True when a request of this kind was already with the clinic: nothing new was recorded."
    )
    detail = serializers.SerializerMethodField(help_text="For the patient: what happens next.")

    def get_already_asked(self, asked) -> bool:
        return self.context["already_asked"]

    def get_detail(self, asked) -> str:
        return "The clinic will contact you about your request. Nothing is sent or deleted until staff handle it."


class Alternative(serializers.Serializer):
    """A time, and the units for it, that would do instead of a pinned unit that is taken."""

    date = serializers.DateField(help_text="Clinic local date.")
    start_time = serializers.TimeField(format=clinic_time.WALL_CLOCK, help_text="Clinic local start time, HH:MM.")
    resources = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="The units per pool that are free then: `{pool slug: [unit slugs]}`.",
    )


MESSAGES = {"type": "array", "items": {"type": "string"}}


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"oneOf": [MESSAGES, {"type": "object", "additionalProperties": MESSAGES}]},
    }
)
class FieldErrors(serializers.DictField):
    """{field: [messages]}, or {question slug: [messages]} under `answers`."""


class ErrorResponse(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, for people.")
    code = serializers.CharField(help_text="What went wrong, for programs, e.g. `invalid`, `slot_unavailable`.")
    errors = FieldErrors(
        required=False,
        help_text="Messages per request field (or `body` for the request as a whole); for `answers`, an "
        "object of messages per intake question's slug.",
    )
    alternatives = Alternative(
        many=True,
        required=False,
        help_text="With `resource_taken` only: the same time with other units, and the nearest times with the "
        "units asked for, to offer instead.",
    )
