"""The staff API's contract for weekly hours, time off and closures, and for what staff decide about the
bookings a change strands (see scheduling/schedule_changes.py)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from scheduling import roles, schedule_changes
from scheduling.api.fields import IsoDateField, StrictCharField, WallClockField
from scheduling.api.serializers import QueryParameters
from scheduling.models import ClinicClosure, OpeningHours, Practitioner, TimeOff, Weekday, overlapping_hours
from scheduling.schedule_changes import ACTIONS, DEFAULT_ACTIONS, MOVE, Decision, Decisions

SLUG_SHAPE = re.compile(r"[-a-zA-Z0-9_]+")
ANSWERS_HELP = (
    'What happens to each booking the change strands: `{"default": "keep", "bk_…": "cancel", "bk_…": '
    '{"action": "move", "starts_at": "<ISO instant>", "practitioner": "<slug>"}}`. Actions: cancel (the '
    "patient is e-mailed the reason and a link to book again), move (to a free time; the patient is told), "
    "offer (the patient is e-mailed a link to choose a new time), keep (recorded in the booking's history). "
    "`default` may be cancel, offer or keep. Patients' holds are released. Required once a change strands "
    "anything (a dry run lists what)."
)


class ScheduleChangeControl(serializers.Serializer):
    """The fields every write of hours, time off and closures takes besides the row's own."""

    dry_run = serializers.BooleanField(
        required=False,
        default=False,
        write_only=True,
        help_text="Answer with the bookings the change would strand, and save nothing (also `?dry_run=true`).",
    )
    affected_bookings = serializers.JSONField(required=False, write_only=True, help_text=ANSWERS_HELP)
    reason_for_patients = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=400,
        default="",
        write_only=True,
        help_text="Why, in the e-mails to patients whose bookings are cancelled or offered new times; never "
        "clinical detail.",
    )

    outcomes = serializers.DictField(
        child=serializers.CharField(),
        read_only=True,
        default=dict,  # empty where nothing was written: a list, a row read
        help_text="After a write: what became of each booking it stranded (cancel, move, offer, keep, released).",
    )

    CONTROL = ("dry_run", "affected_bookings", "reason_for_patients")

    def validate_affected_bookings(self, value) -> Decisions:
        if not isinstance(value, dict):
            raise serializers.ValidationError("Give an object: booking references (and `default`) to answers.")
        default = value.get("default")
        if default is not None and default not in DEFAULT_ACTIONS:
            raise serializers.ValidationError(f"`default` is one of {', '.join(DEFAULT_ACTIONS)}.")
        each = {}
        for reference, answer in value.items():
            if reference == "default":
                continue
            each[reference] = _decision(reference, answer)
        return Decisions(each, Decision(default) if default else None)

    def split(self) -> tuple[dict, dict]:
        """(the row's validated fields, the control fields)."""
        fields = dict(self.validated_data)
        control = {name: fields.pop(name) for name in self.CONTROL if name in fields}
        return fields, control


def _decision(reference: str, answer) -> Decision:
    if isinstance(answer, str):
        answer = {"action": answer}
    if not isinstance(answer, dict) or answer.get("action") not in ACTIONS:
        raise serializers.ValidationError(f"{reference}: the action is one of {', '.join(ACTIONS)}.")
    if answer["action"] != MOVE:
        return Decision(answer["action"])
    starts_at = schedule_changes.parse_instant(answer.get("starts_at"))
    if starts_at is None:
        raise serializers.ValidationError(f"{reference}: a move needs `starts_at`, an ISO instant with its offset.")
    practitioner = None
    if answer.get("practitioner") is not None and not (
        isinstance(answer["practitioner"], str) and SLUG_SHAPE.fullmatch(answer["practitioner"])
    ):
        raise serializers.ValidationError(f"{reference}: `practitioner` is a practitioner's slug.")
    if answer.get("practitioner"):
        practitioner = Practitioner.objects.filter(slug=answer["practitioner"], is_active=True).first()
        if practitioner is None:
            raise serializers.ValidationError(f"{reference}: no practitioner '{answer['practitioner']}'.")
    return Decision(MOVE, starts_at, practitioner)


class ReachedPractitionerField(serializers.SlugRelatedField):
    """A practitioner's slug, among those the caller reaches (a practitioner's account: only their own)."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="slug", help_text="Slug of the practitioner.", **kwargs)

    def get_queryset(self):
        return roles.practitioners_reached(self.context["request"].user)

    def to_internal_value(self, data):
        # Never a query with what cannot be a slug (PostgreSQL refuses a NUL in a string: a 500).
        if not isinstance(data, str) or not SLUG_SHAPE.fullmatch(data):
            self.fail("invalid")
        return super().to_internal_value(data)


def _model_clean(instance) -> None:
    """The model's own checks (one place for them), as a 400 naming the field."""
    try:
        instance.clean()
    except DjangoValidationError as error:
        raise serializers.ValidationError(error.message_dict) from None


