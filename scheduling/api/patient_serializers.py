"""The staff API's contract for patients' records: the list's filters, a record in a list, a record with its
history, and a merge request."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from scheduling.api.fields import IsoDateField, StrictCharField
from scheduling.api.serializers import QueryParameters
from scheduling.models import Booking, Patient
from scheduling.patients import history, history_pks
from scheduling.patients.sections import sections_for


class PatientListQuery(QueryParameters):
    refuses_unknown = True

    q = StrictCharField(
        required=False, max_length=200, help_text="A reference, an e-mail address or phone exactly, or part of a name."
    )
    birth_date = IsoDateField(required=False, help_text="Born on this day, YYYY-MM-DD.")
    has_open_candidates = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="In an open possible duplicate (true) or not (false)."
    )
    merged = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="true: include records merged into another (left out otherwise).",
    )
    erased = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="Only erased records (true), or none (false)."
    )

    def validate(self, attrs):
        return {**attrs, "q": attrs.get("q", ""), "merged": bool(attrs.get("merged"))}


class PatientSummary(serializers.ModelSerializer):
    """A record as a list shows it."""

    merged_into = serializers.SlugRelatedField(
        slug_field="reference",
        read_only=True,
        allow_null=True,
        help_text="The record this one was merged into, or null.",
    )

    class Meta:
        model = Patient
        fields = [
            "reference",
            "given_name",
            "family_name",
            "birth_date",
            "email",
            "phone",
            "preferred_language",
            "created_at",
            "merged_into",
            "erased_at",
        ]


class PatientBooking(serializers.ModelSerializer):
    booking_id = serializers.CharField(source="reference")
    appointment_type = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    practitioner = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    late_cancellation = serializers.SerializerMethodField(
        help_text="Cancelled by the patient within the larger of the type's `patient_change_cutoff_minutes` and "
        "24 hours before the start."
    )

    class Meta:
        model = Booking
        fields = [
            "booking_id",
            "appointment_type",
            "practitioner",
            "starts_at",
            "ends_at",
            "status",
            "late_cancellation",
        ]

    def get_late_cancellation(self, booking) -> bool:
        return history.is_late_cancellation(booking)


class PatientCounts(serializers.Serializer):
    bookings = serializers.IntegerField(help_text="Appointments of this record and those merged into it.")
    no_shows = serializers.IntegerField()
    late_cancellations = serializers.IntegerField(
        help_text="Cancelled by the patient (not staff) within the larger of the appointment type's "
        "`patient_change_cutoff_minutes` and 24 hours before the start."
    )


class PatientRecord(PatientSummary):
    """A record with its history: every booking (its own and those of records merged into it) and what the
    apps built on the core add (`sections`: the waitlist's entries, the messages sent; never their bodies)."""

    counts = serializers.SerializerMethodField()
    bookings = serializers.SerializerMethodField()
    sections = serializers.SerializerMethodField(
        help_text="Rows per section (`waitlist`: entries; `messages`: e-mails sent, never their bodies), oldest first."
    )

    class Meta(PatientSummary.Meta):
        fields = [*PatientSummary.Meta.fields, "counts", "bookings", "sections"]

    def _bookings(self, patient) -> list[Booking]:
        cached = self.context.setdefault("bookings", {})
        if patient.pk not in cached:
            cached[patient.pk] = list(history.bookings_of(patient))
        return cached[patient.pk]

    @extend_schema_field(PatientCounts)
    def get_counts(self, patient) -> dict:
        return vars(history.Counts.of(self._bookings(patient)))

    @extend_schema_field(PatientBooking(many=True))
    def get_bookings(self, patient) -> list[dict]:
        return PatientBooking(self._bookings(patient), many=True).data

    @extend_schema_field(serializers.DictField(child=serializers.ListField(child=serializers.DictField())))
    def get_sections(self, patient) -> dict:
        return sections_for(history_pks(patient))


class MergeRequest(serializers.Serializer):
    into = StrictCharField(max_length=32, help_text="The reference (pt_…) of the record this one becomes part of.")
