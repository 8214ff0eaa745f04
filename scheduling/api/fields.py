"""Request fields with the API's rules: strict text, slugs of active objects, ISO dates, HH:MM times."""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from scheduling import clinic_time, patient_details
from scheduling.models import MAX_QUANTITY, phone_number
from scheduling.reference import reference_data

# Far enough for any horizon staff can set, near enough that date arithmetic never overflows.
FURTHEST_DAY = timedelta(days=3650)
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


class PatientNameField(serializers.CharField):
    """A patient's name as scheduling.patient_details stores it (and the booking page and the admin too): on
    one line, NFC, without invisible characters; one made only of those is blank."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            patient_details.validate_name(data)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        name = patient_details.normalised_name(super().to_internal_value(data))
        if not name:
            self.fail("blank")
        return name


def patient_email_field(**kwargs) -> serializers.EmailField:
    return serializers.EmailField(max_length=254, validators=[patient_details.validate_email_address], **kwargs)


def _django_validator(check):
    """A Django validator as DRF reports it: its messages on the field."""

    def validate(value):
        try:
            check(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None

    return validate


def patient_phone_field(**kwargs) -> StrictCharField:
    """A phone number in the format the model takes that can also be called (scheduling.patient_details)."""
    kwargs.setdefault("help_text", "A number the clinic can call, with its area code; international with +.")
    return StrictCharField(
        required=False,
        allow_blank=True,
        max_length=32,
        validators=[phone_number, _django_validator(patient_details.validate_phone)],
        **kwargs,
    )


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
    kwargs.setdefault("help_text", "Slug of a practitioner. Leave out to let the clinic choose any free one.")
    return ActiveSlugField(kind="practitioners", label="Practitioner", required=False, **kwargs)


class IsoDateField(serializers.DateField):
    """A date written YYYY-MM-DD, and only that."""

    def to_internal_value(self, value):
        if not isinstance(value, str) or not ISO_DATE_SHAPE.fullmatch(value):
            self.fail("invalid", format="YYYY-MM-DD")
        try:
            return super().to_internal_value(value)
        except serializers.ValidationError:
            raise serializers.ValidationError(f"{value} is not a date on the calendar.") from None


class DayFromTodayField(IsoDateField):
    """A clinic-local date from today on. How far ahead is the appointment type's horizon, which the
    serializer checks once it knows the type (rules.beyond_horizon), so a day a month or a century past it
    gets the same answer."""

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        today = clinic_time.today()
        if day < today:
            raise serializers.ValidationError(f"{day} is in the past; the earliest date is today, {today}.")
        return day


class BookableDateField(DayFromTodayField):
    """A clinic-local date from today up to ten years ahead."""

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if day > clinic_time.today() + FURTHEST_DAY:
            raise serializers.ValidationError("This date is too far ahead.")
        return day


@extend_schema_field({"type": "string", "pattern": f"^{WALL_CLOCK_SHAPE.pattern}$", "example": "10:00"})
class WallClockField(serializers.TimeField):
    """A clinic-local time of day written HH:MM."""

    def __init__(self, **kwargs):
        super().__init__(format=clinic_time.WALL_CLOCK, input_formats=[clinic_time.WALL_CLOCK], **kwargs)

    def to_internal_value(self, value):
        if not isinstance(value, str) or not WALL_CLOCK_SHAPE.fullmatch(value):
            self.fail("invalid", format="HH:MM")
        return super().to_internal_value(value)


class BirthDateField(IsoDateField):
    """A patient's date of birth, YYYY-MM-DD: a real day, not in the future, not more than 130 years ago."""

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        _django_validator(patient_details.validate_birth_date)(day)
        return day


def patient_birth_date_field() -> BirthDateField:
    return BirthDateField(
        required=False,
        allow_null=True,
        help_text="The patient's date of birth, YYYY-MM-DD. Required when the appointment type's "
        "`requires_birth_date` is true; it helps the clinic tell apart patients sharing an e-mail or phone.",
    )


# More pools than any type needs (a requirement per pool, each type names a handful): a longer object is
# a client bug or an attack on the lookups, refused before any query.
MAX_PINNED_POOLS = 10
SLUG_SHAPE = re.compile(r"[-a-zA-Z0-9_]{1,50}")


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {
            "oneOf": [
                {"type": "string", "pattern": f"^{SLUG_SHAPE.pattern}$"},
                {
                    "type": "array",
                    "items": {"type": "string", "pattern": f"^{SLUG_SHAPE.pattern}$"},
                    "minItems": 1,
                    "maxItems": MAX_QUANTITY,
                },
            ]
        },
        "maxProperties": MAX_PINNED_POOLS,
        "example": {"treatment-rooms": "treatment-room-2"},
    }
)
class PinnedUnitsField(serializers.Field):
    """`{"pool-slug": "unit-slug"}` or `{"pool-slug": ["unit-slug", ...]}` (the shape the answers and a
    `resource_taken`'s alternatives use): the units staff want for each pool they name; the others are
    assigned.

    Only the shape is checked here (an object of slugs, keys and values alike); which pools and units exist,
    and whether the type needs the pool, the booking engine answers (`unknown_resource`,
    `resource_not_in_pool`), naming this field."""

    default_error_messages = {
        "not_an_object": 'Give an object of pool slug to unit slug, for example {{"treatment-rooms": "room-2"}}.',
        "too_many": f"Name at most {MAX_PINNED_POOLS} pools.",
        "too_many_units": f"Name at most {MAX_QUANTITY} units of a pool.",
        "not_a_slug": "'{text}' is not a slug: letters, digits, '-' and '_' only, at most 50 of them.",
    }

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            self.fail("not_an_object")
        if len(data) > MAX_PINNED_POOLS:
            self.fail("too_many")
        if any(isinstance(units, list) and not 1 <= len(units) <= MAX_QUANTITY for units in data.values()):
            self.fail("too_many_units")
        named = [unit for units in data.values() for unit in (units if isinstance(units, list) else [units])]
        for text in (*data, *named):
            if not isinstance(text, str) or not SLUG_SHAPE.fullmatch(text):
                # Never echo a value that is not text, nor one with a NUL or a control character in it.
                shown = text if isinstance(text, str) and text.isprintable() and len(text) <= 60 else "…"
                self.fail("not_a_slug", text=shown)
        return {pool: tuple(units) if isinstance(units, list) else units for pool, units in data.items()}

    def to_representation(self, value):
        return value


ANSWER_VALUE = {"oneOf": [{"type": "string"}, {"type": "boolean"}]}
# More answers than any type asks is not a booking but a flood: refused before any is looked at.
MAX_ANSWERS = 100


@extend_schema_field({"type": "object", "additionalProperties": ANSWER_VALUE, "maxProperties": MAX_ANSWERS})
class AnswersField(serializers.DictField):
    """Intake answers, `{question slug: value}`: a JSON object whose values scheduling.intake checks against
    the type's questions (the write path does, once the type is known: a hold's is the hold's)."""

    # null is an answer left out, as scheduling.intake says: refused here it would be named by the
    # serializer, not under its question.
    child = serializers.JSONField(allow_null=True)

    def to_internal_value(self, data):
        if isinstance(data, dict) and len(data) > MAX_ANSWERS:
            raise serializers.ValidationError(f"At most {MAX_ANSWERS} answers.")
        return super().to_internal_value(data)
