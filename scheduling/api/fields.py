"""Request fields with the API's rules: strict text, slugs of active objects, ISO dates, HH:MM times."""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from scheduling import clinic_time, patient_details
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


class BookableDateField(IsoDateField):
    """A clinic-local date from today up to ten years ahead."""

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        today = clinic_time.today()
        if day < today:
            raise serializers.ValidationError(f"{day} is in the past; the earliest date is today, {today}.")
        if day > today + FURTHEST_DAY:
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