class OpeningHoursRecord(ScheduleChangeControl, serializers.ModelSerializer):
    id = serializers.IntegerField(read_only=True)
    practitioner = ReachedPractitionerField()
    weekday = serializers.ChoiceField(choices=Weekday.choices, help_text="0 is Monday, 6 Sunday.")
    opens_at = WallClockField(help_text="Clinic local time, HH:MM.")
    closes_at = WallClockField(help_text="Clinic local time, HH:MM.")

    class Meta:
        model = OpeningHours
        fields = ["id", "practitioner", "weekday", "opens_at", "closes_at", *ScheduleChangeControl.CONTROL, "outcomes"]

    def validate(self, attrs):
        row = {
            name: attrs.get(name, getattr(self.instance, name, None)) for name in ("weekday", "opens_at", "closes_at")
        }
        practitioner = attrs.get("practitioner") or (self.instance and self.instance.practitioner)
        _model_clean(OpeningHours(practitioner=practitioner, **row))
        others = OpeningHours.objects.filter(practitioner=practitioner)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        intervals = [(row["weekday"], row["opens_at"], row["closes_at"])]
        intervals += list(others.values_list("weekday", "opens_at", "closes_at"))
        overlap = overlapping_hours(intervals)
        if overlap:
            raise serializers.ValidationError({"opens_at": overlap})
        return attrs


class TimeOffRecord(ScheduleChangeControl, serializers.ModelSerializer):
    id = serializers.IntegerField(read_only=True)
    practitioner = ReachedPractitionerField()
    reason = StrictCharField(required=False, allow_blank=True, max_length=200, help_text="For staff only.")

    class Meta:
        model = TimeOff
        fields = ["id", "practitioner", "starts_at", "ends_at", "reason", *ScheduleChangeControl.CONTROL, "outcomes"]

    def validate(self, attrs):
        row = {name: attrs.get(name, getattr(self.instance, name, None)) for name in ("starts_at", "ends_at")}
        _model_clean(TimeOff(**row))
        return attrs


class ClosureRecord(ScheduleChangeControl, serializers.ModelSerializer):
    id = serializers.IntegerField(read_only=True)
    name = StrictCharField(max_length=100)
    first_day = IsoDateField()
    last_day = IsoDateField(help_text="Inclusive; the same as the first day for a one-day closure.")
    closed_from = WallClockField(
        required=False,
        allow_null=True,
        help_text="Clinic local time on the first day; null: midnight.",
    )
    closed_until = WallClockField(
        required=False,
        allow_null=True,
        help_text="Clinic local time on the last day; null: midnight.",
    )

    class Meta:
        model = ClinicClosure
        fields = [
            "id",
            "name",
            "first_day",
            "last_day",
            "closed_from",
            "closed_until",
            *ScheduleChangeControl.CONTROL,
            "outcomes",
        ]

    def validate(self, attrs):
        names = ("first_day", "last_day", "closed_from", "closed_until")
        _model_clean(ClinicClosure(**{name: attrs.get(name, getattr(self.instance, name, None)) for name in names}))
        return attrs


class ScheduleListQuery(QueryParameters):
    practitioner = serializers.SlugField(required=False, help_text="Only this practitioner's rows.")


class DryRunQuery(QueryParameters):
    dry_run = serializers.BooleanField(
        required=False, default=False, help_text="Answer with the bookings the change would strand; save nothing."
    )


class FreeTimeSummary(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    practitioner = serializers.CharField(help_text="Slug of the practitioner free then.")


class StrandedBooking(serializers.Serializer):
    """A booking a change strands, as staff decide about it: no patient details."""

    booking_id = serializers.CharField(help_text="The booking's reference, the key of its answer.")
    status = serializers.CharField(help_text="`confirmed`, or `held`: a patient's hold, released.")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    practitioner = serializers.CharField(help_text="Slug of the booking's practitioner.")
    appointment_type = serializers.CharField(help_text="Slug of the booking's type.")
    free_times = FreeTimeSummary(many=True, help_text="Free times to move it to, with the change as if saved.")


class DryRunAnswer(serializers.Serializer):
    dry_run = serializers.BooleanField(help_text="Always true: nothing was saved.")
    affected_bookings = StrandedBooking(many=True)


class UnansweredBookingsResponse(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField(help_text="`unanswered_bookings`.")
    affected_bookings = StrandedBooking(many=True, help_text="The bookings still without an answer.")


def stranded_json(stranded, free) -> list[dict]:
    return [
        {
            "booking_id": hit.reference,
            "status": hit.booking.status,
            "starts_at": hit.booking.starts_at,
            "ends_at": hit.booking.ends_at,
            "practitioner": hit.booking.practitioner.slug,
            "appointment_type": hit.booking.appointment_type.slug,
            "free_times": [
                {"starts_at": o.start, "practitioner": o.practitioner.slug} for o in free.get(hit.reference, [])
            ],
        }
        for hit in stranded
    ]
